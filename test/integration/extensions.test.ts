// The extensions domain against real dconf: a private session's bus activates
// the real dconf-service, keys are written with the real gsettings, and
// extensions are real directories in its temp home. gnome-shell is not installed here, so
// the org.gnome.shell schema is a minimal stand-in with its two extension keys,
// compiled by the real glib-compile-schemas.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Environment, Operation } from '../../helper/domain.js';
import { extensions } from '../../helper/domains/extensions.js';
import { runCheck } from '../../helper/engine.js';
import { environmentFrom } from '../../helper/environment.js';
import { startPrivateSession, type PrivateSession } from '../harness/session.js';

const SHELL_SCHEMA = `<schemalist>
  <schema id="org.gnome.shell" path="/org/gnome/shell/">
    <key name="enabled-extensions" type="as"><default>[]</default></key>
    <key name="disabled-extensions" type="as"><default>[]</default></key>
  </schema>
</schemalist>
`;

interface Desktop {
  root: string;
  session: PrivateSession;
  manifests: string;
  userExtensions: string;
  systemExtensions: string;
  /** The domain's view: the system share is the temp one, child processes get the session. */
  environment(overrides?: NodeJS.ProcessEnv): Environment;
  gsettings(...args: string[]): Promise<string>;
}

const running: Desktop[] = [];

afterEach(async () => {
  for (const desktop of running.splice(0)) await desktop.session.stop();
});

async function desktop(options: { schema?: boolean; vendorOverride?: string } = {}): Promise<Desktop> {
  const schemas: Record<string, string> = { 'org.gnome.shell.gschema.xml': SHELL_SCHEMA };
  if (options.vendorOverride) schemas['00_vendor.gschema.override'] = options.vendorOverride;
  const session = await startPrivateSession(options.schema === false ? {} : { schemas });
  const root = session.dir;
  const systemShare = join(root, 'usr-share');
  const manifests = join(root, 'manifests');
  await mkdir(manifests);
  const made: Desktop = {
    root,
    session,
    manifests,
    userExtensions: join(session.env.XDG_DATA_HOME as string, 'gnome-shell/extensions'),
    systemExtensions: join(systemShare, 'gnome-shell/extensions'),
    environment: (overrides = {}) => environmentFrom({ ...session.env, XDG_DATA_DIRS: systemShare, ...overrides }),
    gsettings: async (...args) => (await execa('gsettings', args, { env: session.env, extendEnv: false })).stdout,
  };
  running.push(made);
  return made;
}

async function install(dir: string, uuid: string) {
  await mkdir(join(dir, uuid), { recursive: true });
  await writeFile(join(dir, uuid, 'metadata.json'), JSON.stringify({ uuid, name: uuid, 'shell-version': ['48'] }));
}

async function declare(desktop: Desktop, entries: unknown[]) {
  await writeFile(join(desktop.manifests, 'gnome-extensions.json'), `${JSON.stringify({ extensions: entries }, null, 2)}\n`);
}

async function check(desktop: Desktop, environment = desktop.environment()) {
  const { report, outcomes } = await runCheck({ manifestsDir: desktop.manifests, environment, registry: [extensions], ignoreFiles: [] });
  const section = report.domains.extensions;
  if (!section) throw new Error('no extensions section in the report');
  return { section, items: outcomes[0]?.items ?? [], manifest: outcomes[0]?.manifest };
}

/** A PATH holding only the named programs, as on a machine without the others. */
async function pathWith(desktop: Desktop, programs: string[]): Promise<string> {
  const bin = join(desktop.root, `bin-${programs.join('-') || 'empty'}`);
  await mkdir(bin);
  for (const program of programs) await symlink(`/usr/bin/${program}`, join(bin, program));
  return bin;
}

async function withShellState(desktop: Desktop) {
  await install(desktop.userExtensions, 'a@test');
  await install(desktop.userExtensions, 'b@test');
  await install(desktop.systemExtensions, 'sys@test');
  await install(desktop.systemExtensions, 'off@test');
  // A directory without metadata.json is not an extension.
  await mkdir(join(desktop.userExtensions, 'leftover@test'), { recursive: true });
  await desktop.gsettings('set', 'org.gnome.shell', 'enabled-extensions', "['a@test', 'sys@test', 'b@test', 'leftover@test']");
  await desktop.gsettings('set', 'org.gnome.shell', 'disabled-extensions', "['b@test']");
  await declare(desktop, ['a@test', { id: 'b@test', enabled: true }, 'missing@test']);
}

