// The flatpak domains' pure parts: data in, data out. The real installations
// are exercised in test/integration/flatpak.test.ts.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DriftItem, Operation } from '../../helper/domain.js';
import { applyRemote, captureRemote, compareRemotes, flatpakRemotes, type FlatpakRemotes } from '../../helper/domains/flatpak-remotes.js';
import { applyApp, captureApp, compareApps, flatpakApps, type FlatpakApps, type LiveApps } from '../../helper/domains/flatpak.js';
import { deployHead, remotesOfConfig, type ConfiguredRemote, type InstalledApp } from '../../helper/flatpak/installation.js';
import { parseKeyfile } from '../../helper/keyfile.js';
import { overrideOptions, overridesInManifestOrder, sameOverrides } from '../../helper/flatpak/overrides.js';
import { ManifestError, parseManifest } from '../../helper/manifest.js';
import { editText } from '../../helper/manifest-writer.js';

const FIXTURES = resolve(import.meta.dirname, '../../../shared/fixtures/bootc-manifests');
const fixture = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');

const COMMIT = '2b2b34ea838200ba5a0a8bbefe4fc6852e95af54145e0584363cdc72bc341b7e';
const installed = (over: Partial<InstalledApp> = {}): InstalledApp => ({
  id: 'org.example.Hello',
  scope: 'user',
  arch: 'x86_64',
  branch: 'stable',
  origin: 'flathub',
  commit: COMMIT,
  ...over,
});
const live = (apps: InstalledApp[], overrides: [string, string[]][] = []): LiveApps => ({ apps, overrides: new Map(overrides) });
const manifestOf = (apps: FlatpakApps['apps']): FlatpakApps => ({ apps });
const hello = { id: 'org.example.Hello', remote: 'flathub', scope: 'user' as const, branch: 'stable' };

describe('reading what flatpak writes', () => {
  it('reads origin and commit from the start of a deploy file (GVariant (ssasta{sv}))', () => {
    // The first bytes of a real deploy file, then the rest of its tuple.
    const bytes = Buffer.concat([Buffer.from(`localtest\0${COMMIT}\0`), Buffer.from([0, 0, 0, 0, 0, 0, 4, 0]), Buffer.from('deploy-version\0\0\x04\0\0\0\0i')]);
    expect(deployHead(bytes)).toEqual({ origin: 'localtest', commit: COMMIT });
    expect(deployHead(Buffer.from('no terminator'))).toBeUndefined();
    expect(deployHead(Buffer.from('\0starts empty\0'))).toBeUndefined();
  });

  it('reads the remotes of a repo/config keyfile, with their filters', () => {
    const config = [
      '[core]',
      'repo_version=1',
      'mode=bare-user-only',
      'xa.pinned=runtime/org.example.Platform/x86_64/1',
      '',
      '[remote "flathub"]',
      'gpg-verify=true',
      'url=https://dl.flathub.org/repo/',
      'xa.filter=/usr/share/flatpak/fedora-flathub.filter',
      '',
      '[remote "two words\\sescaped"]',
      '# a comment',
      'url = file:///srv/repo',
      'xa.title[de]=ignored',
      '',
    ].join('\n');
    expect(remotesOfConfig(config, 'system')).toEqual([
      { name: 'flathub', scope: 'system', url: 'https://dl.flathub.org/repo/', filtered: true },
      { name: 'two words\\sescaped', scope: 'system', url: 'file:///srv/repo', filtered: false },
    ]);
    expect(parseKeyfile('[a]\nk=x\\sy\\n\n', { unescape: true }).get('a')?.get('k')).toBe('x y\n');
  });

  it('turns an overrides keyfile written by `flatpak override` back into its options', () => {
    // Written by flatpak 1.14 for: --filesystem=/run/media/wy/Games --filesystem=host --share=network
    // --unshare=ipc --socket=wayland --nosocket=x11 --device=dri --env=FOO=bar --talk-name=org.x.Y
    // --own-name=org.a.B --system-talk-name=org.s.T --persist=.foo --filesystem=xdg-download:ro
    // --nofilesystem=home --allow=devel --disallow=bluetooth --unset-env=BAR
    const keyfile = [
      '[Context]',
      'shared=network;!ipc;',
      'sockets=!x11;wayland;',
      'devices=dri;',
      'features=devel;!bluetooth;',
      'filesystems=xdg-download:ro;!home;/run/media/wy/Games;host;',
      'persistent=.foo;',
      'unset-environment=BAR;',
      '',
      '[Session Bus Policy]',
      'org.a.B=own',
      'org.x.Y=talk',
      'org.see.Me=see',
      '',
      '[System Bus Policy]',
      'org.s.T=talk',
      '',
      '[Environment]',
      'FOO=bar',
      'BAR=',
      '',
      '[Policy Sub]',
      'key=v1;!v2;',
    ].join('\n');
    expect(overrideOptions(keyfile).sort()).toEqual(
      [
        '--share=network',
        '--unshare=ipc',
        '--nosocket=x11',
        '--socket=wayland',
        '--device=dri',
        '--allow=devel',
        '--disallow=bluetooth',
        '--filesystem=xdg-download:ro',
        '--nofilesystem=home',
        '--filesystem=/run/media/wy/Games',
        '--filesystem=host',
        '--persist=.foo',
        '--unset-env=BAR',
        '--own-name=org.a.B',
        '--talk-name=org.x.Y',
        '[Session Bus Policy] org.see.Me=see',
        '--system-talk-name=org.s.T',
        '--env=FOO=bar',
        '--add-policy=Sub.key=v1',
        '--remove-policy=Sub.key=v2',
      ].sort(),
    );
    expect(overrideOptions('')).toEqual([]);
  });

  it('compares overrides as sets and keeps the manifest order when capturing them', () => {
    expect(sameOverrides(['--share=network', '--filesystem=host'], ['--filesystem=host', '--share=network'])).toBe(true);
    expect(sameOverrides(['--share=network'], ['--share=network', '--filesystem=host'])).toBe(false);
    expect(overridesInManifestOrder(['--b', '--a', '--gone'], ['--new', '--a', '--b'])).toEqual(['--b', '--a', '--new']);
  });
});

