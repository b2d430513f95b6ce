// Writes the synthetic desktop (bench/synthetic.ts) to a temp directory, with
// real components: compiled gsettings schemas and a dconf database behind
// dconf-service on a private session bus; a flatpak user installation whose
// first app is built and installed by flatpak itself and whose other apps are
// copies of its deployment under their own ids, commits and refs (the layout
// `flatpak --user install` writes, so `flatpak list` lists them all); and an
// offline systemd root tree as `systemctl --root` reads it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runProcess } from '../helper/run.js';
import {
  BRANCH,
  ISSUE_SIZE,
  REMOTE,
  dconfKeyfile,
  manifests,
  schemaFiles,
  syntheticApps,
  syntheticKeys,
  syntheticUnits,
  unitFile,
  type DesktopSize,
  type SyntheticApps,
  type SyntheticKey,
  type SyntheticUnit,
} from './synthetic.js';

export interface Desktop {
  dir: string;
  /** The environment of every process that reads the desktop: HOME, XDG_*, the bus, the schemas. */
  env: NodeJS.ProcessEnv;
  manifests: string;
  /** The offline systemd root tree (`--root`). */
  root: string;
  keys: SyntheticKey[];
  apps: SyntheticApps;
  units: SyntheticUnit[];
  /** Stops the session bus (and with it dconf-service) and removes the directory. */
  close(): Promise<void>;
}

/** The desktop could not be built: the bench has nothing to measure. */
export class DesktopBuildFailed extends Error {
  override name = 'DesktopBuildFailed';
}

const ARCH = 'x86_64';
const RUNTIME = 'org.example.Platform';
/** Where the installation's remote points; only its name and URL are read, nothing is fetched. */
const REMOTE_URL = 'https://dl.flathub.org/repo/';

export async function buildDesktop(size: DesktopSize = ISSUE_SIZE): Promise<Desktop> {
  const dir = await mkdtemp(join(tmpdir(), 'bkt-bench-'));
  const home = join(dir, 'home');
  const dataDir = join(dir, 'data');
  const schemasDir = join(dataDir, 'glib-2.0', 'schemas');
  const runtimeDir = join(dir, 'runtime');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_DATA_DIRS: [dataDir, '/usr/local/share', '/usr/share'].join(':'),
    GSETTINGS_SCHEMA_DIR: schemasDir,
    NO_COLOR: '1',
    // bin/bkt starts the `node` on PATH: the one running the bench.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  };
  delete env.GSETTINGS_BACKEND;
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.FLATPAK_USER_DIR;
  delete env.BKT_MANIFESTS;
  // A desktop session does not set it, and Node 20 reads and parses the whole
  // file when it starts, before any script runs (this machine kind points it at
  // the system's 144 CAs: 40-85 ms). The bench times the check with it apart
  // (main.ts); bin/bkt starts Node without it.
  delete env.NODE_EXTRA_CA_CERTS;

  let bus: ChildProcess | undefined;
  const close = async () => {
    if (bus && bus.exitCode === null && bus.signalCode === null) {
      const exited = new Promise((resolve) => bus?.once('exit', resolve));
      bus.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await mkdir(home, { recursive: true });
    await mkdir(runtimeDir, { mode: 0o700 });
    const keys = syntheticKeys(size);
    const apps = syntheticApps(size);
    const units = syntheticUnits(size);

    await writeSchemas(schemasDir, keys);
    const started = await startSessionBus(dir, env);
    bus = started.process;
    env.DBUS_SESSION_BUS_ADDRESS = started.address;
    await loadDconf(keys, env);
    await buildFlatpakInstallation(join(dir, 'flatpak-build'), apps, env);
    const root = join(dir, 'root');
    await writeSystemdRoot(root, units);
    const manifestsDir = join(dir, 'manifests');
    await mkdir(manifestsDir);
    for (const [file, text] of manifests(keys, apps, units)) await writeFile(join(manifestsDir, file), text);
    return { dir, env, manifests: manifestsDir, root, keys, apps, units, close };
  } catch (error) {
    await close();
    throw error instanceof DesktopBuildFailed ? error : new DesktopBuildFailed(`cannot build the synthetic desktop: ${(error as Error).message}`);
  }
}

async function writeSchemas(schemasDir: string, keys: readonly SyntheticKey[]): Promise<void> {
  await mkdir(schemasDir, { recursive: true });
  for (const [file, text] of schemaFiles(keys)) await writeFile(join(schemasDir, file), text);
  await runProcess('glib-compile-schemas', ['--strict', schemasDir]);
}

/** A private session bus; dconf-service is activated on it with the desktop's environment. */
async function startSessionBus(dir: string, env: NodeJS.ProcessEnv): Promise<{ process: ChildProcess; address: string }> {
  const child = spawn('dbus-daemon', ['--session', `--address=unix:path=${join(dir, 'bus')}`, '--nofork', '--print-address=1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', (error) => reject(new DesktopBuildFailed(`dbus-daemon: ${error.message}`)));
    child.once('exit', (code) => reject(new DesktopBuildFailed(`dbus-daemon exited (${code}) before printing its address: ${err.trim()}`)));
  });
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  return { process: child, address };
}

async function loadDconf(keys: readonly SyntheticKey[], env: NodeJS.ProcessEnv): Promise<void> {
  await runProcess('dconf', ['load', '/'], { env, input: dconfKeyfile(keys) });
  const probe = keys.find((k) => k.dconf !== undefined);
  if (!probe) return;
  const { stdout } = await runProcess('gsettings', ['get', probe.schema, probe.key], { env });
  if (stdout.trim() !== probe.live) {
    throw new DesktopBuildFailed(`dconf did not take the loaded values: gsettings get ${probe.schema} ${probe.key} printed ${stdout.trim()}, expected ${probe.live}`);
  }
}

