// Manifests this build of bkt has already validated, kept between runs in
// $XDG_CACHE_HOME/bkt/valid-manifests.json. The domains' schemas only change
// with a new build, so a manifest file that is as it was when it passed
// passes again: it is read with JSON.parse alone. zod's first validation in a
// process costs ~8 ms of a check (compiling the schemas and running cold
// code), measured on the bench's three manifests.
//
// "As it was" is the file's stamp, as make and git judge files: its size,
// inode, and modification and change times to the nanosecond; any write
// moves the change time, which no one can set back. A file changed in the
// last seconds is not recorded, since file times move in clock ticks and a
// second write could share the first one's ("racily clean", as git says).
// A stamp, not a hash of the text: node:crypto alone costs a check ~10 ms to
// load, and hashing 100 KB in JavaScript ~5 ms.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

declare const BKT_BUILD: string | undefined;

/**
 * The build this code belongs to, set by build/build.mjs; undefined when it
 * runs from the sources (the tests), where nothing is kept.
 */
export const BUILD: string | undefined = typeof BKT_BUILD === 'string' ? BKT_BUILD : undefined;

export interface ValidatedManifests {
  /** The file's stamp now, taken before it is read; undefined when it has none worth keeping (missing, or changed seconds ago). */
  stampOf(file: string): string | undefined;
  /** The file, with this stamp, passed validation before. */
  has(file: string, stamp: string): boolean;
  /** The file, with this stamp, has just passed. */
  add(file: string, stamp: string): void;
  /** Writes the record if something was added; a record that cannot be written only costs the next run a validation. */
  save(): void;
}

interface Record {
  build: string;
  files: { [file: string]: string };
}

const RACY_MS = 2_000;

export function validatedManifests(cacheDir: string, build: string, now: () => number = Date.now): ValidatedManifests {
  const path = join(cacheDir, 'valid-manifests.json');
  let record: Record = { build, files: {} };
  try {
    const read = JSON.parse(readFileSync(path, 'utf8')) as Record;
    if (read.build === build && typeof read.files === 'object' && read.files !== null) record = read;
  } catch {
    // No record yet, or an unreadable one: every manifest is validated.
  }
  let added = false;
  return {
    stampOf(file) {
      let info;
      try {
        info = statSync(file, { bigint: true, throwIfNoEntry: false });
      } catch {
        return undefined;
      }
      if (!info) return undefined;
      const newest = info.mtimeNs > info.ctimeNs ? info.mtimeNs : info.ctimeNs;
      if (BigInt(now() - RACY_MS) * 1_000_000n < newest) return undefined;
      return [info.size, info.ino, info.mtimeNs, info.ctimeNs].join(':');
    },
    has: (file, stamp) => record.files[resolve(file)] === stamp,
    add(file, stamp) {
      record.files[resolve(file)] = stamp;
      added = true;
    },
    save() {
      if (!added) return;
      added = false;
      const temporary = `${path}.${process.pid}.tmp`;
      try {
        mkdirSync(cacheDir, { recursive: true });
        writeFileSync(temporary, JSON.stringify(record));
        renameSync(temporary, path);
      } catch {
        try {
          rmSync(temporary, { force: true });
        } catch {
          // nothing was written
        }
      }
    },
  };
}
