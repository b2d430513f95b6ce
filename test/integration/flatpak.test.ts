// The flatpak domains against real flatpak installations, built offline (see
// test/harness/flatpak.ts): a user installation in a temp home and a system
// installation in a temp FLATPAK_SYSTEM_DIR, changed with the real `flatpak`.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainUnavailable, type Domain, type DriftItem, type Environment, type LoadedManifest, type Operation } from '../../helper/domain.js';
import { flatpakRemotes, type FlatpakRemote } from '../../helper/domains/flatpak-remotes.js';
import { flatpakApps, type FlatpakApp } from '../../helper/domains/flatpak.js';
import { runCheck } from '../../helper/engine.js';
import { environmentFrom } from '../../helper/environment.js';
import { parseManifest } from '../../helper/manifest.js';
import { applyEdits } from '../../helper/manifest-writer.js';
import { copyFixtures, parseReport } from '../harness/cli.js';
import { createFlatpakWorld, type FlatpakWorld } from '../harness/flatpak.js';

let world: FlatpakWorld;
let env: Environment;

beforeAll(async () => {
  world = await createFlatpakWorld();
  env = environmentFrom(world.env);
});
afterAll(() => world?.remove());
beforeEach(() => world.reset());

const install = (scope: 'user' | 'system', remote: string, ref: string) => world.flatpak(['install', `--${scope}`, '--noninteractive', '-y', remote, ref]);

async function manifestFile<M>(domain: Domain<M>, value: unknown): Promise<LoadedManifest<M>> {
  const path = join(world.dir, domain.file);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(path, text);
  return parseManifest(path, text, domain.schema);
}

async function check<M>(domain: Domain<M>, value: unknown): Promise<DriftItem[]> {
  const manifest = await manifestFile(domain, value);
  return domain.compare(manifest, await domain.collect(env, manifest));
}

const apps = (list: FlatpakApp[]) => ({ apps: list });
const remotes = (list: FlatpakRemote[]) => ({ remotes: list });
const hello = (over: Partial<FlatpakApp> = {}): FlatpakApp => ({ id: 'org.example.Hello', remote: 'one', scope: 'user', branch: 'stable', ...over });

/** The operations apply plans for the items, in order. */
async function plan<M>(domain: Domain<M>, value: unknown, items: DriftItem[]): Promise<Operation[]> {
  const manifest = await manifestFile(domain, value);
  return items.flatMap((item) => {
    const operations = domain.apply(item, manifest, env);
    if (!Array.isArray(operations)) throw new Error(operations.unsupported);
    return operations;
  });
}

/** Runs every operation that apply plans, as `bkt drift resolve --prefer-manifest` would. */
async function applyAll<M>(domain: Domain<M>, value: unknown, items: DriftItem[]) {
  for (const operation of await plan(domain, value, items)) await operation.run(env);
}

/** Writes every item's capture into the manifest file with the real writer; returns the new manifest value. */
async function captureAll<M>(domain: Domain<M>, items: DriftItem[]) {
  for (const item of items) {
    await applyEdits(join(world.dir, domain.file), (text) => domain.capture(item, parseManifest(domain.file, text, domain.schema)));
  }
  return JSON.parse(await readFile(join(world.dir, domain.file), 'utf8'));
}

