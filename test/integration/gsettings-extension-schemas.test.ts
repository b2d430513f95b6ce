// GSettings schemas that GNOME Shell extensions ship in their own schemas/
// directory, against real GSettings: extension directories under a temp
// XDG_DATA_HOME and a system data dir, schemas compiled by the real
// glib-compile-schemas, values written by the real `gsettings --schemadir` into
// dconf behind dconf-service on a private session bus.
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Environment, LoadedManifest, Operation } from '../../helper/domain.js';
import { gsettings as domain } from '../../helper/domains/gsettings.js';
import { environmentFrom } from '../../helper/environment.js';
import { runProcess } from '../../helper/run.js';
import { check as checkWith, manifestOf as manifestWith, runAll as runWith, type Declared } from '../harness/gsettings.js';
import { bkt } from '../harness/cli.js';
import { compileSchemas, startPrivateSession, type PrivateSession } from '../harness/session.js';

const DOCK = 'org.gnome.shell.extensions.dash-to-dock';
const CAFFEINE = 'org.gnome.shell.extensions.caffeine';
const BLUR = 'org.gnome.shell.extensions.blur-my-shell';
const TILING = 'org.gnome.shell.extensions.tilingshell';
const APPINDICATOR = 'org.gnome.shell.extensions.appindicator';

const schemaFile = (id: string, keys: string, extra = '') => ({
  [`${id}.gschema.xml`]: `<?xml version="1.0" encoding="UTF-8"?>
<schemalist>
${extra}  <schema id="${id}" path="/${id.replaceAll('.', '/')}/">
${keys}
  </schema>
</schemalist>
`,
});

const DOCK_SCHEMA = schemaFile(
  DOCK,
  `    <key name="dock-position" enum="${DOCK}.position"><default>'BOTTOM'</default></key>
    <key name="dash-max-icon-size" type="i"><default>48</default></key>
    <key name="dock-fixed" type="b"><default>false</default></key>`,
  `  <enum id="${DOCK}.position">
    <value value="0" nick="TOP"/>
    <value value="1" nick="RIGHT"/>
    <value value="2" nick="BOTTOM"/>
    <value value="3" nick="LEFT"/>
  </enum>
`,
);

// On the machine's standard path, as a distribution package installs an extension's schema.
const STANDARD = schemaFile(APPINDICATOR, `    <key name="icon-size" type="i"><default>0</default></key>`);

let session: PrivateSession;
let env: Environment;
let userExtensions: string;
let systemExtensions: string;
const dockDir = () => join(userExtensions, 'dash-to-dock@micxgx.gmail.com/schemas');
const caffeineDir = () => join(systemExtensions, 'caffeine@patapon.info/schemas');
const tilingDir = () => join(userExtensions, 'tilingshell@ferrarodomenico.com/schemas');
const userBlurDir = () => join(userExtensions, 'blur-my-shell@aunetx/schemas');

const gsettingsIn = async (dir: string, ...args: string[]) => (await runProcess('gsettings', ['--schemadir', dir, ...args], { env: session.env })).stdout.trim();

/** An installed extension: its metadata.json, and its schemas compiled (or only the XML, as a source checkout has). */
async function installExtension(extensionsDir: string, uuid: string, schemas: Record<string, string>, options: { compiled?: boolean; metadata?: boolean } = {}) {
  const dir = join(extensionsDir, uuid);
  await mkdir(join(dir, 'schemas'), { recursive: true });
  if (options.metadata !== false) await writeFile(join(dir, 'metadata.json'), JSON.stringify({ uuid, name: uuid, 'shell-version': ['48'] }));
  if (options.compiled === false) await Promise.all(Object.entries(schemas).map(([name, xml]) => writeFile(join(dir, 'schemas', name), xml)));
  else await compileSchemas(join(dir, 'schemas'), schemas);
}

