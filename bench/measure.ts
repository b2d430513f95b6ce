// Wall time of whole processes, from spawn to exit, as a user waits for them.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** `bkt` did not finish with a report: the bench has no number to give. */
export class CheckCrashed extends Error {
  override name = 'CheckCrashed';
}

export interface Timed {
  ms: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Milliseconds to a tenth: finer would be noise. */
export const tenths = (ms: number) => Math.round(ms * 10) / 10;

export function timeProcess(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const started = performance.now();
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', (error) => reject(new Error(`${file}: ${error.message}`)));
    child.once('close', (exitCode, signal) => {
      resolve({ ms: tenths(performance.now() - started), exitCode, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** The median, to a tenth. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return tenths(sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}