describe('flatpak apps on real installations', () => {
  it('finds no drift when the installed apps match the manifest, and runtimes are not apps', async () => {
    await install('user', 'one', 'org.example.Hello//stable');
    await install('system', 'two', 'org.example.Extra//beta');
    expect(await check(flatpakApps, apps([hello(), { id: 'org.example.Extra', remote: 'two', scope: 'system', branch: 'beta' }]))).toEqual([]);
  });

  it('reports an app installed but not in the manifest as an addition', async () => {
    await install('user', 'one', 'org.example.Hello//stable');
    await install('system', 'one', 'org.example.Extra//stable');
    const items = await check(flatpakApps, apps([hello()]));
    expect(items).toEqual([
      {
        id: 'flatpak:org.example.Extra',
        domain: 'flatpak',
        key: 'org.example.Extra',
        kind: 'addition',
        actual: 'one/stable (system)',
        detail: 'installed, not in manifest',
        data: { installations: [expect.objectContaining({ id: 'org.example.Extra', scope: 'system', origin: 'one', branch: 'stable', arch: world.arch })] },
      },
    ]);
  });

  it('reports an app in the manifest but not installed as a removal', async () => {
    const items = await check(flatpakApps, apps([hello({ scope: 'system' })]));
    expect(items).toEqual([{ id: 'flatpak:org.example.Hello', domain: 'flatpak', key: 'org.example.Hello', kind: 'removal', expected: 'one/stable (system)', detail: 'in manifest, not installed' }]);
  });

  it('reports an app installed from another remote (wrong origin)', async () => {
    await install('user', 'two', 'org.example.Hello//stable');
    const [item, ...rest] = await check(flatpakApps, apps([hello()]));
    expect(rest).toEqual([]);
    expect(item).toMatchObject({ kind: 'modification', key: 'org.example.Hello', expected: 'one/stable (user)', actual: 'two/stable (user)', detail: 'installed from two, not one' });
  });

  it('reports an app installed in another branch (wrong branch)', async () => {
    await install('user', 'one', 'org.example.Hello//beta');
    const items = await check(flatpakApps, apps([hello()]));
    expect(items).toMatchObject([{ kind: 'modification', expected: 'one/stable (user)', actual: 'one/beta (user)', detail: 'branch beta, not stable' }]);
  });

  it('reports an app installed in the other scope, and one installed in both scopes once', async () => {
    await install('system', 'one', 'org.example.Hello//stable');
    expect(await check(flatpakApps, apps([hello()]))).toMatchObject([
      { kind: 'modification', expected: 'one/stable (user)', actual: 'one/stable (system)', detail: 'in the system installation, not user' },
    ]);
    await install('user', 'one', 'org.example.Hello//stable');
    expect(await check(flatpakApps, apps([hello()]))).toMatchObject([
      { kind: 'modification', key: 'org.example.Hello', actual: 'one/stable (system), one/stable (user)', detail: 'also installed: one/stable (system)' },
    ]);
    expect(await check(flatpakApps, apps([hello(), hello({ scope: 'system' })]))).toEqual([]);
  });

  it('accepts any branch when the manifest names none', async () => {
    await install('user', 'one', 'org.example.Hello//beta');
    expect(await check(flatpakApps, apps([hello({ branch: undefined })]))).toEqual([]);
  });

  it('apply installs, uninstalls, reinstalls from the right remote and switches branch, as flatpak list shows', async () => {
    await install('user', 'two', 'org.example.Hello//stable');
    await install('user', 'one', 'org.example.Extra//beta');
    await install('system', 'one', 'org.example.Third//stable');
    const manifest = apps([hello(), { id: 'org.example.Extra', remote: 'one', scope: 'user', branch: 'stable' }, { id: 'org.example.Third', remote: 'two', scope: 'user', branch: 'beta' }]);
    const items = await check(flatpakApps, manifest);
    expect(items.map((i) => `${i.kind} ${i.key}`)).toEqual(['modification org.example.Hello', 'modification org.example.Extra', 'modification org.example.Third']);
    await applyAll(flatpakApps, manifest, items);
    expect(await world.list()).toEqual(['org.example.Extra one stable user', 'org.example.Hello one stable user', 'org.example.Third two beta user']);
    expect(await check(flatpakApps, manifest)).toEqual([]);
  });

  it('apply installs a missing app and uninstalls an undeclared one', async () => {
    await install('system', 'one', 'org.example.Extra//stable');
    const manifest = apps([hello({ scope: 'system' })]);
    const items = await check(flatpakApps, manifest);
    expect(items.map((i) => `${i.kind} ${i.key}`)).toEqual(['removal org.example.Hello', 'addition org.example.Extra']);
    const operations = await plan(flatpakApps, manifest, items);
    expect(operations.map((o) => `${o.verb} ${o.target} ${o.destructive}`)).toEqual(['Install org.example.Hello//stable false', `Uninstall org.example.Extra/${world.arch}/stable true`]);
    await applyAll(flatpakApps, manifest, items);
    expect(await world.list()).toEqual(['org.example.Hello one stable system']);
  });

  it('capture writes the installations into the manifest file, after which nothing drifts', async () => {
    await install('user', 'two', 'org.example.Hello//beta');
    await install('system', 'one', 'org.example.Extra//stable');
    const manifest = apps([hello({ commit: '000000000000' }), { id: 'org.example.Third', remote: 'one', scope: 'user' }]);
    const items = await check(flatpakApps, manifest);
    const captured = await captureAll(flatpakApps, items);
    expect(captured.apps.map((a: FlatpakApp) => `${a.id} ${a.remote}/${a.branch} ${a.scope} ${a.commit?.length}`)).toEqual([
      'org.example.Extra one/stable system 12',
      'org.example.Hello two/beta user 12',
    ]);
    expect(await check(flatpakApps, captured)).toEqual([]);
  });

  it('compares overrides with `flatpak override`, and apply sets them', async () => {
    await install('user', 'one', 'org.example.Hello//stable');
    await world.flatpak(['override', '--user', '--filesystem=host', '--share=network', '--nosocket=x11', '--env=A=b', '--talk-name=org.x.Y', 'org.example.Hello']);
    const same = ['--share=network', '--filesystem=host', '--nosocket=x11', '--env=A=b', '--talk-name=org.x.Y'];
    expect(await check(flatpakApps, apps([hello({ overrides: same })]))).toEqual([]);

    const wanted = apps([hello({ overrides: ['--filesystem=xdg-download:ro', '--unset-env=B'] })]);
    const items = await check(flatpakApps, wanted);
    expect(items).toMatchObject([{ key: 'org.example.Hello:overrides', kind: 'modification', expected: '--filesystem=xdg-download:ro --unset-env=B' }]);
    await applyAll(flatpakApps, wanted, items);
    expect(await check(flatpakApps, wanted)).toEqual([]);
    expect(await world.flatpak(['override', '--user', '--show', 'org.example.Hello'])).toContain('filesystems=xdg-download:ro;');
  });

  it('reads the system installation from FLATPAK_SYSTEM_DIR and from the checked root', async () => {
    await install('system', 'one', 'org.example.Hello//stable');
    const root = await mkdtemp(join(world.dir, 'root-'));
    await mkdir(join(root, 'var/lib'), { recursive: true });
    await symlink(world.systemDir, join(root, 'var/lib/flatpak'));
    const { FLATPAK_SYSTEM_DIR: _, ...withoutOverride } = world.env;
    const rooted = environmentFrom(withoutOverride, { root });
    const manifest = await manifestFile(flatpakApps, apps([hello({ scope: 'system' })]));
    expect(flatpakApps.compare(manifest, await flatpakApps.collect(rooted, manifest))).toEqual([]);
  });
});

