import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appimages, captureAppImages, compareAppImages, parseGearLeverApps, type LiveAppImages } from '../../helper/domains/appimages.js';
import { parseManifest } from '../../helper/manifest.js';

const FIXTURE = join(import.meta.dirname, '../../../shared/fixtures/bootc-manifests/appimage-apps.json');
const manifestOf = (apps: object[]) => parseManifest('/m/appimage-apps.json', JSON.stringify({ apps }), appimages.schema).value;
const b64 = (name: string) => Buffer.from(name).toString('base64');

// The shape GearLever writes (RFC 0012 of the original bkt quotes one).
function gearLeverEntry(name: string, repo: string, asset: string, prereleases: boolean, withName = true) {
  return {
    b64name: b64(name),
    update_url: `https://github.com/${repo}/releases/download/*/${asset}`,
    update_url_manager: 'GithubUpdater',
    update_manager_config: { allow_prereleases: prereleases, repo_url: `https://github.com/${repo}`, repo_filename: asset },
    ...(withName ? { name } : {}),
  };
}

const orca = { name: 'OrcaSlicer', repo: 'OrcaSlicer/OrcaSlicer', asset: 'OrcaSlicer_Linux_AppImage_Ubuntu2404_nightly.AppImage', prereleases: true };

describe('appimages manifest', () => {
  it('loads the real (empty) manifest', () => {
    expect(parseManifest(FIXTURE, readFileSync(FIXTURE, 'utf8'), appimages.schema).value.apps).toEqual([]);
  });

  it('refuses a repo that is not owner/name', () => {
    expect(() => manifestOf([{ ...orca, repo: 'https://github.com/OrcaSlicer/OrcaSlicer' }])).toThrow(/apps\[0\]\.repo: a repo is "owner\/name" on GitHub/);
  });
});

describe('parseGearLeverApps', () => {
  it('reads GitHub sources by name, decoding the key when an entry has no name', () => {
    const text = JSON.stringify({
      [b64('OrcaSlicer')]: gearLeverEntry('OrcaSlicer', orca.repo, orca.asset, true),
      [b64('Ferdium')]: gearLeverEntry('Ferdium', 'ferdium/ferdium-app', 'Ferdium-*.AppImage', false, false),
      [b64('Plain')]: { b64name: b64('Plain'), name: 'Plain', update_url: 'https://example.org/plain.AppImage', update_url_manager: 'StaticFileUpdater' },
      [b64('Stub')]: { b64name: b64('Stub') },
    });
    expect(parseGearLeverApps('/a/apps.json', text)).toEqual(
      new Map<string, unknown>([
        ['OrcaSlicer', { repo: orca.repo, asset: orca.asset, prereleases: true }],
        ['Ferdium', { repo: 'ferdium/ferdium-app', asset: 'Ferdium-*.AppImage', prereleases: false }],
        ['Plain', { other: 'StaticFileUpdater from https://example.org/plain.AppImage' }],
      ]),
    );
  });

  it('names the file when it is not JSON or not an object', () => {
    expect(() => parseGearLeverApps('/a/apps.json', '{')).toThrow(/^\/a\/apps\.json: invalid JSON/);
    expect(() => parseGearLeverApps('/a/apps.json', '[]')).toThrow('/a/apps.json: expected an object of apps keyed by base64 name');
  });
});