describe('compareApps', () => {
  const cases: { name: string; manifest: FlatpakApps['apps']; apps: InstalledApp[]; items: Partial<DriftItem>[] }[] = [
    { name: 'installed as declared', manifest: [hello], apps: [installed()], items: [] },
    { name: 'no branch in the manifest accepts any branch', manifest: [{ ...hello, branch: undefined }], apps: [installed({ branch: 'beta' })], items: [] },
    {
      name: 'not installed',
      manifest: [hello],
      apps: [],
      items: [{ id: 'flatpak:org.example.Hello', kind: 'removal', key: 'org.example.Hello', expected: 'flathub/stable (user)', detail: 'in manifest, not installed' }],
    },
    {
      name: 'installed, not declared',
      manifest: [],
      apps: [installed({ scope: 'system' })],
      items: [{ kind: 'addition', key: 'org.example.Hello', actual: 'flathub/stable (system)', detail: 'installed, not in manifest', data: { installations: [installed({ scope: 'system' })] } }],
    },
    {
      name: 'wrong origin',
      manifest: [hello],
      apps: [installed({ origin: 'fedora' })],
      items: [{ kind: 'modification', expected: 'flathub/stable (user)', actual: 'fedora/stable (user)', detail: 'installed from fedora, not flathub' }],
    },
    {
      name: 'wrong branch',
      manifest: [hello],
      apps: [installed({ branch: 'beta' })],
      items: [{ kind: 'modification', expected: 'flathub/stable (user)', actual: 'flathub/beta (user)', detail: 'branch beta, not stable' }],
    },
    {
      name: 'wrong scope and branch',
      manifest: [hello],
      apps: [installed({ scope: 'system', branch: 'beta' })],
      items: [{ kind: 'modification', actual: 'flathub/beta (system)', detail: 'branch beta, not stable, in the system installation, not user' }],
    },
    {
      name: 'installed in both scopes: one item for the app',
      manifest: [hello],
      apps: [installed({ scope: 'user' }), installed({ scope: 'system' })],
      items: [{ kind: 'modification', key: 'org.example.Hello', actual: 'flathub/stable (system), flathub/stable (user)', detail: 'also installed: flathub/stable (system)' }],
    },
    { name: 'declared once per scope', manifest: [hello, { ...hello, scope: 'system' }], apps: [installed({ scope: 'system' }), installed()], items: [] },
    {
      name: 'two undeclared apps, sorted by id after the declared ones',
      manifest: [hello],
      apps: [installed({ id: 'org.b.App' }), installed({ id: 'org.B.App' }), installed()],
      items: [{ kind: 'addition', key: 'org.B.App' }, { kind: 'addition', key: 'org.b.App' }],
    },
    { name: 'the commit is not compared', manifest: [{ ...hello, commit: 'aaaaaaaaaaaa' }], apps: [installed()], items: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const items = compareApps(manifestOf(c.manifest), live(c.apps));
      expect(items).toHaveLength(c.items.length);
      c.items.forEach((expected, index) => expect(items[index]).toMatchObject(expected));
    });
  }

  it('reports overrides that differ, only for entries that list them', () => {
    const manifest = manifestOf([{ ...hello, overrides: ['--filesystem=host', '--share=network'] }, { ...hello, id: 'org.example.Free' }]);
    expect(compareApps(manifest, live([installed(), installed({ id: 'org.example.Free' })], [['user/org.example.Hello', ['--share=network', '--filesystem=host']]]))).toEqual([]);
    expect(compareApps(manifest, live([installed(), installed({ id: 'org.example.Free' })], [['user/org.example.Hello', ['--filesystem=host']]]))).toEqual([
      {
        id: 'flatpak:org.example.Hello:overrides',
        domain: 'flatpak',
        key: 'org.example.Hello:overrides',
        kind: 'modification',
        expected: '--filesystem=host --share=network',
        actual: '--filesystem=host',
        detail: 'overrides in the user installation differ',
        data: { overrides: [{ scope: 'user', options: ['--filesystem=host'] }] },
      },
    ]);
  });

  it('reports overrides differing in both scopes as one item', () => {
    const manifest = manifestOf([
      { ...hello, overrides: ['--share=network'] },
      { ...hello, scope: 'system', overrides: [] },
    ]);
    const items = compareApps(manifest, live([installed(), installed({ scope: 'system' })], [['system/org.example.Hello', ['--device=all']]]));
    expect(items).toMatchObject([
      { key: 'org.example.Hello:overrides', expected: 'user: --share=network; system: none', actual: 'user: none; system: --device=all', detail: 'overrides in the user and system installations differ' },
    ]);
    expect(captureApp(items[0] as DriftItem, manifest)).toEqual([
      { op: 'set', path: ['apps', 0, 'overrides'], value: [] },
      { op: 'set', path: ['apps', 1, 'overrides'], value: ['--device=all'] },
    ]);
    expect((applyApp(items[0] as DriftItem, manifest) as Operation[]).map((o) => o.details)).toEqual([
      '--share=network (user), replacing the current ones',
      'no overrides (system), replacing the current ones',
    ]);
  });
});