beforeAll(async () => {
  session = await startPrivateSession({ schemas: STANDARD });
  const systemShare = join(session.dir, 'system-share');
  env = environmentFrom({ ...session.env, XDG_DATA_DIRS: systemShare });
  userExtensions = join(env.xdgDataHome, 'gnome-shell/extensions');
  systemExtensions = join(systemShare, 'gnome-shell/extensions');
  await installExtension(userExtensions, 'dash-to-dock@micxgx.gmail.com', DOCK_SCHEMA);
  await installExtension(systemExtensions, 'caffeine@patapon.info', schemaFile(CAFFEINE, `    <key name="show-indicator" type="b"><default>true</default></key>`));
  // The same extension in both places, a newer version in the user's: GNOME Shell loads the user's.
  await installExtension(userExtensions, 'blur-my-shell@aunetx', schemaFile(BLUR, `    <key name="sigma" type="i"><default>30</default></key>`));
  await installExtension(
    systemExtensions,
    'blur-my-shell@aunetx',
    schemaFile(BLUR, `    <key name="sigma" type="i"><default>20</default></key>\n    <key name="old-key" type="b"><default>false</default></key>`),
  );
  await installExtension(userExtensions, 'tilingshell@ferrarodomenico.com', schemaFile(TILING, `    <key name="enable-tiling-system" type="b"><default>true</default></key>`), {
    compiled: false,
  });
  await installExtension(userExtensions, 'appindicatorsupport@rgcjonas.gmail.com', schemaFile(APPINDICATOR, `    <key name="icon-size" type="i"><default>16</default></key>`));
  // A directory without metadata.json is no installed extension, to GNOME Shell or to us.
  await installExtension(userExtensions, 'leftover@example.org', schemaFile('org.gnome.shell.extensions.leftover', `    <key name="k" type="b"><default>true</default></key>`), {
    metadata: false,
  });
}, 120_000);

afterAll(async () => {
  await session?.stop();
});

beforeEach(async () => {
  await runProcess('dconf', ['reset', '-f', '/'], { env: session.env });
  // Changed in the extension's preferences, as a user does.
  await gsettingsIn(dockDir(), 'set', DOCK, 'dock-position', "'LEFT'");
  await gsettingsIn(dockDir(), 'set', DOCK, 'dash-max-icon-size', '32');
  await gsettingsIn(caffeineDir(), 'set', CAFFEINE, 'show-indicator', 'false');
});

const manifestOf = (settings: Declared[]) => manifestWith(session.dir, settings);
const check = (manifest: LoadedManifest<unknown>, environment = env) => checkWith(manifest, environment);
const runAll = (operations: Operation[] | { unsupported: string }) => runWith(operations, env);

