// dconf's databases read in process (helper/dconf/database.ts) against the real
// dconf: values written with `dconf write` and `gsettings set` through the real
// dconf-service on a private session bus, system databases built with the real
// `dconf compile`, profiles as dconf finds them. What we read must equal what
// `dconf read` and `dconf dump /` print, key for key.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DconfError, openDconf, type DconfValues } from '../../helper/dconf/database.js';
import type { Environment } from '../../helper/domain.js';
import { environmentFrom } from '../../helper/environment.js';
import { parseKeyfile } from '../../helper/keyfile.js';
import { formatGVariant, gvariantEqual, parseGVariant, type GVariant } from '../../helper/gvariant.js';
import { runProcess } from '../../helper/run.js';
import { arbitraryGVariant } from '../harness/gvariant-arbitrary.js';
import { startPrivateSession, type PrivateSession } from '../harness/session.js';

const SCHEMA = 'org.example.Database';
const SCHEMAS = {
  [`${SCHEMA}.gschema.xml`]: `<schemalist>
  <schema id="${SCHEMA}" path="/org/example/database/">
    <key name="theme" type="s"><default>'Adwaita'</default></key>
    <key name="delay" type="u"><default>0</default></key>
    <key name="sources" type="a(ss)"><default>[]</default></key>
    <key name="scale" type="d"><default>1.0</default></key>
  </schema>
</schemalist>
`,
};

let session: PrivateSession;

beforeAll(async () => {
  session = await startPrivateSession({ schemas: SCHEMAS });
});

afterAll(async () => {
  await session?.stop();
});

beforeEach(async () => {
  await dconf({}, 'reset', '-f', '/');
});

/** Runs the real dconf in the session, with extra variables (a profile). */
async function dconf(extra: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  return (await runProcess('dconf', args, { env: { ...session.env, ...extra } })).stdout;
}

const environment = (extra: NodeJS.ProcessEnv = {}): Environment => environmentFrom({ ...session.env, ...extra });

/** `dconf dump /`, read back: key path -> value, in its order. */
async function dumped(extra: NodeJS.ProcessEnv = {}): Promise<[string, GVariant][]> {
  const entries: [string, GVariant][] = [];
  for (const [group, keys] of parseKeyfile(await dconf(extra, 'dump', '/'), { unescape: false })) {
    for (const [key, text] of keys) entries.push([`${group === '/' ? '/' : `/${group}/`}${key}`, parseGVariant(text)]);
  }
  return entries;
}

/** `dconf read KEY` as a value; undefined where it prints nothing. */
async function dconfRead(key: string, extra: NodeJS.ProcessEnv = {}): Promise<GVariant | undefined> {
  const text = (await dconf(extra, 'read', key)).trim();
  return text === '' ? undefined : parseGVariant(text);
}

const same = (a: GVariant | undefined, b: GVariant | undefined) => (a === undefined || b === undefined ? a === b : gvariantEqual(a, b));
const printed = (entries: Iterable<[string, GVariant]>) => [...entries].map(([key, value]) => `${key}=${formatGVariant(value)}`);

/** Ours and dconf's reading of every key: they must be the same. */
async function compareEveryKey(values: DconfValues, keys: string[], extra: NodeJS.ProcessEnv = {}) {
  const differences: string[] = [];
  for (const key of keys) {
    const theirs = await dconfRead(key, extra);
    const ours = values.read(key);
    if (!same(ours, theirs)) differences.push(`${key}: dconf read ${theirs && formatGVariant(theirs)}, ours ${ours && formatGVariant(ours)}`);
  }
  expect(differences).toEqual([]);
  expect(printed(values.dump())).toEqual(printed(await dumped(extra)));
}