describe('an app listed twice for one installation', () => {
  const text = [
    '{',
    '  "apps": [',
    '    { "id": "org.example.Hello", "remote": "flathub", "scope": "user", "branch": "stable" },',
    '    { "id": "org.example.Hello", "remote": "flathub", "scope": "system", "branch": "stable" },',
    '    { "id": "org.example.Hello", "remote": "fedora", "scope": "user" }',
    '  ]',
    '}',
    '',
  ].join('\n');
  const manifest = parseManifest('/m/flatpak-apps.json', text, flatpakApps.schema);

  it('is a problem naming the line of the second entry and the first', () => {
    expect(flatpakApps.problems?.(manifest, live([]))).toEqual([
      '/m/flatpak-apps.json:5:13: apps[2].id: org.example.Hello is listed twice for the user installation (first as apps[0]); keep one',
    ]);
  });

  it('is compared, captured and applied by its first entry only', () => {
    const apps = [installed(), installed({ scope: 'system' })];
    expect(flatpakApps.compare(manifest, live(apps))).toEqual([]);
    const item = compareApps(manifest.value, live([installed({ origin: 'fedora' }), installed({ scope: 'system' })]))[0] as DriftItem;
    expect(item).toMatchObject({ kind: 'modification', expected: 'flathub/stable (user), flathub/stable (system)', detail: 'installed from fedora, not flathub' });
    expect(captureApp(item, manifest.value)).toEqual([{ op: 'set', path: ['apps', 0, 'remote'], value: 'fedora' }]);
    expect((applyApp(item, manifest.value) as Operation[]).map((o) => `${o.verb} ${o.target} ${o.details}`)).toEqual(['Reinstall org.example.Hello//stable from flathub instead of fedora (user)']);
  });

  it('is no problem once per scope', () => {
    const once = parseManifest('/m/flatpak-apps.json', JSON.stringify({ apps: [hello, { ...hello, scope: 'system' }, { ...hello, id: 'org.example.Other' }] }), flatpakApps.schema);
    expect(flatpakApps.problems?.(once, live([]))).toEqual([]);
  });
});

