// What bkt keeps between runs in its cache directory ($XDG_CACHE_HOME/bkt):
// small JSON files, each trusted while the files it was made from keep their
// stamp. Anything here may be deleted at any time; a file that cannot be read
// or written only costs the next run the work it saves.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';

/**
 * A file changed this recently is not trusted: file times move in clock
 * ticks, so a second change could share the first one's time ("racily clean",
 * as git says). Seconds, not a tick, for file systems whose clock is another
 * machine's.
 */
const RACY_MS = 2_000;

/**
 * A file's state as make and git judge it: size, inode, and modification and
 * change times to the nanosecond (any write moves the change time, which no
 * one can set back). Undefined when the file is missing or changed in the
 * last seconds.
 */
export function fileStamp(path: string, now: number = Date.now()): string | undefined {
  let info;
  try {
    info = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  return info && stampOf(info, now);
}

/** fileStamp from a stat already made (`bigint: true`), for a caller that needs the stat for more. */
export function stampOf(info: BigIntStats, now: number = Date.now()): string | undefined {
  const newest = info.mtimeNs > info.ctimeNs ? info.mtimeNs : info.ctimeNs;
  if (BigInt(now - RACY_MS) * 1_000_000n < newest) return undefined;
  return `${info.size}:${info.ino}:${info.mtimeNs}:${info.ctimeNs}`;
}

/** The JSON kept in `cacheDir/name`, or undefined when there is none (or none readable). */
export function readCache(cacheDir: string, name: string): unknown {
  try {
    return JSON.parse(readFileSync(join(cacheDir, name), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Keeps `value` as JSON in `cacheDir/name`, replacing the file whole; a failure is silent. */
export function writeCache(cacheDir: string, name: string, value: unknown): void {
  const path = join(cacheDir, name);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(temporary, JSON.stringify(value));
    renameSync(temporary, path);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written
    }
  }
}