const WRITTEN: [key: string, text: string][] = [
  ['/org/gnome/desktop/interface/gtk-theme', "'adw-gtk3'"],
  ['/org/gnome/desktop/interface/text-scaling-factor', '1.25'],
  ['/org/gnome/desktop/session/idle-delay', 'uint32 300'],
  ['/org/gnome/shell/enabled-extensions', "['appindicatorsupport@rgcjonas.gmail.com', 'blur-my-shell@aunetx']"],
  ['/org/gnome/shell/favorite-apps', '@as []'],
  ['/org/gnome/desktop/input-sources/sources', "[('xkb', 'us'), ('ibus', 'mozc-jp')]"],
  ['/org/gnome/desktop/input-sources/xkb-options', "['compose:ralt', 'caps:escape']"],
  ['/org/gnome/mutter/experimental-features', "['scale-monitor-framebuffer']"],
  ['/org/example/types/bool', 'true'],
  ['/org/example/types/byte', 'byte 0xff'],
  ['/org/example/types/int16', 'int16 -32768'],
  ['/org/example/types/uint16', 'uint16 65535'],
  ['/org/example/types/int64', 'int64 -9223372036854775808'],
  ['/org/example/types/uint64', 'uint64 18446744073709551615'],
  ['/org/example/types/handle', 'handle 3'],
  ['/org/example/types/double', '-0.0'],
  ['/org/example/types/nan', 'nan'],
  ['/org/example/types/path', "objectpath '/org/example'"],
  ['/org/example/types/signature', "signature 'a{sv}'"],
  ['/org/example/types/bytestring', "b'hello'"],
  ['/org/example/types/unicode', "'ünï\\u200bcode \"quoted\" \\'single\\' \\\\ 😀'"],
  ['/org/example/types/dict', "{'a': <1>, 'b': <['x']>, 'c': <@mi nothing>}"],
  ['/org/example/types/maybe', '@mms just nothing'],
  ['/org/example/types/nested', "[([(1, {'k': <(true, @ay [])>})], @a{sv} {})]"],
  ['/org/example/types/variant', '<<<int64 5>>>'],
  ['/org/example/types/unit', '()'],
  ['/org/example/long', `[${Array.from({ length: 300 }, (_, i) => `'item ${i} ${'x'.repeat(i % 50)}'`).join(', ')}]`],
  ['/top-level', "'at the root'"],
];

