// Manifests this build of bkt has already validated, kept between runs in
// the cache directory as valid-manifests.json. The domains' schemas only
// change with a new build, so a manifest file whose stamp (cache.ts) is what
// it was when it passed passes again: it is read with JSON.parse alone, without
// the schema or manifest.ts's pass over its keys (duplicates, `__proto__`). zod's
// first validation in a process costs ~8 ms of a check (compiling the schemas
// and running cold code), measured on the bench's three manifests. A stamp,
// not a hash of the text: node:crypto alone costs a check ~10 ms to load, and
// hashing 100 KB in JavaScript ~5 ms.
import { resolve } from 'node:path';
import { fileStamp, readCache, writeCache } from './cache.js';

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
  /** Writes the record if something was added. */
  save(): void;
}

interface ValidatedRecord {
  build: string;
  files: { [file: string]: string };
}

const FILE = 'valid-manifests.json';

export function validatedManifests(cacheDir: string, build: string, now: () => number = Date.now): ValidatedManifests {
  const kept = readCache(cacheDir, FILE) as Partial<ValidatedRecord> | undefined;
  const record: ValidatedRecord = kept?.build === build && typeof kept.files === 'object' && kept.files !== null ? (kept as ValidatedRecord) : { build, files: {} };
  let added = false;
  return {
    stampOf: (file) => fileStamp(file, now()),
    has: (file, stamp) => record.files[resolve(file)] === stamp,
    add(file, stamp) {
      record.files[resolve(file)] = stamp;
      added = true;
    },
    save() {
      if (!added) return;
      added = false;
      writeCache(cacheDir, FILE, record);
    },
  };
}
