// A booted systemd container (../shared/recipes/systemd-container.sh): a
// Debian bookworm root built once with debootstrap and cached, booted with
// systemd-nspawn on a throwaway overlay so every boot starts pristine. Its
// real system bus is reachable from the host, its tree is at
// /proc/<leader>/root, and commands run inside it with nsenter. The host's
// node and this checkout are bound in read-only, so the real `bkt` runs on
// the container as on a machine of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';

export const REPO = resolve(import.meta.dirname, '../..');
/** Where the checkout appears inside the container. */
export const REPO_INSIDE = '/opt/bkt';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface SystemdContainer {
  /** PID (on the host) of the container's systemd, PID 1 inside. */
  leaderPid: number;
  /** The container's tree as the host sees it. */
  tree: string;
  /** The container's system bus, for DBUS_SYSTEM_BUS_ADDRESS on the host. */
  busAddress: string;
  /** Runs a command inside the container (all its namespaces), as root unless `user` is given. */
  exec(command: readonly string[], options?: { user?: number; env?: Record<string, string> }): Promise<ExecResult>;
  /** Writes a file inside the container. */
  write(path: string, text: string): Promise<void>;
  stop(): Promise<void>;
}

const INSIDE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BKT_TEST_CACHE || '/var/cache/bkt-drift-test';
}

/** Why a container cannot boot here, or undefined when it can. */
export function containerUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const tool of ['systemd-nspawn', 'debootstrap', 'nsenter']) {
    if (!INSIDE_PATH.split(':').some((dir) => existsSync(join(dir, tool)))) return `${tool} is not installed`;
  }
  return undefined;
}

function debianMirror(): string {
  const dir = '/etc/apt/sources.list.d';
  for (const file of existsSync(dir) ? readdirSync(dir) : []) {
    if (!file.endsWith('.sources')) continue;
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const uri = /^URIs:\s*(\S+)/.exec(line)?.[1];
      if (uri && !uri.includes('security')) return uri;
    }
  }
  return 'http://deb.debian.org/debian';
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** The cached root, built on first use (about a minute); concurrent test runs wait for one build. */
export async function ensureRootfs(cache = cacheDir()): Promise<string> {
  const rootfs = join(cache, 'rootfs');
  const lock = join(cache, 'rootfs.lock');
  await mkdir(cache, { recursive: true });
  for (;;) {
    if (existsSync(join(rootfs, 'lib/systemd/systemd'))) return rootfs;
    try {
      await mkdir(lock);
    } catch {
      const holder = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (holder && !alive(holder)) await rm(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 1_000));
      continue;
    }
    try {
      await writeFile(join(lock, 'pid'), String(process.pid));
      const partial = join(cache, 'rootfs.partial');
      await rm(partial, { recursive: true, force: true });
      await execa('debootstrap', ['--variant=minbase', '--include=systemd,systemd-sysv,dbus', 'bookworm', partial, debianMirror()], {
        stdio: 'ignore',
        timeout: 900_000,
      });
      await rename(partial, rootfs);
    } finally {
      await rm(join(lock, 'pid'), { force: true });
      await rmdir(lock);
    }
  }
}

async function run(command: string, args: readonly string[], env?: Record<string, string>): Promise<ExecResult> {
  const result = await execa(command, args, { reject: false, env: env ?? {}, extendEnv: false, timeout: 120_000 });
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1 };
}

export async function bootContainer(): Promise<SystemdContainer> {
  const rootfs = await ensureRootfs();
  const name = `bkt-test-${process.pid}`;
  const child: ChildProcess = spawn(
    'systemd-nspawn',
    [
      '-D', rootfs, '-b', '--register=no', '--keep-unit', '-M', name, '--volatile=overlay', '--console=read-only',
      `--bind-ro=${process.execPath}:/usr/local/bin/node`, `--bind-ro=${REPO}:${REPO_INSIDE}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    }
  };

  let leaderPid = 0;
  const deadline = Date.now() + 60_000;
  while (!leaderPid) {
    if (child.exitCode !== null) throw new Error(`systemd-nspawn exited (${child.exitCode}):\n${log}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the container did not start within 60 s:\n${log}`);
    }
    const found = await run('pgrep', ['-P', String(child.pid), '-x', 'systemd'], { PATH: INSIDE_PATH });
    const pid = Number(found.stdout.trim().split('\n')[0] || 0);
    // Up once its system bus listens; is-system-running --wait below waits for the boot to finish.
    if (pid && existsSync(`/proc/${pid}/root/run/dbus/system_bus_socket`)) leaderPid = pid;
    else await new Promise((r) => setTimeout(r, 100));
  }
  const tree = `/proc/${leaderPid}/root`;
  const container: SystemdContainer = {
    leaderPid,
    tree,
    busAddress: `unix:path=${tree}/run/dbus/system_bus_socket`,
    exec(command, options = {}) {
      const user = options.user === undefined ? [] : ['setpriv', `--reuid=${options.user}`, `--regid=${options.user}`, '--clear-groups', '--'];
      return run('nsenter', ['-t', String(leaderPid), '-a', '--', 'env', '-i', `PATH=${INSIDE_PATH}`, 'LANG=C.UTF-8', `HOME=${options.user === undefined ? '/root' : '/tmp'}`, ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`), ...user, ...command], {
        PATH: INSIDE_PATH,
      });
    },
    async write(path, text) {
      await mkdir(join(tree, path, '..'), { recursive: true });
      await writeFile(join(tree, path), text);
    },
    stop,
  };
  const running = await container.exec(['systemctl', 'is-system-running', '--wait']);
  if (!/running|degraded/.test(running.stdout)) {
    await stop();
    throw new Error(`the container's systemd did not come up (${running.stdout.trim()} ${running.stderr.trim()}):\n${log}`);
  }
  return container;
}