describe('the user database, written by the real dconf-service', () => {
  it('reads every value dconf write stored as dconf read and dconf dump / print it', async () => {
    for (const [key, text] of WRITTEN) await dconf({}, 'write', key, text);
    const values = await openDconf(environment());
    expect(values.via).toBe('files');
    for (const [key, text] of WRITTEN) {
      const ours = values.read(key);
      expect(ours && formatGVariant(ours), key).toBe(formatGVariant(parseGVariant(text)));
    }
    await compareEveryKey(values, [...WRITTEN.map(([key]) => key), '/org/gnome/nothing', '/nothing']);
    expect(values.dump().size).toBe(WRITTEN.length);
  });

  it('reads what gsettings set wrote as dconf read prints it', async () => {
    const gsettings = (...args: string[]) => runProcess('gsettings', args, { env: session.env });
    await gsettings('set', SCHEMA, 'theme', 'WhiteSur');
    await gsettings('set', SCHEMA, 'delay', '42');
    await gsettings('set', SCHEMA, 'sources', "[('xkb', 'de')]");
    await gsettings('set', SCHEMA, 'scale', '2');
    const values = await openDconf(environment());
    expect(printed(values.dump())).toEqual([
      "/org/example/database/delay=uint32 42",
      '/org/example/database/scale=2.0',
      "/org/example/database/sources=[('xkb', 'de')]",
      "/org/example/database/theme='WhiteSur'",
    ]);
    await compareEveryKey(values, ['theme', 'delay', 'sources', 'scale'].map((key) => `/org/example/database/${key}`));
  });

  it('reads any generated value of any type back equal to what dconf write was given and dconf read prints', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(arbitraryGVariant, async (value) => {
        const key = `/org/example/property/k${n++}`;
        await dconf({}, 'write', key, formatGVariant(value));
        const ours = (await openDconf(environment())).read(key);
        const theirs = await dconfRead(key);
        expect(ours && formatGVariant(ours)).toBe(formatGVariant(value));
        expect(ours && gvariantEqual(ours, value)).toBe(true);
        expect(theirs && gvariantEqual(ours!, theirs)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('reads nothing where no database exists yet, as dconf does', async () => {
    const empty = environment({ XDG_CONFIG_HOME: join(session.dir, 'no-config') });
    const values = await openDconf(empty);
    expect(values.read('/org/gnome/shell/enabled-extensions')).toBeUndefined();
    expect(values.dump().size).toBe(0);
    expect(await dumped({ XDG_CONFIG_HOME: join(session.dir, 'no-config') })).toEqual([]);
  });
});

describe('system databases compiled by the real dconf compile, and profiles', () => {
  const made: string[] = [];
  const name = `bkt-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const systemDir = '/etc/dconf/db';
  let createdSystemDir = false;

  /** Compiles keyfiles (and `locks/` files) into a database with the real `dconf compile`. */
  async function compile(output: string, files: Record<string, string>): Promise<void> {
    const dir = join(session.dir, `keyfiles-${made.length}`);
    for (const [file, content] of Object.entries(files)) {
      await mkdir(join(dir, file, '..'), { recursive: true });
      await writeFile(join(dir, file), content);
    }
    await runProcess('dconf', ['compile', output, dir]);
    made.push(output);
  }

  beforeAll(async () => {
    createdSystemDir = !existsSync(systemDir);
    await mkdir(systemDir, { recursive: true });
    await compile(join(systemDir, `${name}-site`), {
      '00-site': "[org/example]\nsystem-only='site'\noverridden='site'\nlocked='site'\n\n[org/example/deep/er]\nkey=uint32 7\n",
      'locks/site': '/org/example/locked\n/org/example/locked-without-value\n',
    });
    await compile(join(systemDir, `${name}-vendor`), {
      '00-vendor': "[org/example]\nvendor-only='vendor'\nlocked-by-vendor='vendor'\nsystem-only='vendor'\nlocked='vendor'\n",
      'locks/vendor': '/org/example/locked-by-vendor\n/org/example/locked\n',
    });
  });

  afterAll(async () => {
    for (const file of made) await rm(file, { force: true });
    if (createdSystemDir) await rm(systemDir, { recursive: true, force: true });
  });

  const KEYS = [
    '/org/example/system-only',
    '/org/example/overridden',
    '/org/example/locked',
    '/org/example/locked-without-value',
    '/org/example/locked-by-vendor',
    '/org/example/vendor-only',
    '/org/example/user-only',
    '/org/example/deep/er/key',
    '/org/example/missing',
  ];

  /** User values, for locked keys too: written under the default profile, which has no locks. */
  async function writeUserValues(): Promise<void> {
    for (const key of ['overridden', 'locked', 'locked-without-value', 'locked-by-vendor', 'user-only']) await dconf({}, 'write', `/org/example/${key}`, `'user ${key}'`);
  }

  it('reads user-db:user over two system-db databases as dconf does: the first value wins, and the last database locking a key decides', async () => {
    await writeUserValues();
    const profile = join(session.dir, 'profile-system');
    await writeFile(profile, `# the user's own settings first\nuser-db:user\nsystem-db:${name}-site\n  system-db:${name}-vendor  # vendor defaults\n`);
    const extra = { DCONF_PROFILE: profile };
    const values = await openDconf(environment(extra));
    await compareEveryKey(values, KEYS, extra);
    const shown = (key: string) => {
      const value = values.read(key);
      return value && formatGVariant(value);
    };
    expect(shown('/org/example/overridden')).toBe("'user overridden'");
    expect(shown('/org/example/system-only')).toBe("'site'");
    expect(shown('/org/example/vendor-only')).toBe("'vendor'");
    expect(shown('/org/example/user-only')).toBe("'user user-only'");
    expect(shown('/org/example/deep/er/key')).toBe('uint32 7');
    // Locked by both: the vendor database, the last one, decides.
    expect(shown('/org/example/locked')).toBe("'vendor'");
    // Locked by the site database, which has no value for it: the vendor database's, which has none either.
    expect(shown('/org/example/locked-without-value')).toBeUndefined();
    expect(shown('/org/example/locked-by-vendor')).toBe("'vendor'");
    // dconf refuses to write a locked key, as our reading says.
    await expect(dconf(extra, 'write', '/org/example/locked', "'again'")).rejects.toThrow(/non-writable/);
  });

  it('reads a file-db database, and a profile named in DCONF_PROFILE found in a data directory', async () => {
    await writeUserValues();
    const share = join(session.dir, 'share');
    await mkdir(join(share, 'dconf/profile'), { recursive: true });
    await writeFile(join(share, 'dconf/profile', name), `user-db:user\nfile-db:${join(systemDir, `${name}-site`)}\n`);
    const extra = { DCONF_PROFILE: name, XDG_DATA_DIRS: `${join(session.dir, 'no-share')}:${share}` };
    const values = await openDconf(environment(extra));
    await compareEveryKey(values, KEYS, extra);
    expect(values.read('/org/example/locked')).toEqual({ kind: 'string', type: 's', value: 'site' });
  });

  it('reads the runtime profile in $XDG_RUNTIME_DIR/dconf/profile, and a profile with only system databases', async () => {
    await writeUserValues();
    const runtimeProfile = join(session.env.XDG_RUNTIME_DIR!, 'dconf/profile');
    await mkdir(join(runtimeProfile, '..'), { recursive: true });
    await writeFile(runtimeProfile, `system-db:${name}-vendor\nsystem-db:${name}-site\n`);
    try {
      const values = await openDconf(environment());
      await compareEveryKey(values, KEYS);
      expect(values.read('/org/example/overridden')).toEqual({ kind: 'string', type: 's', value: 'site' });
    } finally {
      await rm(runtimeProfile);
    }
  });

  it('reads nothing with a named profile that does not exist (the null profile), as dconf does', async () => {
    await writeUserValues();
    const extra = { DCONF_PROFILE: join(session.dir, 'no-such-profile') };
    const values = await openDconf(environment(extra));
    await compareEveryKey(values, KEYS, extra);
    expect(values.dump().size).toBe(0);
  });

  it('says which database is not a GVDB file or cannot be read', async () => {
    const garbage = join(systemDir, `${name}-garbage`);
    await writeFile(garbage, '[org/example]\nkey=1\nother=2\n');
    made.push(garbage);
    const profile = join(session.dir, 'profile-garbage');
    await writeFile(profile, `user-db:user\nsystem-db:${name}-garbage\n`);
    await expect(openDconf(environment({ DCONF_PROFILE: profile }))).rejects.toThrow(
      new DconfError(`cannot read the dconf database system-db:${name}-garbage (named in ${profile}): ${garbage}: not a GVDB database (its header is not "GVariant", version 0)`),
    );

    const config = join(session.dir, 'config-unreadable');
    await mkdir(join(config, 'dconf/user'), { recursive: true });
    await expect(openDconf(environment({ XDG_CONFIG_HOME: config }))).rejects.toThrow(
      `cannot read the dconf database user-db:user: ${join(config, 'dconf/user')}: EISDIR: illegal operation on a directory, read`,
    );

    const truncated = join(session.dir, 'config-truncated');
    await mkdir(join(truncated, 'dconf'), { recursive: true });
    await writeFile(join(truncated, 'dconf/user'), 'GVarian');
    await expect(openDconf(environment({ XDG_CONFIG_HOME: truncated }))).rejects.toThrow(/^cannot read the dconf database user-db:user: .*\/dconf\/user: not a GVDB database \(7 bytes/);
  });
});

describe('a service-db database (dconf-service keeps it in $XDG_RUNTIME_DIR/dconf-service)', () => {
  it('asks dconf while the service has not made the file, then reads the file', async () => {
    const profile = join(session.dir, 'profile-keyfile');
    await writeFile(profile, 'service-db:keyfile/user\n');
    // The service makes it in its own runtime directory, the session's.
    const file = join(session.env.XDG_RUNTIME_DIR!, 'dconf-service/keyfile/user');
    expect(existsSync(file)).toBe(false);
    const extra = { DCONF_PROFILE: profile };
    const before = await openDconf(environment(extra));
    expect(before.via).toBe('dconf dump');
    expect(before.dump().size).toBe(0);
    // That dump asked the service to make the file, as any dconf client would.
    expect(existsSync(file)).toBe(true);
    await dconf(extra, 'write', '/org/example/keyfile', "['a', 'b']");
    const after = await openDconf(environment(extra));
    expect(after.via).toBe('files');
    await compareEveryKey(after, ['/org/example/keyfile'], extra);
    expect(after.read('/org/example/keyfile')).toEqual(parseGVariant("['a', 'b']"));
  });
});