describe('flatpak remotes on real installations', () => {
  let base: FlatpakRemote[];
  beforeAll(() => {
    base = ['one', 'two'].flatMap((name) => (['system', 'user'] as const).map((scope) => ({ name, url: `file://${world.repo}`, scope })));
  });

  it('finds no drift when the remotes match, and reports added, missing and changed ones', async () => {
    expect(await check(flatpakRemotes, remotes(base))).toEqual([]);
    await world.flatpak(['remote-add', '--user', '--no-gpg-verify', 'three', `file://${world.repo}`]);
    await world.flatpak(['remote-modify', '--system', '--url=file:///srv/moved', 'two']);
    const items = await check(flatpakRemotes, remotes([...base, { name: 'four', url: 'https://four.example/repo/', scope: 'system' }]));
    expect(items).toEqual([
      expect.objectContaining({ kind: 'modification', key: 'two', detail: 'URL file:///srv/moved, not file://' + world.repo }),
      { id: 'flatpak-remotes:four', domain: 'flatpak-remotes', key: 'four', kind: 'removal', expected: 'https://four.example/repo/ (system)', detail: 'in manifest, not configured' },
      expect.objectContaining({ kind: 'addition', key: 'three', actual: `file://${world.repo} (user)`, detail: 'configured, not in manifest' }),
    ]);
  });

  it('sees a filtered remote, and does not compare the URL of a .flatpakrepo file', async () => {
    const filter = join(world.dir, 'only-hello.filter');
    await writeFile(filter, 'deny *\nallow org.example.Hello\n');
    await world.flatpak(['remote-modify', '--user', `--filter=${filter}`, 'one']);
    const described = base.map((r) => (r.name === 'one' && r.scope === 'user' ? { ...r, url: 'https://example.org/one.flatpakrepo' } : r));
    expect(await check(flatpakRemotes, remotes(described))).toMatchObject([{ key: 'one', kind: 'modification', detail: 'filtered', actual: expect.stringContaining('(user, filtered)') }]);
    expect(await check(flatpakRemotes, remotes(described.map((r) => (r.name === 'one' && r.scope === 'user' ? { ...r, filtered: true } : r))))).toEqual([]);
  });

  it('apply adds missing remotes (from a .flatpakrepo file) and deletes undeclared ones, as flatpak remotes shows', async () => {
    // The repo is unsigned: a .flatpakrepo file without a GPGKey is how flatpak adds one without verification.
    const descriptor = join(world.dir, 'four.flatpakrepo');
    await writeFile(descriptor, `[Flatpak Repo]\nTitle=Four\nUrl=file://${world.repo}\n`);
    const manifest = remotes([...base.filter((r) => !(r.name === 'two' && r.scope === 'user')), { name: 'four', url: `file://${descriptor}`, scope: 'user' }]);
    const items = await check(flatpakRemotes, manifest);
    await applyAll(flatpakRemotes, manifest, items);
    expect((await world.flatpak(['remotes', '--user', '--columns=name'])).split('\n').filter(Boolean).sort()).toEqual(['four', 'one']);
    expect(await check(flatpakRemotes, manifest)).toEqual([]);
  });

  it('capture writes the configured remotes into the manifest file', async () => {
    await world.flatpak(['remote-add', '--user', '--no-gpg-verify', 'three', `file://${world.repo}`]);
    const items = await check(flatpakRemotes, remotes(base.filter((r) => r.name !== 'two')));
    const captured = await captureAll(flatpakRemotes, items);
    expect(captured.remotes.map((r: FlatpakRemote) => `${r.name} ${r.scope}`)).toEqual(['one system', 'one user', 'three user', 'two system', 'two user']);
    expect(await check(flatpakRemotes, captured)).toEqual([]);
  });
});

