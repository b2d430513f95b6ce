// A private desktop session for tests: a temp home with its XDG directories, a
// session bus of its own (dbus-daemon, on which the real dconf-service is
// activated on demand, as on a desktop), and optionally GSettings schemas
// compiled with glib-compile-schemas. The variables are set before the bus
// starts, so the services it activates write under the temp home, never the
// real one (../shared/recipes/gsettings.md).
import { spawn, execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface PrivateSession {
  /** The temp directory holding everything: home/, runtime/, schemas/, bus. */
  dir: string;
  /** HOME, XDG_*, DBUS_SESSION_BUS_ADDRESS (and GSETTINGS_SCHEMA_DIR with schemas): hand it to child processes. */
  env: NodeJS.ProcessEnv;
  /** Stops the bus (dconf-service leaves with it) and removes the directory. */
  stop(): Promise<void>;
}

export interface SessionOptions {
  /** Schema files to compile, by file name (`org.example.gschema.xml`), into DIR/schemas. */
  schemas?: Record<string, string>;
}

/** Writes the schema files into `dir` and compiles them strictly; throws with glib-compile-schemas' message. */
export async function compileSchemas(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all(Object.entries(files).map(([name, xml]) => writeFile(join(dir, name), xml)));
  try {
    await execFileAsync('glib-compile-schemas', ['--strict', dir]);
  } catch (error) {
    throw new Error(`glib-compile-schemas ${dir}: ${(error as { stderr?: string }).stderr || (error as Error).message}`);
  }
}

/** Starts a private session in a new temp directory. */
export async function startPrivateSession(options: SessionOptions = {}): Promise<PrivateSession> {
  const dir = await mkdtemp(join(tmpdir(), 'bkt-session-'));
  const home = join(dir, 'home');
  const runtime = join(dir, 'runtime');
  await mkdir(join(home, '.config'), { recursive: true });
  await mkdir(runtime, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_DATA_DIRS: '/usr/local/share:/usr/share',
    XDG_RUNTIME_DIR: runtime,
  };
  if (options.schemas) {
    env.GSETTINGS_SCHEMA_DIR = join(dir, 'schemas');
    await compileSchemas(env.GSETTINGS_SCHEMA_DIR, options.schemas);
  }
  try {
    const bus = await startBus(join(dir, 'bus'), env);
    return {
      dir,
      env: { ...env, DBUS_SESSION_BUS_ADDRESS: bus.address },
      async stop() {
        await bus.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A long-lived `dbus-daemon --session` at `socket`: cheaper than dbus-run-session per command. */
async function startBus(socket: string, env: NodeJS.ProcessEnv): Promise<{ address: string; stop(): Promise<void> }> {
  const child = spawn('dbus-daemon', ['--session', `--address=unix:path=${socket}`, '--nofork', '--print-address=1'], {
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
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