describe('a remote listed twice for one installation', () => {
  const text = [
    '{',
    '  "remotes": [',
    '    { "name": "flathub", "url": "https://dl.flathub.org/repo/", "scope": "system" },',
    '    { "name": "flathub", "url": "https://dl.flathub.org/repo/", "scope": "user" },',
    '    { "name": "flathub", "url": "https://mirror.example/repo/", "scope": "system" }',
    '  ]',
    '}',
    '',
  ].join('\n');
  const manifest = parseManifest('/m/flatpak-remotes.json', text, flatpakRemotes.schema);
  const configured = (scope: 'system' | 'user'): ConfiguredRemote => ({ name: 'flathub', scope, url: 'https://dl.flathub.org/repo/', filtered: false });

  it('is a problem naming the line of the second entry and the first', () => {
    expect(flatpakRemotes.problems?.(manifest, [])).toEqual([
      '/m/flatpak-remotes.json:5:15: remotes[2].name: flathub is listed twice for the system installation (first as remotes[0]); keep one',
    ]);
  });

  it('is compared by its first entry only', () => {
    expect(flatpakRemotes.compare(manifest, [configured('system'), configured('user')])).toEqual([]);
  });
});

describe('captureApp on the real manifest', () => {
  const text = fixture('flatpak-apps.json');
  const manifest = parseManifest('flatpak-apps.json', text, flatpakApps.schema);
  const capture = (item: DriftItem) => JSON.parse(editText(text, captureApp(item, manifest.value)));
  const itemFor = (apps: InstalledApp[], declared = manifest.value) => {
    const id = apps[0]?.id ?? '';
    const found = compareApps(declared, live(apps)).find((i) => i.key === id);
    if (!found) throw new Error(`no item for ${id}`);
    return found;
  };

  it('inserts an addition where the id sorts (code unit order, as the file is)', () => {
    const item = itemFor([installed({ id: 'org.gnome.Maps', scope: 'system' })]);
    const after = capture(item);
    const ids: string[] = after.apps.map((a: { id: string }) => a.id);
    expect(ids.indexOf('org.gnome.Maps')).toBe(ids.indexOf('org.gnome.Logs') + 2);
    expect(after.apps[ids.indexOf('org.gnome.Maps')]).toEqual({ id: 'org.gnome.Maps', remote: 'flathub', scope: 'system', branch: 'stable', commit: COMMIT.slice(0, 12) });
    expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
    // Every other byte stays: taking the new entry out gives back the file as it was.
    expect(editText(editText(text, captureApp(item, manifest.value)), [{ op: 'remove', path: ['apps', ids.indexOf('org.gnome.Maps')] }])).toBe(text);
  });

  it('removes a removal and changes nothing else', () => {
    const edits = captureApp({ id: 'flatpak:org.gnome.Boxes', domain: 'flatpak', key: 'org.gnome.Boxes', kind: 'removal' }, manifest.value);
    const after = editText(text, edits);
    expect(JSON.parse(after).apps.map((a: { id: string }) => a.id)).not.toContain('org.gnome.Boxes');
    expect(JSON.parse(after).apps).toHaveLength(manifest.value.apps.length - 1);
  });

  it('sets the differing fields of a modification, and the commit the entry records', () => {
    const item = itemFor([installed({ id: 'app.xemu.xemu', origin: 'flathub-beta', branch: 'beta', scope: 'user' })]);
    expect(captureApp(item, manifest.value)).toEqual([
      { op: 'set', path: ['apps', 1, 'remote'], value: 'flathub-beta' },
      { op: 'set', path: ['apps', 1, 'branch'], value: 'beta' },
      { op: 'set', path: ['apps', 1, 'commit'], value: COMMIT.slice(0, 12) },
    ]);
    const after = capture(item);
    expect(after.apps[1]).toMatchObject({ id: 'app.xemu.xemu', remote: 'flathub-beta', scope: 'user', branch: 'beta', overrides: manifest.value.apps[1]?.overrides });
  });

  it('records a second installation as a second entry', () => {
    const item = itemFor([installed({ id: 'org.gnome.Boxes', scope: 'system', commit: 'x'.repeat(64) }), installed({ id: 'org.gnome.Boxes', scope: 'user' })]);
    const edits = captureApp(item, manifest.value);
    // The declared installation matches: its commit, not drift, is left alone.
    expect(edits.map((e) => e.op)).toEqual(['insert']);
    const after = capture(item);
    expect(after.apps.filter((a: { id: string }) => a.id === 'org.gnome.Boxes').map((a: { scope: string }) => a.scope)).toEqual(['system', 'user']);
    expect(compareApps(parseManifest('m', editText(text, edits), flatpakApps.schema).value, live(item.data?.installations as InstalledApp[])).find((i) => i.key === 'org.gnome.Boxes')).toBeUndefined();
  });

  it('leaves the overrides of an app that is not installed to its removal', () => {
    const items = compareApps(manifest.value, live([], []));
    expect(items.find((i) => i.key === 'app.xemu.xemu')?.kind).toBe('removal');
    expect(items.find((i) => i.key === 'app.xemu.xemu:overrides')).toBeUndefined();
  });

  it('writes the live overrides, keeping the manifest order', () => {
    const xemu = installed({ id: 'app.xemu.xemu', scope: 'user' });
    const item = compareApps(manifest.value, live([xemu], [['user/app.xemu.xemu', ['--share=network', '--device=all', '--filesystem=host']]])).find((i) => i.key === 'app.xemu.xemu:overrides');
    expect(item).toBeDefined();
    expect(captureApp(item as DriftItem, manifest.value)).toEqual([{ op: 'set', path: ['apps', 1, 'overrides'], value: ['--filesystem=host', '--share=network', '--device=all'] }]);
  });
});

