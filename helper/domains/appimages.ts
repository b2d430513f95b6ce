// AppImages, as GearLever (it.mijorus.gearlever) keeps them. The manifest
// declares where each app updates from (a GitHub repository, a release asset
// pattern, whether prereleases count); GearLever records the same in its
// apps.json, keyed by the base64 of the app's name, and puts the files in its
// AppImage directory (~/AppImages unless changed in its preferences).
//
// Drift:
// - removal: an app the manifest declares that GearLever does not know;
// - modification: an app GearLever knows with another repository, asset
//   pattern or prerelease choice, or that it updates from somewhere other than
//   GitHub;
// - addition: an app GearLever updates from GitHub releases that the manifest
//   does not declare.
// Not drift:
// - an app marked `disabled`: the user has taken it out of bkt's hands, so
//   neither its absence nor its presence in GearLever says anything;
// - an app GearLever knows without a GitHub update source (a file the user
//   integrated by hand, or one updated from a plain URL): the manifest can only
//   declare GitHub releases, so such an app would be drift the user could only
//   ever ignore.
// The AppImage directory only tells whether AppImages are used here at all:
// file names are GearLever's slugs of the names and cannot be matched back.
import { readFile, stat } from '../fs-async.js';
import { dirname, join } from 'node:path';
import * as z from 'zod/mini';
import { DomainError, DomainUnavailable, driftItem, type Domain, type DriftItem, type Environment, type ManifestEdit } from '../domain.js';

const AppImageApp = z.looseObject({
  name: z.string().check(z.minLength(1)),
  repo: z.string().check(z.regex(/^[^/\s]+\/[^/\s]+$/, 'a repo is "owner/name" on GitHub')),
  asset: z.string().check(z.minLength(1)),
  prereleases: z.optional(z.boolean()),
  disabled: z.optional(z.boolean()),
});
const AppImagesManifest = z.looseObject({ $schema: z.optional(z.string()), apps: z.array(AppImageApp) });
type AppImagesManifest = z.infer<typeof AppImagesManifest>;

/** Where GearLever fetches an app's updates from. */
type UpdateSource = { repo: string; asset: string; prereleases: boolean } | { other: string };

/** GearLever's apps by name. */
export type LiveAppImages = Map<string, UpdateSource>;

const gearLeverAppsFile = (env: Environment): string => join(env.home, '.var/app/it.mijorus.gearlever/config/apps.json');
const appImageDirectory = (env: Environment): string => env.env.BKT_APPIMAGE_DIR || join(env.home, 'AppImages');

const GITHUB = 'https://github.com/';

