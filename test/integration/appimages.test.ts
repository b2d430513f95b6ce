// The appimages domain on GearLever's real files in a temp home: its apps.json
// as GearLever writes it (keys are the base64 of the names) and the AppImage
// directory.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appimages } from '../../helper/domains/appimages.js';
import { runCheck } from '../../helper/engine.js';
import { environmentFrom } from '../../helper/environment.js';

let root: string;
let home: string;
let manifests: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bkt-appimages-'));
  home = join(root, 'home');
  manifests = join(root, 'manifests');
  await mkdir(home);
  await mkdir(manifests);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const b64 = (name: string) => Buffer.from(name, 'utf8').toString('base64');

function githubEntry(name: string, repo: string, asset: string, prereleases: boolean) {
  return {
    b64name: b64(name),
    update_url: `https://github.com/${repo}/releases/download/*/${asset}`,
    update_url_manager: 'GithubUpdater',
    update_manager_config: { allow_prereleases: prereleases, repo_url: `https://github.com/${repo}`, repo_filename: asset },
    name,
  };
}

async function gearLever(entries: object[]) {
  const dir = join(home, '.var/app/it.mijorus.gearlever/config');
  await mkdir(dir, { recursive: true });
  const apps = Object.fromEntries(entries.map((entry) => [(entry as { b64name: string }).b64name, entry]));
  await writeFile(join(dir, 'apps.json'), JSON.stringify(apps, null, 4));
  await mkdir(join(home, 'AppImages'), { recursive: true });
  await writeFile(join(home, 'AppImages/orcaslicer.appimage'), 'AppImage');
}

async function declare(apps: object[]) {
  await writeFile(join(manifests, 'appimage-apps.json'), `${JSON.stringify({ apps }, null, 2)}\n`);
}

const check = (env: NodeJS.ProcessEnv = {}) =>
  runCheck({ manifestsDir: manifests, environment: environmentFrom({ HOME: home, PATH: process.env.PATH, ...env }), registry: [appimages], ignoreFiles: [] });

const orca = { name: 'OrcaSlicer', repo: 'OrcaSlicer/OrcaSlicer', asset: 'OrcaSlicer_Linux_AppImage_Ubuntu2404_nightly.AppImage', prereleases: true };
const keylight = { name: 'Keylight Controller', repo: 'justinforlenza/keylight-control', asset: 'Keylight_Controller-x86_64.AppImage', prereleases: false };

describe('appimages on GearLever’s files', () => {
  it('reports what GearLever lacks, updates differently, or manages beyond the manifest', async () => {
    await declare([orca, keylight, { name: 'Ferdium', repo: 'ferdium/ferdium-app', asset: 'Ferdium-*.AppImage', prereleases: true, disabled: true }, { name: 'Missing', repo: 'me/missing', asset: 'm.AppImage', prereleases: false }]);
    await gearLever([
      githubEntry(orca.name, orca.repo, orca.asset, true),
      githubEntry(keylight.name, keylight.repo, keylight.asset, true),
      githubEntry('Myrient Downloader', 'bradleyd/myrient', 'Myrient-x86_64.AppImage', false),
      { b64name: b64('Hand Made'), name: 'Hand Made', update_url: 'https://example.org/hand.AppImage', update_url_manager: 'StaticFileUpdater', update_manager_config: {} },
    ]);
    const { report } = await check();
    const section = report.domains.appimages!;
    expect(section.status).toBe('ok');
    expect(section.removals).toEqual([{ id: 'appimages:Missing', key: 'Missing', expected: 'github:me/missing m.AppImage', detail: 'in manifest, not in GearLever' }]);
    expect(section.modifications).toEqual([
      {
        id: 'appimages:Keylight Controller',
        key: 'Keylight Controller',
        expected: `github:${keylight.repo} ${keylight.asset}`,
        actual: `github:${keylight.repo} ${keylight.asset} (prereleases)`,
        data: { repo: keylight.repo, asset: keylight.asset, prereleases: true },
      },
    ]);
    expect(section.additions).toEqual([
      {
        id: 'appimages:Myrient Downloader',
        key: 'Myrient Downloader',
        actual: 'github:bradleyd/myrient Myrient-x86_64.AppImage',
        detail: 'in GearLever, not in manifest',
        data: { repo: 'bradleyd/myrient', asset: 'Myrient-x86_64.AppImage', prereleases: false },
      },
    ]);
  });

  it('finds every declared app missing when AppImages are used but GearLever has recorded none', async () => {
    await declare([orca]);
    await mkdir(join(root, 'apps'), { recursive: true });
    const { report } = await check({ BKT_APPIMAGE_DIR: join(root, 'apps') });
    expect(report.domains.appimages).toMatchObject({ status: 'ok', removals: [{ key: 'OrcaSlicer', detail: 'in manifest, not in GearLever' }] });
  });

  it('is unavailable when GearLever is not set up', async () => {
    await declare([orca]);
    const { report } = await check();
    expect(report.domains.appimages).toMatchObject({
      status: 'unavailable',
      error: `GearLever is not set up: no ${join(home, '.var/app/it.mijorus.gearlever/config/apps.json')} and no ${join(home, 'AppImages')}`,
      removals: [],
    });
  });

  it('names GearLever’s file when it cannot be read', async () => {
    await declare([orca]);
    await gearLever([]);
    await writeFile(join(home, '.var/app/it.mijorus.gearlever/config/apps.json'), '{"T3JjYVNsaWNlcg==": ');
    const { report } = await check();
    expect(report.domains.appimages?.status).toBe('error');
    expect(report.domains.appimages?.error).toMatch(new RegExp(`^appimages: ${join(home, '.var/app/it.mijorus.gearlever/config/apps.json')}: invalid JSON`));
  });

  it('leaves installing to GearLever', async () => {
    await declare([orca]);
    await gearLever([]);
    const { outcomes } = await check();
    const [outcome] = outcomes;
    expect(appimages.apply(outcome!.items[0]!, outcome!.manifest as never, environmentFrom({ HOME: home }))).toEqual({
      unsupported: `GearLever installs AppImages: open GearLever and add OrcaSlicer (github:${orca.repo} ${orca.asset} (prereleases))`,
    });
  });
});