describe('compareAppImages', () => {
  const source = (repo: string, asset: string, prereleases: boolean) => ({ repo, asset, prereleases });
  const cases: { name: string; apps: object[]; live: LiveAppImages; items: object[] }[] = [
    { name: 'no drift when GearLever has the declared source (repo case aside)', apps: [orca], live: new Map([['OrcaSlicer', source('orcaslicer/orcaslicer', orca.asset, true)]]), items: [] },
    {
      name: 'an app in the manifest, not in GearLever, is a removal',
      apps: [orca],
      live: new Map(),
      items: [{ id: 'appimages:OrcaSlicer', kind: 'removal', key: 'OrcaSlicer', expected: `github:${orca.repo} ${orca.asset} (prereleases)`, detail: 'in manifest, not in GearLever' }],
    },
    {
      name: 'another asset or prerelease choice is a modification',
      apps: [{ ...orca, prereleases: undefined }],
      live: new Map([['OrcaSlicer', source(orca.repo, 'Other.AppImage', true)]]),
      items: [
        {
          id: 'appimages:OrcaSlicer',
          kind: 'modification',
          key: 'OrcaSlicer',
          expected: `github:${orca.repo} ${orca.asset}`,
          actual: `github:${orca.repo} Other.AppImage (prereleases)`,
          data: source(orca.repo, 'Other.AppImage', true),
        },
      ],
    },
    {
      name: 'a declared app GearLever updates from elsewhere is a modification',
      apps: [orca],
      live: new Map([['OrcaSlicer', { other: 'StaticFileUpdater from https://x/o.AppImage' }]]),
      items: [{ id: 'appimages:OrcaSlicer', kind: 'modification', key: 'OrcaSlicer', expected: `github:${orca.repo} ${orca.asset} (prereleases)`, actual: 'StaticFileUpdater from https://x/o.AppImage', detail: 'GearLever does not update it from GitHub' }],
    },
    {
      name: 'a GitHub app GearLever manages that is not declared is an addition; one from elsewhere is not drift',
      apps: [],
      live: new Map<string, never>([
        ['Ferdium', source('ferdium/ferdium-app', 'F.AppImage', false) as never],
        ['Plain', { other: 'StaticFileUpdater from https://x' } as never],
      ]),
      items: [{ id: 'appimages:Ferdium', kind: 'addition', key: 'Ferdium', actual: 'github:ferdium/ferdium-app F.AppImage', detail: 'in GearLever, not in manifest', data: source('ferdium/ferdium-app', 'F.AppImage', false) }],
    },
    {
      name: 'a disabled app is not drift, present or absent',
      apps: [{ ...orca, disabled: true }, { name: 'Gone', repo: 'a/b', asset: 'g', disabled: true }],
      live: new Map([['OrcaSlicer', source('x/y', 'z', false)]]),
      items: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(compareAppImages(manifestOf(c.apps), c.live)).toEqual(c.items.map((item) => ({ domain: 'appimages', ...item })));
    });
  }
});

describe('captureAppImages', () => {
  const manifest = manifestOf([orca, { name: 'Tool', repo: 'me/tool', asset: 't.AppImage' }]);
  const item = (rest: object) => ({ domain: 'appimages', id: 'appimages:k', ...rest }) as never;

  it('inserts an addition in the manifest form, sorted by name', () => {
    const [edit] = captureAppImages(item({ kind: 'addition', key: 'Ferdium', data: { repo: 'ferdium/ferdium-app', asset: 'F.AppImage', prereleases: false } }), manifest);
    expect(edit).toMatchObject({ op: 'insert', path: ['apps'], value: { name: 'Ferdium', repo: 'ferdium/ferdium-app', asset: 'F.AppImage', prereleases: false } });
    expect(edit?.op === 'insert' && edit.sortKey?.({ name: 'Zed' })).toBe('Zed');
  });

  it('removes a removal', () => {
    expect(captureAppImages(item({ kind: 'removal', key: 'Tool' }), manifest)).toEqual([{ op: 'remove', path: ['apps', 1] }]);
  });

  it('sets only the fields that differ, adding prereleases only when it becomes true', () => {
    expect(captureAppImages(item({ kind: 'modification', key: 'Tool', data: { repo: 'me/tool', asset: 'new.AppImage', prereleases: false } }), manifest)).toEqual([
      { op: 'set', path: ['apps', 1, 'asset'], value: 'new.AppImage' },
    ]);
    expect(captureAppImages(item({ kind: 'modification', key: 'OrcaSlicer', data: { repo: 'fork/Orca', asset: orca.asset, prereleases: false } }), manifest)).toEqual([
      { op: 'set', path: ['apps', 0, 'repo'], value: 'fork/Orca' },
      { op: 'set', path: ['apps', 0, 'prereleases'], value: false },
    ]);
  });

  it('refuses to capture a source the manifest cannot declare, saying why', () => {
    expect(() => captureAppImages(item({ kind: 'modification', key: 'OrcaSlicer', actual: 'StaticFileUpdater from https://x' }), manifest)).toThrow(
      'OrcaSlicer: GearLever does not update it from GitHub releases (StaticFileUpdater from https://x), which is all the manifest can declare',
    );
  });
});

describe('appimages apply', () => {
  it('is GearLever’s job, and says so', () => {
    const result = appimages.apply({ domain: 'appimages', id: 'appimages:OrcaSlicer', kind: 'removal', key: 'OrcaSlicer', expected: 'github:a/b x' }, {} as never, {} as never);
    expect(result).toEqual({ unsupported: 'GearLever installs AppImages: open GearLever and add OrcaSlicer (github:a/b x)' });
  });
});