describe('the real manifests on this machine', () => {
  it('report every app of the real manifest missing and the test remotes undeclared, in a report that matches its schema', async () => {
    await install('user', 'one', 'org.example.Hello//stable');
    const manifests = await copyFixtures(world.dir, [flatpakApps.file, flatpakRemotes.file]);
    const { report } = await runCheck({ manifestsDir: manifests, environment: env, registry: [flatpakApps, flatpakRemotes] as Domain[], ignoreFiles: [] });
    parseReport(JSON.stringify(report));
    expect(report.domains.flatpak).toMatchObject({ status: 'ok', error: null });
    expect(report.domains.flatpak?.removals).toHaveLength(78);
    expect(report.domains.flatpak?.additions.map((i) => i.id)).toEqual(['flatpak:org.example.Hello']);
    expect(report.domains['flatpak-remotes']?.removals.map((i) => i.key)).toEqual(['appcenter', 'flathub']);
    expect(report.domains['flatpak-remotes']?.additions.map((i) => `${i.key}: ${i.actual}`)).toEqual([
      `one: file://${world.repo} (system), file://${world.repo} (user)`,
      `two: file://${world.repo} (system), file://${world.repo} (user)`,
    ]);
  });
});

describe('the installed apps kept between checks', () => {
  const cacheFile = () => join(world.env.XDG_CACHE_HOME!, 'bkt', 'flatpak-apps.json');
  // An installation nobody has changed for two seconds: its scan is kept. (Waited
  // for, not faked: setting file times back moves their change time forward.)
  const settle = () => new Promise((done) => setTimeout(done, 2_100));
  const keptIds = async () => {
    const cache = JSON.parse(await readFile(cacheFile(), 'utf8')) as { installations: Record<string, { apps: { id: string; origin: string }[] }> };
    return cache.installations[world.userDir]?.apps.map((a) => `${a.id} ${a.origin}`) ?? [];
  };

  it('sees every change flatpak makes after a check kept the scan', async () => {
    await install('user', 'one', 'org.example.Hello//stable');
    await settle();
    expect(await check(flatpakApps, apps([hello()]))).toEqual([]);
    expect(await keptIds()).toEqual(['org.example.Hello one']);

    await install('user', 'two', 'org.example.Extra//stable');
    expect((await check(flatpakApps, apps([hello()]))).map((i) => `${i.kind} ${i.key}`)).toEqual(['addition org.example.Extra']);

    await settle();
    await check(flatpakApps, apps([hello()]));
    await world.flatpak(['uninstall', '--user', '--noninteractive', '-y', 'org.example.Extra//stable']);
    expect(await check(flatpakApps, apps([hello()]))).toEqual([]);

    // Installed again from the other remote: the app directory stays, flatpak's .changed moves.
    await settle();
    await check(flatpakApps, apps([hello()]));
    await world.flatpak(['install', '--user', '--noninteractive', '-y', '--reinstall', 'two', 'org.example.Hello//stable']);
    expect((await check(flatpakApps, apps([hello()]))).map((i) => `${i.kind} ${i.key} ${i.actual}`)).toEqual(['modification org.example.Hello two/stable (user)']);
  });

  it('sees an app directory removed by hand, without flatpak', async () => {
    await install('user', 'one', 'org.example.Hello//stable');
    await settle();
    await check(flatpakApps, apps([hello()]));
    expect(await keptIds()).toEqual(['org.example.Hello one']);
    await rm(join(world.userDir, 'app', 'org.example.Hello'), { recursive: true });
    expect((await check(flatpakApps, apps([hello()]))).map((i) => `${i.kind} ${i.key}`)).toEqual(['removal org.example.Hello']);
  });

  it('keeps nothing while the installation changed in the last seconds, and works without a cache directory', async () => {
    await install('user', 'one', 'org.example.Hello//stable');
    expect(await check(flatpakApps, apps([hello()]))).toEqual([]);
    await expect(readFile(cacheFile(), 'utf8')).rejects.toThrow(/ENOENT/);

    await settle();
    await rm(join(world.env.XDG_CACHE_HOME!, 'bkt'), { recursive: true, force: true });
    await writeFile(join(world.env.XDG_CACHE_HOME!, 'bkt'), 'a file where the cache directory would be');
    expect(await check(flatpakApps, apps([]))).toEqual([expect.objectContaining({ kind: 'addition', key: 'org.example.Hello' })]);
  });
});

