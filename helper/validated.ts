// Manifests this build of bkt has already validated, kept between runs in
// $XDG_CACHE_HOME/bkt/valid-manifests.json as a hash of each file's text. The
// domains' schemas only change with a new build, so a manifest whose text is
// what passed before passes again: it is read with JSON.parse alone. zod's
// first validation in a process costs ~8 ms of a check (compiling the schemas
// and running cold code), measured on the bench's three manifests; reading
// this record costs a fraction of one.
import { hash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

declare const BKT_BUILD: string | undefined;

/**
 * The build this code belongs to, set by build/build.mjs; undefined when it
 * runs from the sources (the tests), where nothing is kept.
 */
export const BUILD: string | undefined = typeof BKT_BUILD === 'string' ? BKT_BUILD : undefined;

export interface ValidatedManifests {
  /** This text of this file passed validation before. */
  has(file: string, text: string): boolean;
  /** This text of this file has just passed. */
  add(file: string, text: string): void;
  /** Writes the record if something was added; a record that cannot be written only costs the next run a validation. */
  save(): void;
}

interface Record {
  build: string;
  files: { [file: string]: string };
}

const digest = (text: string) => hash('sha1', text, 'base64');

export function validatedManifests(cacheDir: string, build: string): ValidatedManifests {
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
    has: (file, text) => record.files[resolve(file)] === digest(text),
    add(file, text) {
      record.files[resolve(file)] = digest(text);
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