describe('extensions on real dconf (org.gnome.shell schema: a minimal stand-in for gnome-shell’s)', () => {
  it('reports removals, additions and modifications from the extension directories and the keys dconf holds', async () => {
    const d = await desktop();
    await withShellState(d);
    // dconf-service wrote under the temp home, not the real one.
    expect(existsSync(join(d.session.env.XDG_CONFIG_HOME as string, 'dconf/user'))).toBe(true);
    const { section } = await check(d);
    expect(section.status).toBe('ok');
    expect(section.removals).toEqual([{ id: 'extensions:missing@test', key: 'missing@test', expected: 'enabled', detail: 'in manifest, not installed' }]);
    expect(section.modifications).toEqual([{ id: 'extensions:b@test', key: 'b@test', expected: 'enabled', actual: 'disabled' }]);
    expect(section.additions).toEqual([{ id: 'extensions:sys@test', key: 'sys@test', actual: 'enabled', detail: 'installed (system), enabled, not in manifest', data: { scope: 'system' } }]);
  });

  it('reads a key dconf holds no value for as the schema default, vendor override included', async () => {
    const d = await desktop({ vendorOverride: "[org.gnome.shell]\nenabled-extensions=['sys@test']\n" });
    await install(d.systemExtensions, 'sys@test');
    await declare(d, []);
    const { section } = await check(d);
    expect(section.additions.map((item) => item.key)).toEqual(['sys@test']);
  });

  it('reads the keys through gsettings when dconf is not installed', async () => {
    const d = await desktop();
    await withShellState(d);
    const { section } = await check(d, d.environment({ PATH: await pathWith(d, ['gsettings']) }));
    expect(section.status).toBe('ok');
    expect([...section.additions, ...section.removals, ...section.modifications].map((item) => item.id)).toEqual([
      'extensions:sys@test',
      'extensions:missing@test',
      'extensions:b@test',
    ]);
  });

  it('is unavailable where there is no GNOME Shell: no extension directory, no schema, nothing in dconf', async () => {
    const d = await desktop({ schema: false });
    await declare(d, ['a@test']);
    const { section } = await check(d);
    expect(section.status).toBe('unavailable');
    expect(section.error).toMatch(/^GNOME Shell not found: no extension directory \(.*gnome-shell\/extensions\), no org\.gnome\.shell schema and no org\.gnome\.shell keys in dconf$/);
    expect(section.removals).toEqual([]);
  });

  it("is an error, not drift, when dconf's database cannot be read, naming it", async () => {
    const d = await desktop();
    await install(d.userExtensions, 'a@test');
    await declare(d, ['a@test']);
    const config = join(d.root, 'config-garbage');
    await mkdir(join(config, 'dconf'), { recursive: true });
    await writeFile(join(config, 'dconf/user'), 'GVariant');
    const { section } = await check(d, d.environment({ XDG_CONFIG_HOME: config }));
    expect(section.status).toBe('error');
    expect(section.error).toBe(
      `extensions: cannot read which extensions are enabled: cannot read the dconf database user-db:user: ${join(config, 'dconf/user')}: not a GVDB database (8 bytes, shorter than its 24-byte header)`,
    );
  });

  it('is an error, not drift, when extensions are installed but neither dconf nor gsettings can read the keys', async () => {
    const d = await desktop();
    await install(d.userExtensions, 'a@test');
    await declare(d, ['a@test']);
    const { section } = await check(d, d.environment({ PATH: await pathWith(d, []) }));
    expect(section.status).toBe('error');
    expect(section.error).toBe('extensions: cannot read which extensions are enabled: neither dconf nor gsettings is installed');
  });
});

describe('extensions apply through gsettings (gnome-extensions is not on PATH), checked in real dconf', () => {
  async function applyItem(d: Desktop, environment: Environment, id: string): Promise<Operation[]> {
    const { items, manifest } = await check(d, environment);
    const item = items.find((i) => i.id === id);
    if (!item || !manifest) throw new Error(`no drift item ${id}`);
    const result = extensions.apply(item, manifest as never, environment);
    if ('unsupported' in result) throw new Error(result.unsupported);
    for (const operation of result) await operation.run(environment);
    return result;
  }

  it('enables an extension the manifest declares enabled, writing each key once and keeping the other entries', async () => {
    const d = await desktop();
    await withShellState(d);
    const environment = d.environment({ PATH: await pathWith(d, ['dconf', 'gsettings']) });
    const operations = await applyItem(d, environment, 'extensions:b@test');
    expect(operations.map(({ verb, target, details, destructive }) => ({ verb, target, details, destructive }))).toEqual([
      { verb: 'Enable', target: 'b@test', details: 'enabled-extensions and disabled-extensions of org.gnome.shell', destructive: false },
    ]);
    expect(await d.gsettings('get', 'org.gnome.shell', 'enabled-extensions')).toBe("['a@test', 'sys@test', 'b@test', 'leftover@test']");
    expect(await d.gsettings('get', 'org.gnome.shell', 'disabled-extensions')).toBe('@as []');
  });

  it('disables an extension the manifest does not declare, and the check then finds only what apply cannot do', async () => {
    const d = await desktop();
    await withShellState(d);
    const environment = d.environment({ PATH: await pathWith(d, ['dconf', 'gsettings']) });
    await applyItem(d, environment, 'extensions:sys@test');
    await applyItem(d, environment, 'extensions:b@test');
    expect(await d.gsettings('get', 'org.gnome.shell', 'enabled-extensions')).toBe("['a@test', 'b@test', 'leftover@test']");
    expect(await d.gsettings('get', 'org.gnome.shell', 'disabled-extensions')).toBe("['sys@test']");

    const { items, manifest } = await check(d, environment);
    expect(items.map((item) => item.id)).toEqual(['extensions:missing@test']);
    expect(extensions.apply(items[0]!, manifest as never, environment)).toEqual({
      unsupported: 'missing@test is not installed: install it from extensions.gnome.org or your package manager',
    });
  });

  it('says it cannot apply when neither gnome-extensions nor gsettings is on PATH', async () => {
    const d = await desktop();
    await withShellState(d);
    const { items, manifest } = await check(d);
    const item = items.find((i) => i.id === 'extensions:b@test')!;
    expect(extensions.apply(item, manifest as never, d.environment({ PATH: await pathWith(d, []) }))).toEqual({
      unsupported: 'neither gnome-extensions nor gsettings is on PATH, so b@test cannot be enabled here',
    });
  });
});