describe('applyApp', () => {
  const describeOps = (ops: Operation[] | { unsupported: string }) => {
    if (!Array.isArray(ops)) throw new Error(ops.unsupported);
    return ops.map((o) => `${o.verb} ${o.target}${o.destructive ? ' !' : ''}`);
  };
  const plan = (declared: FlatpakApps['apps'], apps: InstalledApp[]) => {
    const manifest = manifestOf(declared);
    return compareApps(manifest, live(apps)).flatMap((item) => describeOps(applyApp(item, manifest)));
  };

  it('installs a removal and uninstalls an addition (destructive)', () => {
    expect(plan([hello], [installed({ id: 'org.other.App', scope: 'system', arch: 'aarch64' })])).toEqual(['Install org.example.Hello//stable', 'Uninstall org.other.App/aarch64/stable !']);
  });

  it('reinstalls from the declared remote when only the origin differs', () => {
    expect(plan([hello], [installed({ origin: 'fedora' })])).toEqual(['Reinstall org.example.Hello//stable']);
    expect(plan([{ ...hello, branch: undefined }], [installed({ origin: 'fedora', branch: 'beta' })])).toEqual(['Reinstall org.example.Hello//beta']);
  });

  it('installs the declared branch or scope first, then uninstalls the other', () => {
    expect(plan([hello], [installed({ branch: 'beta' })])).toEqual(['Install org.example.Hello//stable', 'Uninstall org.example.Hello/x86_64/beta !']);
    expect(plan([hello], [installed({ scope: 'system' })])).toEqual(['Install org.example.Hello//stable', 'Uninstall org.example.Hello/x86_64/stable !']);
  });

  it('runs the flatpak commands the plan prints, with the scope option', async () => {
    const calls: string[] = [];
    const env = { run: async (file: string, args: readonly string[]) => (calls.push([file, ...args].join(' ')), { stdout: '', stderr: '', exitCode: 0 }), env: {} };
    const manifest = manifestOf([{ ...hello, scope: 'system', overrides: ['--share=network'] }]);
    const items = compareApps(manifest, live([installed({ branch: 'beta', scope: 'system' })], [['system/org.example.Hello', []]]));
    for (const item of items) for (const op of applyApp(item, manifest) as Operation[]) await op.run(env as never);
    expect(calls).toEqual([
      'flatpak install --noninteractive -y --system flathub org.example.Hello//stable',
      'flatpak uninstall --noninteractive -y --system org.example.Hello/x86_64/beta',
      'flatpak override --system --reset org.example.Hello',
      'flatpak override --system --share=network org.example.Hello',
    ]);
  });
});

