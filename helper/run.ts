// The edge to external programs. Every domain gets a Runner from its
// Environment so that the command line, the helper and the tests share one way
// of starting processes, with errors that name the command.
import type { ExecFileException } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Non-zero exits are returned rather than thrown. */
  allowFailure?: boolean;
}

export type Runner = (file: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** The command is not installed on this machine. */
export class CommandNotFound extends Error {
  override name = 'CommandNotFound';
  constructor(readonly command: string) {
    super(`${command}: command not found`);
  }
}

export class CommandFailed extends Error {
  override name = 'CommandFailed';
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    const why = result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`;
    super(`${command} failed: ${why}`);
  }
}

/**
 * Node's own child_process rather than execa: a check may run a process (the
 * `dconf dump` fallback, `gsettings` without dconf), and execa measured 25-30 ms
 * to load and start here (execFile: 7 ms), against a bar of 150 ms for the
 * whole check. Loaded on
 * the first run, with process.getBuiltinModule: a check that starts no process
 * does not load child_process and the stream modules under it (~5 ms), and
 * bin/bkt.cjs runs the bundle as a vm.Script, where import() has no loader.
 */
export const runProcess: Runner = async (file, args, options = {}) => {
  const command = [file, ...args].join(' ');
  const timeout = options.timeoutMs ?? 60_000;
  return new Promise<RunResult>((resolve, reject) => {
    const child = process.getBuiltinModule('node:child_process').execFile(
      file,
      args,
      { env: options.env ?? process.env, timeout, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const failure = error as (ExecFileException & { code?: number | string }) | null;
        if (failure?.code === 'ENOENT') return reject(new CommandNotFound(file));
        if (failure?.killed && failure.signal === 'SIGTERM') {
          return reject(new CommandFailed(command, { stdout, stderr: `timed out after ${timeout} ms`, exitCode: -1 }));
        }
        const exitCode = failure ? (typeof failure.code === 'number' ? failure.code : -1) : 0;
        const out: RunResult = { stdout, stderr, exitCode };
        if (exitCode !== 0 && !options.allowFailure) return reject(new CommandFailed(command, out));
        resolve(out);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
};