describe("gsettings schemas in an extension's own directory", () => {
  it("reports a drifted key of a user extension's schema as a modification, carrying the extension's schemas dir", async () => {
    const { items, problems } = await check(
      manifestOf([
        { schema: DOCK, key: 'dock-position', value: "'BOTTOM'" },
        { schema: DOCK, key: 'dash-max-icon-size', value: '32' },
        { schema: DOCK, key: 'dock-fixed', value: 'true' },
      ]),
    );
    expect(problems).toEqual([]);
    expect(items.map(({ id, kind, expected, actual, detail, data }) => ({ id, kind, expected, actual, detail, schemadir: data?.schemadir }))).toEqual([
      { id: `gsettings:${DOCK}.dock-position`, kind: 'modification', expected: "'BOTTOM'", actual: await gsettingsIn(dockDir(), 'get', DOCK, 'dock-position'), detail: undefined, schemadir: dockDir() },
      { id: `gsettings:${DOCK}.dock-fixed`, kind: 'modification', expected: 'true', actual: 'false', detail: 'the schema default', schemadir: dockDir() },
    ]);
    expect(items[0]!.actual).toBe("'LEFT'");
  });

  it("apply sets and resets through gsettings --schemadir, and the next check finds no drift", async () => {
    const manifest = manifestOf([
      { schema: DOCK, key: 'dock-position', value: "'BOTTOM'" },
      { schema: DOCK, key: 'dash-max-icon-size', value: '64' },
      { schema: CAFFEINE, key: 'show-indicator', value: 'true' },
    ]);
    const { items } = await check(manifest);
    const plans = items.map((item) => domain.apply(item, manifest, env));
    expect(plans.map((plan) => ('unsupported' in plan ? plan : plan.map(({ verb, target, details }) => ({ verb, target, details }))))).toEqual([
      [{ verb: 'Reset', target: `${DOCK}.dock-position`, details: "to the default 'BOTTOM'" }],
      [{ verb: 'Set', target: `${DOCK}.dash-max-icon-size`, details: '64' }],
      [{ verb: 'Reset', target: `${CAFFEINE}.show-indicator`, details: 'to the default true' }],
    ]);
    for (const plan of plans) await runAll(plan);

    expect(await gsettingsIn(dockDir(), 'get', DOCK, 'dock-position')).toBe("'BOTTOM'");
    expect(await gsettingsIn(dockDir(), 'get', DOCK, 'dash-max-icon-size')).toBe('64');
    expect(await gsettingsIn(caffeineDir(), 'get', CAFFEINE, 'show-indicator')).toBe('true');
    // Reset, not set to the default: dconf holds nothing for the key any more.
    expect((await runProcess('dconf', ['read', `/org/gnome/shell/extensions/dash-to-dock/dock-position`], { env: session.env })).stdout).toBe('');
    const after = await check(manifest);
    expect([after.items, after.problems]).toEqual([[], []]);
  });

  it("finds a system-wide extension's schema, and the user's copy of an extension wins over the system's", async () => {
    const { items, problems } = await check(
      manifestOf([
        { schema: CAFFEINE, key: 'show-indicator', value: 'true' },
        { schema: BLUR, key: 'sigma', value: '20' },
        { schema: BLUR, key: 'old-key', value: 'true' },
      ]),
    );
    const shown = await gsettingsIn(userBlurDir(), 'get', BLUR, 'sigma');
    expect(shown).toBe('30');
    expect(items.map(({ id, actual, data }) => ({ id, actual, schemadir: data?.schemadir }))).toEqual([
      { id: `gsettings:${CAFFEINE}.show-indicator`, actual: 'false', schemadir: caffeineDir() },
      { id: `gsettings:${BLUR}.sigma`, actual: shown, schemadir: userBlurDir() },
    ]);
    // The system copy's key is not there: the user's copy is the one GNOME Shell reads.
    expect(problems).toEqual([expect.stringMatching(new RegExp(`settings\\[2\\]\\.key: schema ${BLUR} \\(${join(userBlurDir(), `${BLUR}.gschema.xml`)}\\) has no key old-key$`))]);
  });

  it('a schema in the standard directories wins over an extension copy, and needs no --schemadir', async () => {
    const manifest = manifestOf([{ schema: APPINDICATOR, key: 'icon-size', value: '24' }]);
    const { items, problems } = await check(manifest);
    expect(problems).toEqual([]);
    // The standard schema's default (0), not the extension copy's (16).
    expect(items.map(({ id, actual, detail, data }) => ({ id, actual, detail, schemadir: data?.schemadir }))).toEqual([
      { id: `gsettings:${APPINDICATOR}.icon-size`, actual: '0', detail: 'the schema default', schemadir: undefined },
    ]);
    await runAll(domain.apply(items[0]!, manifest, env));
    expect((await runProcess('gsettings', ['get', APPINDICATOR, 'icon-size'], { env: session.env })).stdout.trim()).toBe('24');
  });

  it('reads a schema shipped only as XML, and says apply needs glib-compile-schemas instead of compiling into the extension', async () => {
    await runProcess('dconf', ['write', '/org/gnome/shell/extensions/tilingshell/enable-tiling-system', 'false'], { env: session.env });
    const manifest = manifestOf([{ schema: TILING, key: 'enable-tiling-system', value: 'true' }]);
    const { items, problems } = await check(manifest);
    expect(problems).toEqual([]);
    expect(items.map(({ id, actual }) => [id, actual])).toEqual([[`gsettings:${TILING}.enable-tiling-system`, 'false']]);
    expect(domain.apply(items[0]!, manifest, env)).toEqual({
      unsupported: `${tilingDir()} has no gschemas.compiled, and gsettings reads ${TILING} only from there: compile it first with glib-compile-schemas ${tilingDir()}`,
    });
    // gsettings indeed cannot use that directory as it is.
    await expect(gsettingsIn(tilingDir(), 'set', TILING, 'enable-tiling-system', 'true')).rejects.toThrow(/gschemas\.compiled/);
  });

  it("a schema in no standard directory and no installed extension is still an error at the manifest's line, naming the extension dirs looked in", async () => {
    const manifest = manifestOf([
      { schema: DOCK, key: 'dock-fixed', value: 'false' },
      { schema: 'org.gnome.shell.extensions.leftover', key: 'k', value: 'true' },
    ]);
    const { items, problems } = await check(manifest);
    const at = manifest.positionOf(['settings', 1, 'schema'])!;
    const looked = [session.env.GSETTINGS_SCHEMA_DIR, join(env.xdgDataHome, 'glib-2.0/schemas'), join(session.dir, 'system-share/glib-2.0/schemas'), join(userExtensions, '*/schemas'), join(systemExtensions, '*/schemas')];
    expect(problems).toEqual([
      `${manifest.path}:${at.line}:${at.column}: settings[1].schema: schema org.gnome.shell.extensions.leftover is not installed on this machine (looked in ${looked.join(', ')})`,
    ]);
    expect(at.line).toBe(4);
    expect(items).toEqual([]);
  });

  it('has the live helper watch the extension directories, where installing an extension brings its schemas', () => {
    expect(domain.watch(env)).toEqual({ paths: [userExtensions, systemExtensions], dconf: true });
  });

  it('reads the same values with gsettings list-recursively --schemadir where dconf is not installed', async () => {
    const bin = join(session.dir, 'bin-without-dconf');
    await mkdir(bin, { recursive: true });
    await symlink('/usr/bin/gsettings', join(bin, 'gsettings')).catch(() => undefined);
    const withoutDconf = environmentFrom({ ...env.env, PATH: bin });
    const manifest = manifestOf([
      { schema: DOCK, key: 'dock-position', value: "'BOTTOM'" },
      { schema: CAFFEINE, key: 'show-indicator', value: 'false' },
      { schema: BLUR, key: 'sigma', value: '20' },
    ]);
    const viaDconf = await check(manifest);
    const viaGsettings = await check(manifest, withoutDconf);
    expect(viaGsettings.problems).toEqual([]);
    expect(viaGsettings.items.map(({ id, actual }) => [id, actual])).toEqual([
      [`gsettings:${DOCK}.dock-position`, "'LEFT'"],
      [`gsettings:${BLUR}.sigma`, '30'],
    ]);
    // gsettings cannot tell a default from a user's value: only that detail differs.
    expect(viaGsettings.items.map(({ detail: _, ...item }) => item)).toEqual(viaDconf.items.map(({ detail: _, ...item }) => item));
  });
});

