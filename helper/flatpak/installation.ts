// Reading flatpak installations from disk, in bulk and in process: a few
// directory listings and one small file per installed app, never one `flatpak`
// process per app. What is read here is what flatpak itself writes (checked
// against a real installation built by test/harness/flatpak.ts):
//
//   <installation>/app/<id>/<arch>/<branch>/active   symlink to the deployed commit
//   <installation>/app/<id>/<arch>/<branch>/active/deploy   GVariant (ssasta{sv}): origin, commit, ...
//   <installation>/repo/config   keyfile, one `[remote "NAME"]` group per remote
//   <installation>/overrides/<id>   keyfile written by `flatpak override`
//   <installation>/.changed   touched by flatpak after every change
import { access, readFile } from '../fs-async.js';
import { closeSync, constants, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { fileStamp, readCache, writeCache } from '../cache.js';
import { commandOnPath } from '../command-path.js';
import { parseKeyfile } from '../keyfile.js';
import { DomainUnavailable, type Environment } from '../domain.js';
import { inRoot } from '../environment.js';

export type Scope = 'system' | 'user';

export interface Installation {
  scope: Scope;
  path: string;
}

/** One deployed app in one installation. */
export interface InstalledApp {
  id: string;
  scope: Scope;
  arch: string;
  branch: string;
  /** The remote it was installed from (flatpak's "origin"). */
  origin: string;
  /** The deployed commit (64 hex digits). */
  commit: string;
}

export interface ConfiguredRemote {
  name: string;
  scope: Scope;
  url: string;
  /** The remote has an `xa.filter` file limiting what it offers. */
  filtered: boolean;
}

/**
 * The user and system installations, where flatpak itself looks: FLATPAK_USER_DIR
 * and FLATPAK_SYSTEM_DIR override the defaults, as they do for flatpak. The
 * system default lives in the checked root; an override names a path on this machine.
 */
export function installationOf(env: Environment, scope: Scope): Installation {
  const path = scope === 'system' ? env.env.FLATPAK_SYSTEM_DIR || inRoot(env, '/var/lib/flatpak') : env.env.FLATPAK_USER_DIR || join(env.xdgDataHome, 'flatpak');
  return { scope, path };
}

export const installations = (env: Environment): Installation[] => [installationOf(env, 'system'), installationOf(env, 'user')];

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

/**
 * The installations that exist on disk (none is fine where flatpak is
 * installed: nothing is installed yet). Throws DomainUnavailable when there is
 * neither an installation nor a flatpak command.
 */
export async function existingInstallations(env: Environment): Promise<Installation[]> {
  const all = installations(env);
  const present = await Promise.all(all.map((i) => exists(i.path)));
  const found = all.filter((_, index) => present[index]);
  if (!found.length && !commandOnPath('flatpak', env.env)) {
    throw new DomainUnavailable(`no flatpak installation (${all.map((i) => i.path).join(', ')}) and no flatpak command`);
  }
  return found;
}

function subdirectories(path: string): string[] {
  try {
    // `current` beside the arch directories is a symlink: only real directories count.
    return readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * The origin and commit recorded in a deploy file. The file is a GVariant tuple
 * (ssasta{sv}); its first two members are strings, which GVariant serialises
 * unaligned and NUL-terminated from offset 0, so they are read without a
 * GVariant parser.
 */
export function deployHead(deploy: Uint8Array): { origin: string; commit: string } | undefined {
  const originEnd = deploy.indexOf(0);
  const commitEnd = originEnd < 0 ? -1 : deploy.indexOf(0, originEnd + 1);
  if (originEnd <= 0 || commitEnd < 0) return undefined;
  // A view, not a copy, of the bytes to decode.
  const text = (start: number, end: number) => Buffer.from(deploy.buffer, deploy.byteOffset + start, end - start).toString('utf8');
  return { origin: text(0, originEnd), commit: text(originEnd + 1, commitEnd) };
}

/**
 * The apps deployed in one installation, every arch (runtimes are not apps and
 * are not read). Synchronous on purpose: these are hundreds of tiny metadata
 * calls, and without the thread pool's round trips they run several times
 * faster (300 apps: 10 to 30 ms, against 60 to 90 ms with fs/promises, measured
 * on a loaded 2-core machine). Paths below the normalised app directory are
 * concatenated, not joined: the names come from readdir (no '/', no '.' or
 * '..'), so the result is what join gives, and normalising 1,200 paths was a
 * tenth of the time.
 */
export function readInstalledApps(installation: Installation): InstalledApp[] {
  const appDir = join(installation.path, 'app');
  const apps: InstalledApp[] = [];
  for (const id of subdirectories(appDir)) {
    const idDir = `${appDir}/${id}`;
    for (const arch of subdirectories(idDir)) {
      const archDir = `${idDir}/${arch}`;
      for (const branch of subdirectories(archDir)) {
        const app = readDeployed(installation, `${archDir}/${branch}/active/deploy`, id, arch, branch);
        if (app) apps.push(app);
      }
    }
  }
  return apps;
}

// ---------------------------------------------------------------------------
// The apps of the last scan, kept between checks

/**
 * What says an installation is as it was: flatpak touches `<installation>/.changed`
 * at the end of every install, update, uninstall and remote change (it is what
 * FlatpakInstallation's own monitor watches), and `app/` changes when an app
 * directory comes or goes by any other hand.
 */
function stampOf(installation: Installation): string | undefined {
  const changed = fileStamp(join(installation.path, '.changed'));
  const apps = fileStamp(join(installation.path, 'app'));
  return changed === undefined || apps === undefined ? undefined : `${changed} ${apps}`;
}

const APPS_CACHE = 'flatpak-apps.json';
const APPS_CACHE_VERSION = 1;
type AppsCache = { version: number; installations: Record<string, { stamp: string; apps: InstalledApp[] }> };

function readAppsCache(cacheDir: string): AppsCache {
  const cache = readCache(cacheDir, APPS_CACHE) as Partial<AppsCache> | undefined;
  if (cache?.version === APPS_CACHE_VERSION && typeof cache.installations === 'object' && cache.installations !== null) return cache as AppsCache;
  return { version: APPS_CACHE_VERSION, installations: {} };
}

/**
 * readInstalledApps for each installation, through `cacheDir`/flatpak-apps.json:
 * an installation whose stamp is unchanged since its last scan is not scanned
 * again (300 apps: ~1,500 file system calls, 15-20 ms of a check, replaced by
 * two stats). A cache that cannot be written only costs the next check a scan.
 */
export function readInstalledAppsCached(present: Installation[], cacheDir: string): InstalledApp[] {
  const cache = readAppsCache(cacheDir);
  let changed = false;
  const apps = present.flatMap((installation) => {
    const stamp = stampOf(installation);
    const kept = cache.installations[installation.path];
    if (stamp !== undefined && kept?.stamp === stamp) return kept.apps;
    const scanned = readInstalledApps(installation);
    if (stamp !== undefined) {
      cache.installations[installation.path] = { stamp, apps: scanned };
      changed = true;
    }
    return scanned;
  });
  if (changed) writeCache(cacheDir, APPS_CACHE, cache);
  return apps;
}

// The origin and commit open the deploy file. The origin is a remote name,
// which ostree keeps as a directory name (at most 255 bytes), and the commit is
// 64 hex digits, so one read of this size holds both: open/read/close instead
// of readFileSync's open/fstat/read/close (300 apps: ~3 ms less).
const HEAD_BYTES = 512;
const headBuffer = Buffer.allocUnsafe(HEAD_BYTES);

function readDeployHead(path: string): { origin: string; commit: string } | undefined {
  const fd = openSync(path, 'r');
  try {
    return deployHead(headBuffer.subarray(0, readSync(fd, headBuffer, 0, HEAD_BYTES, 0)));
  } finally {
    closeSync(fd);
  }
}

function readDeployed(installation: Installation, path: string, id: string, arch: string, branch: string): InstalledApp | undefined {
  let head: { origin: string; commit: string } | undefined;
  try {
    head = readDeployHead(path);
  } catch (error) {
    // A branch without an active deployment is half installed or half removed: flatpak does not list it either.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (!head) throw new Error(`${path}: not a flatpak deploy file (no origin and commit at its start)`);
  return { id, scope: installation.scope, arch, branch, ...head };
}

const REMOTE_GROUP = /^remote "(.+)"$/;

/** The remotes configured in a repo/config keyfile. */
export function remotesOfConfig(text: string, scope: Scope): ConfiguredRemote[] {
  const remotes: ConfiguredRemote[] = [];
  for (const [group, keys] of parseKeyfile(text, { unescape: true })) {
    const name = REMOTE_GROUP.exec(group)?.[1];
    if (name === undefined) continue;
    remotes.push({ name, scope, url: keys.get('url') ?? '', filtered: Boolean(keys.get('xa.filter')) });
  }
  return remotes;
}

/** The remotes of one installation; none when it has no repo yet. */
export async function readRemotes(installation: Installation): Promise<ConfiguredRemote[]> {
  const path = join(installation.path, 'repo', 'config');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  return remotesOfConfig(text, installation.scope);
}

/** The text of `overrides/<id>` in an installation, or undefined when the app has no overrides there. */
export async function readOverridesFile(installation: Installation, id: string): Promise<string | undefined> {
  try {
    return await readFile(join(installation.path, 'overrides', id), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${join(installation.path, 'overrides', id)}: ${(error as Error).message}`);
  }
}

/** The `--user` / `--system` option of a flatpak command. */
export const scopeOption = (scope: Scope) => `--${scope}`;