/**
 * One real runtime and app built offline and installed `--user` by flatpak
 * (as in the recipe flatpak-local.sh), then the app's deployment copied for
 * every other id with its own commit, metadata, exports and refs.
 */
async function buildFlatpakInstallation(work: string, apps: SyntheticApps, env: NodeJS.ProcessEnv): Promise<void> {
  const [first, ...others] = apps.installed;
  if (first === undefined) return;
  const repo = join(work, 'repo');
  const runtime = join(work, 'runtime');
  const app = join(work, 'app');
  await mkdir(join(runtime, 'files', 'bin'), { recursive: true });
  await writeFile(join(runtime, 'metadata'), `[Runtime]\nname=${RUNTIME}\nruntime=${RUNTIME}/${ARCH}/1\nsdk=${RUNTIME}/${ARCH}/1\n`);
  await copyFile('/bin/dash', join(runtime, 'files', 'bin', 'sh'));
  await runProcess('flatpak', ['build-export', '--runtime', '--files=files', '--no-update-summary', repo, runtime, '1'], { env });
  await mkdir(join(app, 'files', 'bin'), { recursive: true });
  await writeFile(join(app, 'metadata'), `[Application]\nname=${first}\nruntime=${RUNTIME}/${ARCH}/1\nsdk=${RUNTIME}/${ARCH}/1\n`);
  await writeFile(join(app, 'files', 'bin', 'hello'), '#!/bin/sh\necho "hello from $FLATPAK_ID"\n', { mode: 0o755 });
  await runProcess('flatpak', ['build-finish', '--command=hello', app], { env });
  await runProcess('flatpak', ['build-export', '--no-update-summary', repo, app, BRANCH], { env });
  await runProcess('flatpak', ['build-update-repo', repo], { env });
  await runProcess('flatpak', ['--user', 'remote-add', '--no-gpg-verify', REMOTE, `file://${repo}`], { env });
  await runProcess('flatpak', ['--user', 'install', '-y', '--noninteractive', REMOTE, `${RUNTIME}//1`, `${first}//${BRANCH}`], { env });
  await runProcess('flatpak', ['--user', 'remote-modify', `--url=${REMOTE_URL}`, REMOTE], { env });

  const installation = join(env.XDG_DATA_HOME as string, 'flatpak');
  const template = join(installation, 'app', first, ARCH, BRANCH);
  const templateCommit = await readlink(join(template, 'active'));
  const deploy = await readFile(join(template, 'active', 'deploy'));
  if (deploy.indexOf(templateCommit) < 0) throw new DesktopBuildFailed(`${join(template, 'active', 'deploy')} does not hold the commit ${templateCommit}`);
  const metadata = await readFile(join(template, 'active', 'metadata'), 'utf8');
  await Promise.all(others.map((id) => cloneApp(installation, template, templateCommit, deploy, metadata, first, id)));
  await writeFile(join(installation, '.changed'), '');

  const { stdout } = await runProcess('flatpak', ['--user', 'list', '--app', '--columns=application'], { env });
  const listed = stdout.split('\n').filter(Boolean).length;
  if (listed !== apps.installed.length) throw new DesktopBuildFailed(`flatpak --user list shows ${listed} apps, expected ${apps.installed.length}`);
}

async function cloneApp(installation: string, template: string, templateCommit: string, deploy: Buffer, metadata: string, templateId: string, id: string): Promise<void> {
  const commit = createHash('sha256').update(id).digest('hex');
  const branchDir = join(installation, 'app', id, ARCH, BRANCH);
  const deployDir = join(branchDir, commit);
  await mkdir(branchDir, { recursive: true });
  await cp(join(template, templateCommit), deployDir, { recursive: true, verbatimSymlinks: true });
  // The commit is the same length as the template's, so the deploy GVariant's offsets stay valid.
  await writeFile(join(deployDir, 'deploy'), Buffer.from(deploy.toString('latin1').replace(templateCommit, commit), 'latin1'));
  await rm(join(deployDir, 'metadata'));
  await writeFile(join(deployDir, 'metadata'), metadata.replaceAll(templateId, id));
  await rename(join(deployDir, 'export', 'bin', templateId), join(deployDir, 'export', 'bin', id));
  await symlink(commit, join(branchDir, 'active'));
  await symlink(`${ARCH}/${BRANCH}`, join(installation, 'app', id, 'current'));
  await symlink(`../../app/${id}/current/active/export/bin/${id}`, join(installation, 'exports', 'bin', id));
  for (const refs of [join('remotes', REMOTE), join('heads', 'deploy')]) {
    const ref = join(installation, 'repo', 'refs', refs, 'app', id, ARCH);
    await mkdir(ref, { recursive: true });
    await writeFile(join(ref, BRANCH), `${commit}\n`);
  }
}

/** Unit files under usr/lib, enablement links and masks under etc, as packages and `systemctl` leave them. */
export async function writeSystemdRoot(root: string, units: readonly SyntheticUnit[]): Promise<void> {
  const vendor = join(root, 'usr', 'lib', 'systemd', 'system');
  const admin = join(root, 'etc', 'systemd', 'system');
  const wants = join(admin, 'multi-user.target.wants');
  await mkdir(vendor, { recursive: true });
  await mkdir(wants, { recursive: true });
  for (const unit of units) {
    await writeFile(join(vendor, unit.name), unitFile(unit));
    if (unit.state === 'enabled') await symlink(`/usr/lib/systemd/system/${unit.name}`, join(wants, unit.name));
    if (unit.state === 'masked') await symlink('/dev/null', join(admin, unit.name));
  }
}