/** GearLever's apps.json (an object of entries keyed by base64 name) as update sources by name. */
export function parseGearLeverApps(file: string, text: string): LiveAppImages {
  let value: unknown;
  try {
    value = JSON.parse(text || '{}');
  } catch (error) {
    throw new DomainError(`${file}: invalid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DomainError(`${file}: expected an object of apps keyed by base64 name`);
  const live: LiveAppImages = new Map();
  for (const [key, raw] of Object.entries(value)) {
    const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const name = typeof entry.name === 'string' ? entry.name : Buffer.from(key, 'base64').toString('utf8');
    const config = (typeof entry.update_manager_config === 'object' && entry.update_manager_config !== null ? entry.update_manager_config : {}) as Record<string, unknown>;
    const repoUrl = typeof config.repo_url === 'string' ? config.repo_url.replace(/\/+$/, '') : '';
    if (entry.update_url_manager === 'GithubUpdater' && repoUrl.startsWith(GITHUB) && typeof config.repo_filename === 'string') {
      live.set(name, { repo: repoUrl.slice(GITHUB.length), asset: config.repo_filename, prereleases: config.allow_prereleases === true });
    } else if (typeof entry.update_url === 'string' && entry.update_url) {
      live.set(name, { other: `${typeof entry.update_url_manager === 'string' ? entry.update_url_manager : 'updates'} from ${entry.update_url}` });
    }
  }
  return live;
}

type Declared = AppImagesManifest['apps'][number];

const describe = (app: { repo: string; asset: string; prereleases?: boolean | undefined }) =>
  `github:${app.repo} ${app.asset}${app.prereleases ? ' (prereleases)' : ''}`;

const sameRepo = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function compareAppImages(manifest: AppImagesManifest, live: LiveAppImages): DriftItem[] {
  const items: DriftItem[] = [];
  const declared = new Set<string>();
  for (const app of manifest.apps) {
    declared.add(app.name);
    if (app.disabled) continue;
    const source = live.get(app.name);
    if (!source) {
      items.push(driftItem('appimages', app.name, { kind: 'removal', expected: describe(app), detail: 'in manifest, not in GearLever' }));
    } else if ('other' in source) {
      items.push(driftItem('appimages', app.name, { kind: 'modification', expected: describe(app), actual: source.other, detail: 'GearLever does not update it from GitHub' }));
    } else if (!sameRepo(app.repo, source.repo) || app.asset !== source.asset || (app.prereleases ?? false) !== source.prereleases) {
      items.push(driftItem('appimages', app.name, { kind: 'modification', expected: describe(app), actual: describe(source), data: { ...source } }));
    }
  }
  for (const [name, source] of live) {
    if (declared.has(name) || 'other' in source) continue;
    items.push(driftItem('appimages', name, { kind: 'addition', actual: describe(source), detail: 'in GearLever, not in manifest', data: { ...source } }));
  }
  return items;
}

function liveSource(item: DriftItem): { repo: string; asset: string; prereleases: boolean } {
  const data = item.data ?? {};
  if (typeof data.repo !== 'string' || typeof data.asset !== 'string') {
    throw new DomainError(`${item.key}: GearLever does not update it from GitHub releases (${item.actual ?? 'no update source'}), which is all the manifest can declare`);
  }
  return { repo: data.repo, asset: data.asset, prereleases: data.prereleases === true };
}

export function captureAppImages(item: DriftItem, manifest: AppImagesManifest): ManifestEdit[] {
  const index = manifest.apps.findIndex((app) => app.name === item.key);
  const app: Declared | undefined = manifest.apps[index];
  if (item.kind === 'addition') {
    const source = liveSource(item);
    return [{ op: 'insert', path: ['apps'], value: { name: item.key, ...source }, sortKey: (entry) => String((entry as { name?: unknown }).name ?? '') }];
  }
  if (!app) return [];
  if (item.kind === 'removal') return [{ op: 'remove', path: ['apps', index] }];
  const source = liveSource(item);
  const edits: ManifestEdit[] = [];
  if (app.repo !== source.repo) edits.push({ op: 'set', path: ['apps', index, 'repo'], value: source.repo });
  if (app.asset !== source.asset) edits.push({ op: 'set', path: ['apps', index, 'asset'], value: source.asset });
  if ((app.prereleases ?? false) !== source.prereleases) edits.push({ op: 'set', path: ['apps', index, 'prereleases'], value: source.prereleases });
  return edits;
}

export const appimages: Domain<AppImagesManifest, LiveAppImages> = {
  name: 'appimages',
  title: 'AppImages',
  file: 'appimage-apps.json',
  schema: AppImagesManifest,

  async collect(env) {
    const file = gearLeverAppsFile(env);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new DomainError(`${file}: ${(error as Error).message}`);
      const directory = appImageDirectory(env);
      const used = await stat(directory).then((s) => s.isDirectory(), () => false);
      if (!used) throw new DomainUnavailable(`GearLever is not set up: no ${file} and no ${directory}`);
      // AppImages are in use but GearLever has recorded no app yet.
      return new Map();
    }
    return parseGearLeverApps(file, text);
  },

  compare: (manifest, live) => compareAppImages(manifest.value, live),
  capture: (item, manifest) => captureAppImages(item, manifest.value),

  apply(item) {
    if (item.kind === 'removal') return { unsupported: `GearLever installs AppImages: open GearLever and add ${item.key} (${item.expected})` };
    if (item.kind === 'addition') return { unsupported: `GearLever installs AppImages: open GearLever to remove ${item.key}` };
    return { unsupported: `GearLever installs AppImages: open GearLever and set ${item.key} to update from ${item.expected}` };
  },

  watch: (env) => ({ paths: [dirname(gearLeverAppsFile(env)), appImageDirectory(env)] }),
};
