// A real `systemd --user` manager for tests of the systemd D-Bus client
// (../shared/recipes/systemd-user.sh): not PID 1, in a private mount namespace
// whose /run/systemd/system makes it believe the system was booted with
// systemd. It owns its own session bus at $XDG_RUNTIME_DIR/bus.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface UserManager {
  /** The bus address the manager answers on. */
  address: string;
  /** Where unit files go, as a package would put them for this user. */
  unitDir: string;
  /** HOME, XDG_* and the bus address, for `systemctl --user` and `busctl --user`. */
  env: NodeJS.ProcessEnv;
  pid: number;
  /** Runs `systemctl --user ARGS` against this manager. */
  systemctl(...args: string[]): Promise<{ stdout: string; exitCode: number }>;
  stop(): Promise<void>;
}

const SYSTEMD = '/lib/systemd/systemd';

/** Why a user manager cannot run here, or undefined when it can. */
export function userManagerUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for a private mount namespace';
  if (!existsSync(SYSTEMD)) return `${SYSTEMD} is not installed`;
  if (!existsSync('/run/systemd')) return '/run/systemd does not exist to mount over';
  return undefined;
}

export async function startUserManager(): Promise<UserManager> {
  const root = await mkdtemp(join(tmpdir(), 'bkt-systemd-user-'));
  const home = join(root, 'home');
  const runtime = join(root, 'xdg');
  await mkdir(home, { recursive: true });
  await mkdir(runtime, { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(runtime, 'bus')}`,
  };
  const unitDir = join(home, '.local/share/systemd/user');
  await mkdir(unitDir, { recursive: true });
  const script = `mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/system && exec ${SYSTEMD} --user --log-target=console --log-level=info`;
  const child: ChildProcess = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const manager: UserManager = {
    address: env.DBUS_SESSION_BUS_ADDRESS as string,
    unitDir,
    env,
    pid: child.pid as number,
    async systemctl(...args) {
      const result = await execa('systemctl', ['--user', ...args], { env, extendEnv: false, reject: false });
      return { stdout: result.stdout, exitCode: result.exitCode ?? -1 };
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(root, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`systemd --user exited (${child.exitCode}):\n${log}`);
    const probe = await execa('busctl', ['--user', 'get-property', 'org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager', 'SystemState'], {
      env,
      extendEnv: false,
      reject: false,
    });
    if (probe.exitCode === 0 && /running|degraded/.test(probe.stdout)) return manager;
    if (Date.now() > deadline) {
      await manager.stop();
      throw new Error(`systemd --user did not come up within 20 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