describe('flatpak domains without flatpak', () => {
  it('are unavailable with no installation and no flatpak command, and empty with the command', async () => {
    const dir = await mkdtemp(join(world.dir, 'noflatpak-'));
    const bare = { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), FLATPAK_SYSTEM_DIR: join(dir, 'none') };
    await writeFile(join(dir, flatpakApps.file), JSON.stringify(apps([hello()])));
    await writeFile(join(dir, flatpakRemotes.file), JSON.stringify(remotes([])));
    const { report } = await runCheck({ manifestsDir: dir, environment: environmentFrom({ ...bare, PATH: join(dir, 'bin') }), registry: [flatpakApps, flatpakRemotes] as Domain[], ignoreFiles: [] });
    expect(report.domains.flatpak?.status).toBe('unavailable');
    expect(report.domains['flatpak-remotes']?.status).toBe('unavailable');
    expect(report.domains.flatpak?.error).toContain(join(dir, 'none'));

    const withCommand = environmentFrom({ ...bare, PATH: world.env.PATH });
    const manifest = parseManifest('flatpak-apps.json', JSON.stringify(apps([hello()])), flatpakApps.schema);
    expect(flatpakApps.compare(manifest, await flatpakApps.collect(withCommand, manifest))).toMatchObject([{ kind: 'removal' }]);
    await expect(flatpakApps.collect(environmentFrom({ ...bare, PATH: '' }), manifest)).rejects.toBeInstanceOf(DomainUnavailable);
  });
});

describe('collection time', () => {
  it('reads 300 installed apps in one pass (its speed is measured by npm run bench)', async () => {
    await install('user', 'one', 'org.example.Hello//stable');
    const deploy = await readFile(join(world.userDir, 'app/org.example.Hello', world.arch, 'stable/active/deploy'));
    const dir = await mkdtemp(join(world.dir, 'many-'));
    const ids = Array.from({ length: 300 }, (_, n) => `org.example.App${String(n).padStart(3, '0')}`);
    for (const id of ids) {
      const commit = join(dir, 'app', id, world.arch, 'stable', 'c0ffee');
      await mkdir(join(commit, 'files'), { recursive: true });
      await writeFile(join(commit, 'deploy'), deploy);
      await symlink('c0ffee', join(dir, 'app', id, world.arch, 'stable', 'active'));
    }
    const many = environmentFrom({ ...world.env, FLATPAK_USER_DIR: dir });
    const manifest = parseManifest('flatpak-apps.json', JSON.stringify(apps(ids.map((id) => hello({ id })))), flatpakApps.schema);
    const live = await flatpakApps.collect(many, manifest);
    expect(flatpakApps.compare(manifest, live)).toEqual([]);
    const fewer = parseManifest('flatpak-apps.json', JSON.stringify(apps(ids.slice(1).map((id) => hello({ id })))), flatpakApps.schema);
    expect(flatpakApps.compare(fewer, live).map((item) => [item.kind, item.key])).toEqual([['addition', ids[0]]]);
  });
});