describe('flatpak remotes', () => {
  const remote = (over: Partial<ConfiguredRemote> = {}): ConfiguredRemote => ({ name: 'flathub', scope: 'system', url: 'https://dl.flathub.org/repo/', filtered: false, ...over });
  const declared = (remotes: FlatpakRemotes['remotes']): FlatpakRemotes => ({ remotes });
  const flathub = { name: 'flathub', url: 'https://dl.flathub.org/repo/flathub.flatpakrepo', scope: 'system' as const };

  const cases: { name: string; manifest: FlatpakRemotes['remotes']; live: ConfiguredRemote[]; items: Partial<DriftItem>[] }[] = [
    { name: 'a .flatpakrepo URL is not compared', manifest: [flathub], live: [remote()], items: [] },
    { name: 'a trailing slash does not matter', manifest: [{ ...flathub, url: 'https://dl.flathub.org/repo' }], live: [remote()], items: [] },
    { name: 'filtered as declared', manifest: [{ ...flathub, filtered: true }], live: [remote({ filtered: true })], items: [] },
    { name: 'missing', manifest: [flathub], live: [], items: [{ id: 'flatpak-remotes:flathub', kind: 'removal', expected: `${flathub.url} (system)`, detail: 'in manifest, not configured' }] },
    { name: 'undeclared', manifest: [], live: [remote({ scope: 'user', filtered: true })], items: [{ kind: 'addition', key: 'flathub', actual: 'https://dl.flathub.org/repo/ (user, filtered)', detail: 'configured, not in manifest' }] },
    { name: 'filter lost', manifest: [{ ...flathub, filtered: true }], live: [remote()], items: [{ kind: 'modification', detail: 'not filtered' }] },
    { name: 'other URL', manifest: [{ ...flathub, url: 'https://mirror.example/repo/' }], live: [remote()], items: [{ kind: 'modification', detail: 'URL https://dl.flathub.org/repo/, not https://mirror.example/repo/' }] },
    { name: 'also in the user installation', manifest: [flathub], live: [remote(), remote({ scope: 'user' })], items: [{ kind: 'modification', detail: 'also configured: https://dl.flathub.org/repo/ (user)' }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const items = compareRemotes(declared(c.manifest), c.live);
      expect(items).toHaveLength(c.items.length);
      c.items.forEach((expected, index) => expect(items[index]).toMatchObject(expected));
    });
  }

  it('captures into the real manifest: insert sorted, set, remove', () => {
    const text = fixture('flatpak-remotes.json');
    const manifest = parseManifest('flatpak-remotes.json', text, flatpakRemotes.schema).value;
    const liveRemotes = [remote({ name: 'appcenter', url: 'https://flatpak.elementary.io/repo/', scope: 'user' }), remote(), remote({ name: 'beta', scope: 'user', url: 'https://beta.example/' })];
    let after = text;
    for (const item of compareRemotes(manifest, liveRemotes)) after = editText(after, captureRemote(item, parseManifest('m', after, flatpakRemotes.schema).value));
    expect(JSON.parse(after).remotes).toEqual([
      { name: 'appcenter', url: 'https://flatpak.elementary.io/repo', scope: 'user' },
      { name: 'beta', url: 'https://beta.example/', scope: 'user' },
      { name: 'flathub', url: flathub.url, scope: 'system' },
    ]);
    expect(compareRemotes(parseManifest('m', after, flatpakRemotes.schema).value, liveRemotes)).toEqual([]);
  });

  it('plans remote-add, remote-modify and remote-delete, and refuses what it cannot know', () => {
    const plan = (manifest: FlatpakRemotes['remotes'], liveRemotes: ConfiguredRemote[]) =>
      compareRemotes(declared(manifest), liveRemotes).map((item) => {
        const ops = applyRemote(item, declared(manifest));
        return Array.isArray(ops) ? ops.map((o) => `${o.verb} ${o.target} ${o.details}${o.destructive ? ' !' : ''}`) : ops;
      });
    expect(plan([flathub], [remote({ name: 'other', scope: 'user' })])).toEqual([
      [`Add remote flathub ${flathub.url} (system)`],
      ['Delete remote other https://dl.flathub.org/repo/ (user) !'],
    ]);
    expect(plan([{ ...flathub, url: 'https://mirror.example/' }], [remote({ filtered: true })])).toEqual([['Modify remote flathub --url=https://mirror.example/ --no-filter (system)']]);
    expect(plan([{ ...flathub, filtered: true }], [])).toEqual([{ unsupported: expect.stringContaining('flathub (system) is filtered but not by which filter file') }]);
  });
});

