// The edge to external programs. Every domain gets a Runner from its
// Environment so that the command line, the helper and the tests share one way
// of starting processes, with errors that name the command.

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

export const runProcess: Runner = async (file, args, options = {}) => {
  const command = [file, ...args].join(' ');
  // Loaded on first use: a check that reads everything from files never pays for it.
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    env: options.env,
    extendEnv: options.env === undefined,
    input: options.input,
    timeout: options.timeoutMs ?? 60_000,
    reject: false,
    stripFinalNewline: false,
  });
  if ((result as { code?: string }).code === 'ENOENT') throw new CommandNotFound(file);
  if (result.timedOut) throw new CommandFailed(command, { stdout: '', stderr: `timed out after ${options.timeoutMs ?? 60_000} ms`, exitCode: -1 });
  const out: RunResult = { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode: result.exitCode ?? -1 };
  if (out.exitCode !== 0 && !options.allowFailure) throw new CommandFailed(command, out);
  return out;
};