describe('bkt sync and undo for an extension schema, from the command line', () => {
  const MANIFEST = `{
  "settings": [
    {
      "schema": "${DOCK}",
      "key": "dash-max-icon-size",
      "value": "40",
      "comment": "bigger icons"
    }
  ]
}
`;

  it('check shows the drift, sync sets it with gsettings --schemadir, the next check is clean, undo puts the old value back', async () => {
    const manifests = join(session.dir, 'dotfiles/manifests');
    await rm(join(session.dir, 'dotfiles'), { recursive: true, force: true });
    await mkdir(manifests, { recursive: true });
    await writeFile(join(manifests, 'gsettings.json'), MANIFEST);
    const cliEnv = env.env;

    const before = await bkt(['drift', 'check', 'gsettings', '--manifests', manifests], cliEnv);
    expect(before.stdout).toContain(`  ~ ${DOCK}.dash-max-icon-size\n    manifest: 40\n    current:  32`);
    expect(before.exitCode).toBe(1);

    const sync = await bkt(['sync', 'gsettings', '--manifests', manifests], cliEnv);
    expect(sync.stdout).toContain('No drift remains.');
    expect(sync.exitCode).toBe(0);
    expect(await gsettingsIn(dockDir(), 'get', DOCK, 'dash-max-icon-size')).toBe('40');
    expect((await bkt(['drift', 'check', 'gsettings', '--manifests', manifests], cliEnv)).exitCode).toBe(0);
    expect(await readFile(join(manifests, 'gsettings.json'), 'utf8')).toBe(MANIFEST);

    const undo = await bkt(['drift', 'undo'], cliEnv);
    expect(undo.exitCode).toBe(0);
    expect(await gsettingsIn(dockDir(), 'get', DOCK, 'dash-max-icon-size')).toBe('32');
  });
});
