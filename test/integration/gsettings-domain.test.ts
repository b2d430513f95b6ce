// The gsettings domain against real GSettings: test schemas compiled by the
// real glib-compile-schemas, values written with the real gsettings into dconf
// behind dconf-service on a private session bus, and read back by the domain
// from dconf's database files, or with `gsettings list-recursively` where dconf
// is absent.
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError, DomainUnavailable, type DriftItem, type Environment, type LoadedManifest, type Operation } from '../../helper/domain.js';
import { gsettings as domain, type LiveGsettings } from '../../helper/domains/gsettings.js';
import { runCheck } from '../../helper/engine.js';
import { environmentFrom } from '../../helper/environment.js';
import { formatGVariant } from '../../helper/gvariant.js';
import { runProcess } from '../../helper/run.js';
import { check as checkWith, manifestOf as manifestWith, runAll as runWith, type Declared } from '../harness/gsettings.js';
import { parseReport } from '../harness/cli.js';
import { startPrivateSession, type PrivateSession } from '../harness/session.js';

const SCHEMA = 'org.example.Drift';

const SCHEMAS: Record<string, string> = {
  [`${SCHEMA}.gschema.xml`]: `<?xml version="1.0" encoding="UTF-8"?>
<schemalist>
  <enum id="org.example.Drift.Mode">
    <value nick="blank" value="0"/>
    <value nick="suspend" value="1"/>
  </enum>
  <schema id="${SCHEMA}" path="/org/example/drift/">
    <key name="timeout" type="u"><default>300</default><range min="0" max="3600"/></key>
    <key name="theme" type="s"><default>'Adwaita'</default></key>
    <key name="cursor" type="s"><default>'default'</default></key>
    <key name="overview" type="as"><default>['&lt;Super&gt;space']</default></key>
    <key name="animations" type="b"><default>true</default></key>
    <key name="scale" type="d"><default>1.0</default></key>
    <key name="labels" type="a{ss}"><default>{}</default></key>
    <key name="mode" enum="org.example.Drift.Mode"><default>'suspend'</default></key>
  </schema>
  <schema id="${SCHEMA}.keybindings" path="/org/example/drift/keybindings/">
    <key name="toggle" type="as"><default>['&lt;Super&gt;a']</default></key>
  </schema>
  <schema id="org.example.Profile">
    <key name="name" type="s"><default>'unnamed'</default></key>
  </schema>
</schemalist>
`,
  // A distribution's vendor overrides of defaults, as packages ship them; a
  // later file wins, and a desktop's own group wins on that desktop.
  '10_vendor.gschema.override': `[${SCHEMA}]\ncursor='Bibata'\nscale=3.0\n\n[${SCHEMA}:GNOME]\nscale=2.0\n`,
  '20_image.gschema.override': `# the image's own\n[${SCHEMA}]\nscale = 1.5\n`,
};

let session: PrivateSession;
let env: Environment;
const gsettings = async (...args: string[]) => (await runProcess('gsettings', args, { env: session.env })).stdout.trim();

beforeAll(async () => {
  session = await startPrivateSession({ schemas: SCHEMAS });
  // Nothing but the test schemas: the system's data dirs hold none of ours.
  env = environmentFrom({ ...session.env, XDG_DATA_DIRS: join(session.dir, 'no-share') });
});

afterAll(async () => {
  await session?.stop();
});

beforeEach(async () => {
  await runProcess('dconf', ['reset', '-f', '/'], { env: session.env });
  await gsettings('set', SCHEMA, 'timeout', '0');
  await gsettings('set', SCHEMA, 'theme', "'adw-gtk3'");
  await gsettings('set', SCHEMA, 'overview', "['<Super>']");
  await gsettings('set', SCHEMA, 'animations', 'false');
  await gsettings('set', SCHEMA, 'scale', '1.25');
  await gsettings('set', SCHEMA, 'labels', "{'a': 'b'}");
  await gsettings('set', SCHEMA, 'mode', "'blank'");
});

