// The values dconf shows the user, read from its database files in process, as
// dconf's own client library does (GNOME/dconf, engine/): only writes go
// through dconf-service, so this gives what `dconf read` and `dconf dump /`
// print without starting either.
//
// The profile names the databases, highest priority first; dconf's rules for
// finding it are in engine/dconf-engine-profile.c and followed here. A key's
// value comes from the first database that has one, unless a database after
// the first locks the key: then only that database and those after it count
// (dconf_engine_read; the last locking database decides).
//
// A `service-db:` database is a file dconf-service keeps under
// $XDG_RUNTIME_DIR/dconf-service/; while that file does not exist dconf asks
// the service to make it, which only a D-Bus call can do, so then the values
// come from one `dconf dump /` instead.
import { readFile } from '../fs-async.js';
import { join } from 'node:path';
import type { Environment } from '../domain.js';
import { inRoot } from '../environment.js';
import { parseKeyfile } from '../keyfile.js';
import { parseGVariant, type GVariant } from '../gvariant.js';
import { CommandFailed, CommandNotFound } from '../run.js';
import { GvdbError, GvdbTable } from './gvdb.js';

export type DconfSourceKind = 'user-db' | 'system-db' | 'file-db' | 'service-db';

export interface DconfSource {
  kind: DconfSourceKind;
  /** The database name, or for `file-db:` its path. */
  name: string;
}

export interface DconfProfile {
  /** The profile file read; undefined when there is none and dconf uses `user-db:user`. */
  file?: string;
  sources: DconfSource[];
}

/** A database dconf would read but we cannot, or a profile we cannot read as dconf does. */
export class DconfError extends Error {
  override name = 'DconfError';
}

/** The values dconf shows, from its databases. */
export interface DconfValues {
  /** What `dconf read KEY` prints, as a typed value; undefined when no database has one. */
  read(key: string): GVariant | undefined;
  /** Every key `dconf dump /` lists, in its order, with its value. */
  dump(): Map<string, GVariant>;
  /** How the values were read: the database files, or `dconf dump /` (see the file comment). */
  readonly via: 'files' | 'dconf dump';
}

export interface DconfOptions {
  /** The user whose mandatory profile (/run/dconf/user/UID) counts; the process's own by default. */
  uid?: number;
}

const KINDS: readonly DconfSourceKind[] = ['user-db', 'system-db', 'file-db', 'service-db'];

/**
 * The sources of a profile file (dconf_engine_read_profile_file): one per
 * line, `#` starts a comment, surrounding space is dropped, and a line that is
 * not `KIND:NAME` with a known kind and a name is ignored, as dconf does (with
 * a warning).
 */
export function parseDconfProfile(text: string): DconfSource[] {
  const sources: DconfSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.split('#', 1)[0]!.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
    const colon = line.indexOf(':');
    if (colon < 0 || colon === line.length - 1) continue;
    const kind = line.slice(0, colon) as DconfSourceKind;
    if (KINDS.includes(kind)) sources.push({ kind, name: line.slice(colon + 1) });
  }
  return sources;
}

const DEFAULT_PROFILE: DconfSource[] = [{ kind: 'user-db', name: 'user' }];

type Opened = { text: string } | { missing: true } | { failed: true };

/** fopen(path, "r") and read it as dconf does: a directory opens and reads as empty. */
async function openText(path: string): Promise<Opened> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return { text: '' };
    return code === 'ENOENT' ? { missing: true } : { failed: true };
  }
}

/** dconf_engine_open_profile_file: $sysconfdir/dconf/profile/NAME, then each data dir's; only a missing file moves on. */
async function openNamedProfile(env: Environment, name: string): Promise<{ file: string; text: string } | undefined> {
  for (const prefix of [inRoot(env, '/etc'), ...env.xdgDataDirs]) {
    const file = join(prefix, 'dconf/profile', name);
    const opened = await openText(file);
    if ('text' in opened) return { file, text: opened.text };
    if ('failed' in opened) return undefined;
  }
  return undefined;
}

const runtimeDirectory = (env: Environment) => env.env.XDG_RUNTIME_DIR || env.env.XDG_CACHE_HOME || join(env.home, '.cache');

/** The profile dconf uses for this user (dconf_engine_profile_open with no profile given). */
export async function findDconfProfile(env: Environment, options: DconfOptions = {}): Promise<DconfProfile> {
  const fromFile = (file: string, text: string): DconfProfile => ({ file, sources: parseDconfProfile(text) });
  // 1. The mandatory profile an administrator sets for the user.
  const mandatory = inRoot(env, `/run/dconf/user/${options.uid ?? process.getuid?.() ?? 0}`);
  const opened = await openText(mandatory);
  if ('text' in opened) return fromFile(mandatory, opened.text);
  // 2. DCONF_PROFILE: a path, or a name looked up like "user" below. A named profile that cannot be opened is the null profile.
  const named = env.env.DCONF_PROFILE;
  if (named !== undefined) {
    if (named.startsWith('/')) {
      const file = await openText(named);
      return 'text' in file ? fromFile(named, file.text) : { file: named, sources: [] };
    }
    const found = await openNamedProfile(env, named);
    return found ? fromFile(found.file, found.text) : { file: join(inRoot(env, '/etc'), 'dconf/profile', named), sources: [] };
  }
  // 3. The runtime profile, 4. the "user" profile, 5. user-db:user.
  const runtime = join(runtimeDirectory(env), 'dconf/profile');
  const runtimeOpened = await openText(runtime);
  if ('text' in runtimeOpened) return fromFile(runtime, runtimeOpened.text);
  const user = await openNamedProfile(env, 'user');
  return user ? fromFile(user.file, user.text) : { sources: DEFAULT_PROFILE };
}