describe('the real manifests', () => {
  it('load, with every app and remote and their unknown keys', () => {
    const loaded = parseManifest('flatpak-apps.json', fixture('flatpak-apps.json'), flatpakApps.schema);
    expect(flatpakApps.problems?.(loaded, live([]))).toEqual([]);
    const apps = loaded.value;
    expect(apps.apps).toHaveLength(78);
    expect(apps.$schema).toBe('https://wycats.github.io/bootc/flatpak-apps.schema.json');
    expect(apps.apps.find((a) => a.id === 'app.xemu.xemu')?.overrides).toContain('--filesystem=host');
    const remotes = parseManifest('flatpak-remotes.json', fixture('flatpak-remotes.json'), flatpakRemotes.schema).value;
    expect(remotes.remotes).toEqual([
      { name: 'appcenter', url: 'https://flatpak.elementary.io/repo', scope: 'system' },
      { name: 'flathub', url: 'https://dl.flathub.org/repo/flathub.flatpakrepo', scope: 'system', filtered: true },
    ]);
    const kept = parseManifest('m', '{"apps": [{"id": "a.b.C", "remote": "r", "scope": "user", "note": "mine"}], "extra": 1}', flatpakApps.schema).value;
    expect(kept).toEqual({ apps: [{ id: 'a.b.C', remote: 'r', scope: 'user', note: 'mine' }], extra: 1 });
  });

  it('rejects an app id that flatpak would read as an option, naming the line', () => {
    const text = '{\n  "apps": [\n    { "id": "--user", "remote": "flathub", "scope": "user" }\n  ]\n}\n';
    expect(() => parseManifest('/m/flatpak-apps.json', text, flatpakApps.schema)).toThrow(ManifestError);
    expect(() => parseManifest('/m/flatpak-apps.json', text, flatpakApps.schema)).toThrow(/^\/m\/flatpak-apps\.json:3:13: apps\[0\]\.id: an app id/);
    expect(() => parseManifest('/m/r.json', '{"remotes": [{"name": "x", "url": "u", "scope": "both"}]}', flatpakRemotes.schema)).toThrow(/remotes\[0\]\.scope/);
  });
});