const manifestOf = (settings: Declared[]) => manifestWith(session.dir, settings, 'https://example.org/gsettings.schema.json');
const check = (manifest: LoadedManifest<unknown>, environment = env) => checkWith(manifest, environment);
const runAll = (operations: Operation[] | { unsupported: string }) => runWith(operations, env);

const EQUAL_IN_OTHER_FORMS: Declared[] = [
  { schema: SCHEMA, key: 'timeout', value: '0' },
  { schema: SCHEMA, key: 'theme', value: '"adw-gtk3"' },
  { schema: SCHEMA, key: 'overview', value: '@as ["<Super>"]' },
  { schema: SCHEMA, key: 'animations', value: 'false' },
  { schema: SCHEMA, key: 'scale', value: '1.25' },
  { schema: SCHEMA, key: 'labels', value: '{"a": "b"}' },
  { schema: SCHEMA, key: 'mode', value: 'blank' },
  { schema: SCHEMA, key: 'cursor', value: "'Bibata'" },
  { schema: `${SCHEMA}.keybindings`, key: 'toggle', value: "['<Super>a']" },
  { schema: 'org.example.Profile:/org/example/profiles/one/', key: 'name', value: "'unnamed'" },
];

describe('gsettings domain on real dconf', () => {
  it('finds no drift where values are equal in other quote styles, prefixes and spellings', async () => {
    const { items, problems } = await check(manifestOf(EQUAL_IN_OTHER_FORMS));
    expect(problems).toEqual([]);
    expect(items).toEqual([]);
    const prefixed = await check(manifestOf([{ schema: SCHEMA, key: 'timeout', value: 'uint32 0' }]));
    expect([prefixed.items, prefixed.problems]).toEqual([[], []]);
  });

  it('reports changed values as modifications, with the live value as gsettings prints it', async () => {
    const { items, problems } = await check(
      manifestOf([
        { schema: SCHEMA, key: 'timeout', value: '600' },
        { schema: SCHEMA, key: 'theme', value: "'Adwaita'" },
        { schema: SCHEMA, key: 'overview', value: "['<Super>space']" },
        { schema: SCHEMA, key: 'animations', value: 'true' },
        { schema: SCHEMA, key: 'scale', value: '1.5' },
        { schema: SCHEMA, key: 'labels', value: '{}' },
        { schema: SCHEMA, key: 'cursor', value: "'Adwaita'" },
      ]),
    );
    expect(problems).toEqual([]);
    const shown = await Promise.all(['timeout', 'theme', 'overview', 'animations', 'scale', 'labels', 'cursor'].map((key) => gsettings('get', SCHEMA, key)));
    expect(shown).toEqual(['uint32 0', "'adw-gtk3'", "['<Super>']", 'false', '1.25', "{'a': 'b'}", "'Bibata'"]);
    expect(items.map(({ id, kind, expected, actual, detail }) => ({ id, kind, expected, actual, detail }))).toEqual([
      { id: `gsettings:${SCHEMA}.timeout`, kind: 'modification', expected: '600', actual: shown[0], detail: undefined },
      { id: `gsettings:${SCHEMA}.theme`, kind: 'modification', expected: "'Adwaita'", actual: shown[1], detail: undefined },
      { id: `gsettings:${SCHEMA}.overview`, kind: 'modification', expected: "['<Super>space']", actual: shown[2], detail: undefined },
      { id: `gsettings:${SCHEMA}.animations`, kind: 'modification', expected: 'true', actual: shown[3], detail: undefined },
      { id: `gsettings:${SCHEMA}.scale`, kind: 'modification', expected: '1.5', actual: shown[4], detail: undefined },
      { id: `gsettings:${SCHEMA}.labels`, kind: 'modification', expected: '{}', actual: shown[5], detail: undefined },
      // Not set by the user: the vendor override's default is the live value.
      { id: `gsettings:${SCHEMA}.cursor`, kind: 'modification', expected: "'Adwaita'", actual: "'Bibata'", detail: 'the schema default' },
    ]);
  });

  it('reads every key as gsettings get shows it, also values dconf holds that GSettings ignores', async () => {
    // A value of the wrong type, and one out of the key's range: GSettings shows the default.
    await runProcess('dconf', ['write', '/org/example/drift/scale', '7'], { env: session.env });
    await runProcess('dconf', ['write', '/org/example/drift/mode', "'hibernate'"], { env: session.env });
    const keys = ['timeout', 'theme', 'cursor', 'overview', 'animations', 'scale', 'labels', 'mode'];
    const { live } = await check(manifestOf(keys.map((key) => ({ schema: SCHEMA, key, value: "''" }))));
    const ours = keys.map((key) => {
      const state = (live as LiveGsettings).keys.get(`${SCHEMA} ${key}`);
      return state?.state === 'ok' ? state : undefined;
    });
    const theirs = await Promise.all(keys.map((key) => gsettings('get', SCHEMA, key)));
    expect(ours.map((state) => state && formatGVariant(state.value))).toEqual(theirs);
    expect(theirs[5]).toBe('1.5');
    expect(theirs[7]).toBe("'suspend'");
  });

  it('reads defaults as GSettings does, vendor overrides and desktop groups included, for every key of every installed schema', async () => {
    await runProcess('dconf', ['reset', '-f', '/'], { env: session.env });
    for (const desktop of [undefined, 'ubuntu:GNOME']) {
      const withSystem = environmentFrom({ ...session.env, ...(desktop ? { XDG_CURRENT_DESKTOP: desktop } : {}) });
      // Relocatable schemas are listed as children of others, at paths the lines do not say.
      const relocatable = new Set((await runProcess('gsettings', ['list-relocatable-schemas'], { env: withSystem.env })).stdout.trim().split('\n'));
      const listed = (await runProcess('gsettings', ['list-recursively'], { env: withSystem.env })).stdout
        .trim()
        .split('\n')
        .filter((line) => !relocatable.has(line.slice(0, line.indexOf(' '))));
      const settings = listed.map((line) => {
        const [schema = '', key = ''] = line.split(' ', 2);
        return { schema, key, value: line.slice(schema.length + key.length + 2) };
      });
      // gsettings-desktop-schemas and ours: hundreds of keys, enums, ranges, vendor overrides.
      expect(settings.length).toBeGreaterThan(300);
      const { live, problems } = await check(manifestOf(settings), withSystem);
      expect(problems).toEqual([]);
      const ours = settings.map(({ schema, key }) => {
        const state = (live as LiveGsettings).keys.get(`${schema} ${key}`);
        return `${schema} ${key} ${state?.state === 'ok' ? formatGVariant(state.value) : state?.state}`;
      });
      expect(ours).toEqual(listed);
      expect(listed).toContain(`${SCHEMA} scale ${desktop ? '2.0' : '1.5'}`);
    }
  });

  it('reports a missing schema, a missing key and a value that is not of the key type as problems naming the manifest line, not drift', async () => {
    const manifest = manifestOf([
      { schema: SCHEMA, key: 'animations', value: 'true' },
      { schema: 'org.example.NotInstalled', key: 'anything', value: "'x'" },
      { schema: SCHEMA, key: 'no-such-key', value: "'x'" },
      { schema: SCHEMA, key: 'theme', value: "'unterminated" },
      { schema: SCHEMA, key: 'timeout', value: "'five'" },
      { schema: SCHEMA, key: 'scale', value: '1.0' },
      { schema: SCHEMA, key: 'mode', value: "'hibernate'" },
      { schema: SCHEMA, key: 'overview', value: '5' },
      { schema: 'org.example.Profile', key: 'name', value: "'x'" },
      { schema: SCHEMA, key: 'animations', value: 'false' },
    ]);
    const { items, problems } = await check(manifest);
    const at = (i: number, field: string) => {
      const position = manifest.positionOf(['settings', i, field])!;
      expect(position.line).toBe(i + 4);
      return `${manifest.path}:${position.line}:${position.column}: settings[${i}].${field}`;
    };
    expect(problems).toEqual([
      `${at(1, 'schema')}: schema org.example.NotInstalled is not installed on this machine (looked in ${[
        session.env.GSETTINGS_SCHEMA_DIR,
        join(env.xdgDataHome, 'glib-2.0/schemas'),
        join(session.dir, 'no-share/glib-2.0/schemas'),
        join(env.xdgDataHome, 'gnome-shell/extensions/*/schemas'),
        join(session.dir, 'no-share/gnome-shell/extensions/*/schemas'),
      ].join(', ')})`,
      `${at(2, 'key')}: schema ${SCHEMA} (${join(session.env.GSETTINGS_SCHEMA_DIR!, `${SCHEMA}.gschema.xml`)}) has no key no-such-key`,
      `${at(3, 'value')}: "'unterminated" is not a value of type 's': unterminated string constant at column 1 (${SCHEMA}.theme)`,
      `${at(4, 'value')}: "'five'" is not a value of type 'u': can not parse as value of type 'u' at column 1 (${SCHEMA}.timeout)`,
      `${at(6, 'value')}: "'hibernate'" is out of range: it must be one of 'blank', 'suspend' (${SCHEMA}.mode)`,
      `${at(7, 'value')}: "5" is not a value of type 'as': can not parse as value of type 'as' at column 1 (${SCHEMA}.overview)`,
      `${at(8, 'schema')}: schema org.example.Profile (${join(session.env.GSETTINGS_SCHEMA_DIR!, `${SCHEMA}.gschema.xml`)}) is relocatable: write it with its path, as org.example.Profile:/path/to/it/`,
      `${at(9, 'key')}: ${SCHEMA}.animations is declared twice (first as settings[0])`,
    ]);
    // The other keys are still compared.
    expect(items.map((item) => item.id)).toEqual([`gsettings:${SCHEMA}.animations`, `gsettings:${SCHEMA}.scale`]);
  });

  it("gsettings would refuse what problems() refuses, and take a bare word for a string key as it does", async () => {
    await expect(gsettings('set', SCHEMA, 'mode', "'hibernate'")).rejects.toThrow(/range/);
    await expect(gsettings('set', SCHEMA, 'timeout', "'five'")).rejects.toThrow();
    await gsettings('set', SCHEMA, 'theme', 'WhiteSur');
    const { items, problems } = await check(manifestOf([{ schema: SCHEMA, key: 'theme', value: 'WhiteSur' }]));
    expect([items, problems]).toEqual([[], []]);
  });

  it("apply's operation makes gsettings get show the manifest's value, and capture writes the live text", async () => {
    const manifest = manifestOf([
      { schema: SCHEMA, key: 'animations', value: 'true' },
      { schema: SCHEMA, key: 'timeout', value: 'uint32 1200' },
      { schema: SCHEMA, key: 'theme', value: '"Adwaita"' },
      { schema: SCHEMA, key: 'labels', value: "{'x': 'y'}" },
    ]);
    const { items } = await check(manifest);
    expect(items).toHaveLength(4);
    const byKey = (key: string) => items.find((item) => item.key === `${SCHEMA}.${key}`)!;

    // Written as the manifest writes values: the key's type makes `uint32` unnecessary.
    expect(domain.capture(byKey('timeout'), manifest)).toEqual([{ op: 'set', path: ['settings', 1, 'value'], value: '0' }]);
    expect(domain.capture(byKey('labels'), manifest)).toEqual([{ op: 'set', path: ['settings', 3, 'value'], value: "{'a': 'b'}" }]);

    const plans = items.map((item: DriftItem) => domain.apply(item, manifest, env));
    expect(plans.map((plan) => ('unsupported' in plan ? plan : plan.map(({ verb, target, details, destructive }) => ({ verb, target, details, destructive }))))).toEqual([
      // The schema's default: reset, so that the user's value is gone from dconf.
      [{ verb: 'Reset', target: `${SCHEMA}.animations`, details: 'to the default true', destructive: false }],
      [{ verb: 'Set', target: `${SCHEMA}.timeout`, details: 'uint32 1200', destructive: false }],
      [{ verb: 'Reset', target: `${SCHEMA}.theme`, details: "to the default 'Adwaita'", destructive: false }],
      [{ verb: 'Set', target: `${SCHEMA}.labels`, details: "{'x': 'y'}", destructive: false }],
    ]);
    for (const plan of plans) await runAll(plan);

    expect(await gsettings('get', SCHEMA, 'animations')).toBe('true');
    expect(await gsettings('get', SCHEMA, 'timeout')).toBe('uint32 1200');
    expect(await gsettings('get', SCHEMA, 'theme')).toBe("'Adwaita'");
    expect(await gsettings('get', SCHEMA, 'labels')).toBe("{'x': 'y'}");
    for (const key of ['theme', 'animations']) expect((await runProcess('dconf', ['read', `/org/example/drift/${key}`], { env: session.env })).stdout).toBe('');
    const after = await check(manifest);
    expect([after.items, after.problems]).toEqual([[], []]);
  });

  it('reads the same values with gsettings list-recursively where dconf is not installed', async () => {
    // A PATH with gsettings but no dconf.
    const bin = join(session.dir, 'bin-without-dconf');
    await mkdir(bin, { recursive: true });
    await symlink('/usr/bin/gsettings', join(bin, 'gsettings')).catch(() => undefined);
    const withoutDconf = environmentFrom({ ...env.env, PATH: bin });
    const manifest = manifestOf([
      ...EQUAL_IN_OTHER_FORMS.map((s) => (s.key === 'animations' ? { ...s, value: 'true' } : s)),
      { schema: SCHEMA, key: 'nope', value: "'x'" },
    ]);
    const viaDconf = await check(manifest);
    const viaGsettings = await check(manifest, withoutDconf);
    expect(viaGsettings.items).toEqual(viaDconf.items);
    expect(viaGsettings.problems).toEqual(viaDconf.problems);
    expect(viaGsettings.items.map((item) => item.id)).toEqual([`gsettings:${SCHEMA}.animations`]);
  });

  it('makes a report: the drift, the problems as the domain error, ignore rules over the item ids', async () => {
    const manifests = join(session.dir, 'manifests');
    await mkdir(manifests, { recursive: true });
    const settings = [
      { schema: SCHEMA, key: 'animations', value: 'true' },
      { schema: SCHEMA, key: 'theme', value: "'Adwaita'" },
      { schema: `${SCHEMA}.keybindings`, key: 'toggle', value: "['<Super>b']" },
      { schema: 'org.example.Gone', key: 'k', value: '1' },
    ];
    await writeFile(join(manifests, 'gsettings.json'), `${JSON.stringify({ settings }, null, 2)}\n`);
    const ignore = join(session.dir, 'ignore');
    await writeFile(ignore, `gsettings:${SCHEMA}.keybindings.*\n`);
    const { report } = await runCheck({ manifestsDir: manifests, environment: env, registry: [domain], ignoreFiles: [ignore] });
    parseReport(JSON.stringify(report));
    const section = report.domains.gsettings!;
    expect(section.status).toBe('error');
    expect(section.error).toMatch(/gsettings\.json:\d+:\d+: settings\[3\]\.schema: schema org\.example\.Gone is not installed on this machine/);
    expect(section.modifications.map((item) => [item.id, item.expected, item.actual])).toEqual([
      [`gsettings:${SCHEMA}.animations`, 'true', 'false'],
      [`gsettings:${SCHEMA}.theme`, "'Adwaita'", "'adw-gtk3'"],
    ]);
    expect(section.ignored).toBe(1);
  });

  it("is an error naming the file, not drift, when dconf's database is not a GVDB file", async () => {
    const config = join(session.dir, 'config-garbage');
    await mkdir(join(config, 'dconf'), { recursive: true });
    await writeFile(join(config, 'dconf/user'), '[org/example/drift]\ntheme=1\n');
    const manifest = manifestOf([{ schema: SCHEMA, key: 'theme', value: "'x'" }]);
    await expect(check(manifest, environmentFrom({ ...env.env, XDG_CONFIG_HOME: config }))).rejects.toThrow(
      new DomainError(`cannot read the dconf database user-db:user: ${join(config, 'dconf/user')}: not a GVDB database (its header is not "GVariant", version 0)`),
    );
  });

  it('is an error naming the file, not a schema missing, when a schema source or vendor override cannot be read', async () => {
    const manifest = manifestOf([{ schema: 'org.example.Broken', key: 'k', value: "'x'" }]);
    const withSchemas = async (name: string, make: (path: string) => Promise<unknown>) => {
      const dir = await mkdtemp(join(session.dir, 'schemas-'));
      await writeFile(join(dir, 'org.example.Broken.gschema.xml'), '<schemalist><schema id="org.example.Broken" path="/org/example/broken/"><key name="k" type="s"><default>\'\'</default></key></schema></schemalist>\n');
      await rm(join(dir, name), { force: true });
      await make(join(dir, name));
      return { path: join(dir, name), environment: environmentFrom({ ...env.env, GSETTINGS_SCHEMA_DIR: dir }) };
    };
    const directory = await withSchemas('org.example.Broken.gschema.xml', (path) => mkdir(path));
    await expect(check(manifest, directory.environment)).rejects.toThrow(new DomainError(`${directory.path}: not a file (a directory)`));
    // Never opened: a FIFO would wait for a writer forever.
    const fifo = await withSchemas('org.example.Broken.gschema.xml', (path) => runProcess('mkfifo', [path]));
    await expect(check(manifest, fifo.environment)).rejects.toThrow(new DomainError(`${fifo.path}: not a file (a device, FIFO or socket)`));
    const override = await withSchemas('10_vendor.gschema.override', (path) => mkdir(path));
    await expect(check(manifest, override.environment)).rejects.toThrow(new DomainError(`${override.path}: not a file (a directory)`));
    const fifoOverride = await withSchemas('10_vendor.gschema.override', (path) => runProcess('mkfifo', [path]));
    await expect(check(manifest, fifoOverride.environment)).rejects.toThrow(new DomainError(`${fifoOverride.path}: not a file (a device, FIFO or socket)`));
  });

  it('sees a schema file rewritten to the same size and modification time (a parse is kept only while the file is not new)', async () => {
    const dir = await mkdtemp(join(session.dir, 'schemas-'));
    const file = join(dir, 'org.example.Stamp.gschema.xml');
    const schema = (value: string) => `<schemalist><schema id="org.example.Stamp" path="/org/example/stamp/"><key name="k" type="s"><default>'${value}'</default></key></schema></schemalist>\n`;
    const environment = environmentFrom({ ...env.env, GSETTINGS_SCHEMA_DIR: dir });
    const manifest = manifestOf([{ schema: 'org.example.Stamp', key: 'k', value: "'aaaa'" }]);
    await writeFile(file, schema('aaaa'));
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const before = await check(manifest, environment);
    expect([before.items, before.problems]).toEqual([[], []]);
    await writeFile(file, schema('bbbb'));
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const after = await check(manifest, environment);
    expect(after.items.map(({ key, actual, detail }) => ({ key, actual, detail }))).toEqual([{ key: 'org.example.Stamp.k', actual: "'bbbb'", detail: 'the schema default' }]);
  });

  it('is unavailable where there are no schemas, or neither dconf nor gsettings', async () => {
    const manifest = manifestOf([{ schema: SCHEMA, key: 'theme', value: "'x'" }]);
    const noSchemas = environmentFrom({ ...env.env, GSETTINGS_SCHEMA_DIR: join(session.dir, 'nothing-here') });
    await expect(check(manifest, noSchemas)).rejects.toThrow(DomainUnavailable);
    await expect(check(manifest, noSchemas)).rejects.toThrow(/no GSettings schemas on this machine/);
    const noTools = environmentFrom({ ...env.env, PATH: join(session.dir, 'empty-bin') });
    await expect(check(manifest, noTools)).rejects.toThrow('neither dconf nor gsettings is installed');
  });
});