/** Where dconf reads a source's database from. */
export function databaseFile(env: Environment, source: DconfSource): string {
  switch (source.kind) {
    case 'user-db':
      return join(env.xdgConfigHome, 'dconf', source.name);
    case 'system-db':
      return join(inRoot(env, '/etc'), 'dconf/db', source.name);
    case 'file-db':
      return source.name;
    case 'service-db':
      return join(runtimeDirectory(env), 'dconf-service', source.name);
  }
}

interface Database {
  values?: GvdbTable;
  locks?: GvdbTable;
}

/**
 * One database file: missing is empty (a user without settings, a system
 * database not compiled yet), as for dconf; one that cannot be read or is
 * not a GVDB file is an error naming it, where dconf would only warn.
 */
async function readDatabase(file: string, source: DconfSource, profile: DconfProfile): Promise<Database | 'missing'> {
  const failed = (reason: string) =>
    new DconfError(`cannot read the dconf database ${source.kind}:${source.name}${profile.file ? ` (named in ${profile.file})` : ''}: ${reason}`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw failed(`${file}: ${(error as Error).message}`);
  }
  try {
    const values = GvdbTable.open(bytes, file);
    const locks = values.table('.locks');
    return locks ? { values, locks } : { values };
  } catch (error) {
    if (error instanceof GvdbError) throw failed(error.message);
    throw error;
  }
}

/** Byte order of UTF-8, as strcmp sorts: code point order. */
function compareNames(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

class DconfDatabases implements DconfValues {
  readonly via = 'files';

  constructor(private readonly databases: Database[]) {}

  read(key: string): GVariant | undefined {
    let from = 0;
    for (let i = this.databases.length - 1; i > 0; i--) {
      if (this.databases[i]!.locks?.hasValue(key)) {
        from = i;
        break;
      }
    }
    for (let i = from; i < this.databases.length; i++) {
      const value = this.databases[i]!.values?.value(key);
      if (value) return value;
    }
    return undefined;
  }

  /** add_to_keyfile of `dconf dump`: each directory's keys (strcmp order), then its subdirectories. */
  dump(): Map<string, GVariant> {
    const out = new Map<string, GVariant>();
    const walk = (dir: string) => {
      const names = new Set<string>();
      for (const database of this.databases) for (const name of database.values?.list(dir) ?? []) names.add(name);
      const sorted = [...names].sort((a, b) => Number(a.endsWith('/')) - Number(b.endsWith('/')) || compareNames(a, b));
      for (const name of sorted) {
        const path = dir + name;
        if (name.endsWith('/')) walk(path);
        else {
          const value = this.read(path);
          if (value) out.set(path, value);
        }
      }
    };
    walk('/');
    return out;
  }
}

/** The values of a `dconf dump /`, read back. */
class DumpedValues implements DconfValues {
  readonly via = 'dconf dump';

  constructor(private readonly values: Map<string, GVariant>) {}

  read(key: string): GVariant | undefined {
    return this.values.get(key);
  }

  dump(): Map<string, GVariant> {
    return new Map(this.values);
  }
}

async function dumpWithDconf(env: Environment, why: string): Promise<DconfValues> {
  let dump: string;
  try {
    dump = (await env.run('dconf', ['dump', '/'], { env: env.env })).stdout;
  } catch (error) {
    if (error instanceof CommandNotFound) throw new DconfError(`${why}, and dconf is not installed to ask it`);
    if (error instanceof CommandFailed) throw new DconfError(`${why}, and ${error.message}`);
    throw error;
  }
  const values = new Map<string, GVariant>();
  for (const [group, entries] of parseKeyfile(dump, { unescape: false })) {
    const dir = group === '/' ? '/' : `/${group}/`;
    for (const [key, text] of entries) {
      try {
        values.set(`${dir}${key}`, parseGVariant(text));
      } catch (error) {
        throw new DconfError(`dconf dump / printed ${dir}${key}=${text}, which is not a GVariant: ${(error as Error).message}`);
      }
    }
  }
  return new DumpedValues(values);
}

/** The user's dconf values: the profile's databases, each read with one readFile. Throws DconfError. */
export async function openDconf(env: Environment, options: DconfOptions = {}): Promise<DconfValues> {
  const profile = await findDconfProfile(env, options);
  const databases = await Promise.all(
    profile.sources.map(async (source) => {
      const file = databaseFile(env, source);
      const database = await readDatabase(file, source, profile);
      return { source, file, database };
    }),
  );
  const unmade = databases.find((d) => d.source.kind === 'service-db' && d.database === 'missing');
  if (unmade) return dumpWithDconf(env, `the dconf database ${unmade.source.kind}:${unmade.source.name} (${unmade.file}) is made by dconf-service on request`);
  return new DconfDatabases(databases.map((d) => (d.database === 'missing' ? {} : d.database)));
}
