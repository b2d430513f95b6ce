// A private session bus for tests (../shared/recipes/session-bus.md), on which
// the real dconf-service is activated on demand, as on a desktop. HOME and the
// XDG_* variables go into the daemon's environment before it starts, so that the
// services it activates (dconf-service) write under the test's home and never
// the real one.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

export interface SessionBus {
  address: string;
  /** The environment given, with DBUS_SESSION_BUS_ADDRESS set to this bus. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Starts `dbus-daemon --session` listening at DIR/bus, with `env` as its (and its services') environment. */
export async function startSessionBus(dir: string, env: NodeJS.ProcessEnv): Promise<SessionBus> {
  const child = spawn('dbus-daemon', ['--session', `--address=unix:path=${join(dir, 'bus')}`, '--nofork', '--print-address=1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      lines.close();
      resolve(line.trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}) before printing its address:\n${log}`)));
  });
  return {
    address,
    env: { ...env, DBUS_SESSION_BUS_ADDRESS: address },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
