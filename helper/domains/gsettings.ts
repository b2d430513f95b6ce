// gsettings: the values of the GSettings keys the manifest declares, compared
// as typed GVariant values ('a' equals "a"; 0 equals uint32 0 for a `u` key).
//
// Collection starts no process where dconf is GSettings' backend: the key
// types and defaults come from the schema sources on disk (XML files and
// vendor overrides), the user's values from dconf's database files
// (dconf/database.ts), all read in process. Without dconf (or with another
// GSETTINGS_BACKEND), one `gsettings list-recursively` per schema reads them.
//
// A schema that is in none of the standard directories is looked for in the
// `schemas/` directory of each installed GNOME Shell extension, where
// extensions ship their own (org.gnome.shell.extensions.dash-to-dock). gsettings
// finds those only when given that directory as `--schemadir`, so every
// gsettings call for them passes it (apply, and reading without dconf).
//
// Drift is a modification only: a declared key whose live value differs. A
// manifest value that is not a value of the key's type, or a schema or key
// this machine does not have, is not drift but an error of the gsettings
// domain (exit 2), reported by problems() with the manifest's line; the other
// keys are still compared. A setting for a missing schema cannot be captured
// or applied, and calling it drift would hide that the manifest is wrong (or
// written for another machine) behind a change the user cannot make.
import { existsSync, statSync } from 'node:fs';
import { access, notAFile, readdir, readFile } from '../fs-async.js';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { readCache, stampOf, writeCache } from '../cache.js';
import { commandOnPath } from '../command-path.js';
import { DconfError, openDconf, type DconfValues } from '../dconf/database.js';
import { byCodeUnits, DomainError, DomainUnavailable, driftItem, type Domain, type DriftItem, type Environment, type LoadedManifest } from '../domain.js';
import { effectiveValue, inRange, rangeDescription, resolveKeys, type KeyInfo, type RawSchema, type SchemaFile } from '../gschema.js';
import { parseKeyfile } from '../keyfile.js';
import { formatGVariant, gvariantEqual, GVariantParseError, parseGVariant, type GVariant } from '../gvariant.js';
import { formatJsonPath, manifestProblem } from '../manifest.js';

const Setting = z.looseObject({
  schema: z.string().check(z.minLength(1)),
  key: z.string().check(z.minLength(1)),
  value: z.string(),
  comment: z.optional(z.string()),
});
const GsettingsManifest = z.looseObject({ $schema: z.optional(z.string()), settings: z.array(Setting) });
type GsettingsManifest = z.infer<typeof GsettingsManifest>;
type Setting = z.infer<typeof Setting>;

/** What this machine says about one declared key. */
export type LiveKey =
  /** `userSet` is false when the value is the default, undefined when gsettings (not dconf) told. */
  /** `schemaDir`: the extension's schemas/ directory the schema came from, which gsettings needs as --schemadir. */
  | { state: 'ok'; info: KeyInfo; value: GVariant; userSet?: boolean; schemaDir?: string }
  | { state: 'no-schema' }
  | { state: 'no-key'; file: string }
  | { state: 'relocatable'; file: string }
  | { state: 'unreadable'; reason: string };

export interface LiveGsettings {
  /** By the manifest's `schema` (with its `:path` if it gives one) and `key`; see liveKeyOf. */
  keys: Map<string, LiveKey>;
  /** The schema directories looked in, for messages. */
  searched: string[];
}

const liveKeyOf = (schema: string, key: string) => `${schema} ${key}`;

/** `org.example.Profile:/org/example/profiles/p1/` -> id and path (a relocatable schema's path). */
function splitSchema(schema: string): { id: string; path?: string } {
  const colon = schema.indexOf(':');
  return colon < 0 ? { id: schema } : { id: schema.slice(0, colon), path: schema.slice(colon + 1) };
}

// ---------------------------------------------------------------------------
// Comparing (pure)

/**
 * The manifest's value as the key's type, or why it is not one. A bare word
 * for a string key is that string, as `gsettings set` takes it, so that the
 * manifests of the original tool (which ran `gsettings set`) keep their meaning.
 */
export function manifestValue(text: string, info: Pick<KeyInfo, 'type' | 'range' | 'choices'>): { value: GVariant } | { error: string } {
  let value: GVariant;
  try {
    value = parseGVariant(text, info.type);
  } catch (error) {
    if (!(error instanceof GVariantParseError)) throw error;
    if (info.type === 's' && !text.startsWith("'") && !text.startsWith('"')) value = { kind: 'string', type: 's', value: text };
    else return { error: `${JSON.stringify(text)} is not a value of type '${info.type}': ${error.message}` };
  }
  if (!inRange(info, value)) return { error: `${JSON.stringify(text)} is out of range: it must be ${rangeDescription(info)}` };
  return { value };
}

interface Evaluation {
  items: DriftItem[];
  problems: string[];
}

// compare() and problems() come from one pass over the manifest, made once per reading.
const evaluations = new WeakMap<LiveGsettings, { manifest: LoadedManifest<GsettingsManifest>; evaluation: Evaluation }>();

function evaluate(manifest: LoadedManifest<GsettingsManifest>, live: LiveGsettings): Evaluation {
  const known = evaluations.get(live);
  if (known?.manifest === manifest) return known.evaluation;
  const evaluation = evaluateOnce(manifest, live);
  evaluations.set(live, { manifest, evaluation });
  return evaluation;
}

function evaluateOnce(manifest: LoadedManifest<GsettingsManifest>, live: LiveGsettings): Evaluation {
  const items: DriftItem[] = [];
  const problems: string[] = [];
  const first = new Map<string, number>();
  manifest.value.settings.forEach((setting, i) => {
    const name = `${setting.schema}.${setting.key}`;
    const problem = (field: keyof Setting, message: string) => void problems.push(manifestProblem(manifest, ['settings', i, field], message));
    const earlier = first.get(name);
    if (earlier !== undefined) return problem('key', `${name} is declared twice (first as ${formatJsonPath(['settings', earlier])})`);
    first.set(name, i);
    const key = live.keys.get(liveKeyOf(setting.schema, setting.key));
    const { id } = splitSchema(setting.schema);
    if (!key) return problem('key', `${name} was not read`);
    switch (key.state) {
      case 'no-schema':
        return problem('schema', `schema ${id} is not installed on this machine (looked in ${live.searched.join(', ')})`);
      case 'no-key':
        return problem('key', `schema ${id} (${key.file}) has no key ${setting.key}`);
      case 'relocatable':
        return problem('schema', `schema ${id} (${key.file}) is relocatable: write it with its path, as ${id}:/path/to/it/`);
      case 'unreadable':
        return problem('key', `cannot read ${name}: ${key.reason}`);
    }
    const expected = manifestValue(setting.value, key.info);
    if ('error' in expected) return problem('value', `${expected.error} (${name})`);
    if (gvariantEqual(expected.value, key.value)) return;
    items.push(
      driftItem('gsettings', name, {
        kind: 'modification',
        expected: setting.value,
        actual: formatGVariant(key.value),
        ...(key.userSet === false ? { detail: 'the schema default' } : {}),
        data: {
          schema: setting.schema,
          key: setting.key,
          type: key.info.type,
          default: formatGVariant(key.info.default),
          // What capture writes: the manifest's own style, without type annotations the
          // key's type already gives (`0`, not `uint32 0`); inside a variant they carry the type.
          captured: formatGVariant(key.value, { annotate: key.info.type.includes('v') }),
          ...(key.schemaDir ? { schemadir: key.schemaDir } : {}),
        },
      }),
    );
  });
  return { items, problems };
}

// ---------------------------------------------------------------------------
// Reading schemas (edge)

/** Where GLib looks for schemas, first match wins: GSETTINGS_SCHEMA_DIR, then the user's and the system's data dirs. */
function schemaDirectories(env: Environment): string[] {
  const extra = (env.env.GSETTINGS_SCHEMA_DIR ?? '').split(':').filter(Boolean);
  return [...extra, ...[env.xdgDataHome, ...env.xdgDataDirs].map((dir) => join(dir, 'glib-2.0/schemas'))];
}

/** GNOME Shell's extension directories, in its order: the user's, then each system data dir's. */
const extensionDirectories = (env: Environment): string[] => [env.xdgDataHome, ...env.xdgDataDirs].map((dir) => join(dir, 'gnome-shell/extensions'));

interface SchemaDirectory {
  path: string;
  /** Its file names, sorted as glib-compile-schemas sorts them. */
  names: string[];
  /** Set for an extension's schemas/ directory: the extension's uuid. */
  extension?: string;
}

/** A schema's keys as GSettings has them, and where it was found. */
interface FoundSchema {
  file: string;
  path?: string;
  keys: Map<string, KeyInfo>;
  /** The extension's schemas/ directory, for a schema found there. */
  schemaDir?: string;
}

// Parsed schema files by path, kept while the file's stamp (cache.ts) stays the
// same, so that the live helper re-reads only what changed. They are also kept
// between runs in the cache directory (cache.ts) as gschemas.json: parsing the XML is most of
// a cold check's gsettings time, and schemas change only with packages.
type ParsedFile = { stamp: string; file: SchemaFile | undefined };
const parsedFiles = new Map<string, ParsedFile>();
const SCHEMA_CACHE_VERSION = 2;
let schemaCacheLoaded = false;
let schemaCacheDirty = false;

const SCHEMA_CACHE = 'gschemas.json';

function loadSchemaCache(cacheDir: string): void {
  if (schemaCacheLoaded) return;
  schemaCacheLoaded = true;
  const cache = readCache(cacheDir, SCHEMA_CACHE) as { version?: number; files?: Record<string, ParsedFile> } | undefined;
  if (cache?.version !== SCHEMA_CACHE_VERSION || !cache.files) return;
  for (const [file, entry] of Object.entries(cache.files)) if (!parsedFiles.has(file)) parsedFiles.set(file, entry);
}

function saveSchemaCache(cacheDir: string): void {
  if (!schemaCacheDirty) return;
  schemaCacheDirty = false;
  writeCache(cacheDir, SCHEMA_CACHE, { version: SCHEMA_CACHE_VERSION, files: Object.fromEntries(parsedFiles) });
}

/** Reads schema files once per check (concurrent lookups share a read) and across checks while unchanged. */
class SchemaReader {
  private reads = new Map<string, Promise<SchemaFile | undefined>>();
  private overrides = new Map<string, Promise<Map<string, Map<string, string>>[]>>();

  constructor(
    readonly directories: SchemaDirectory[],
    private readonly desktops: string[],
  ) {}

  file(path: string): Promise<SchemaFile | undefined> {
    let read = this.reads.get(path);
    if (!read) {
      read = readSchemaFile(path);
      this.reads.set(path, read);
    }
    return read;
  }

  /** The directory and file that define `id`: first the files named after it or its prefixes, then all others. */
  async find(id: string, within = this.directories): Promise<{ directory: SchemaDirectory; name: string; schema: RawSchema } | undefined> {
    const likely = likelyFileNames(id);
    for (const pass of [true, false]) {
      for (const directory of within) {
        const names = pass ? likely.filter((n) => directory.names.includes(n)) : directory.names.filter((n) => n.endsWith('.gschema.xml') && !likely.includes(n));
        const files = await Promise.all(names.map((name) => this.file(join(directory.path, name))));
        const index = files.findIndex((file) => file?.schemas.some((s) => s.id === id));
        if (index >= 0) return { directory, name: names[index]!, schema: files[index]!.schemas.find((s) => s.id === id)! };
      }
    }
    return undefined;
  }

  /** The keys of schema `id` with their types and defaults as GSettings has them; undefined when not installed. */
  async keys(id: string, wanted: ReadonlySet<string>, within = this.directories): Promise<FoundSchema | undefined> {
    const found = await this.find(id, within);
    if (!found) return undefined;
    const keys = await this.resolve(found.schema, found.directory, found.name, wanted, true, 0);
    return {
      file: join(found.directory.path, found.name),
      ...(found.schema.path ? { path: found.schema.path } : {}),
      keys,
      ...(found.directory.extension ? { schemaDir: found.directory.path } : {}),
    };
  }

  private async resolve(
    schema: RawSchema,
    directory: SchemaDirectory,
    name: string,
    wanted: ReadonlySet<string>,
    withVendorOverrides: boolean,
    depth: number,
  ): Promise<Map<string, KeyInfo>> {
    let base: Map<string, KeyInfo> | undefined;
    if (schema.extends && depth < 16) {
      // The base comes from the same directory, with its XML defaults: vendor
      // overrides apply to each schema id by itself (glib-compile-schemas).
      const found = await this.find(schema.extends, [directory]);
      if (found) base = await this.resolve(found.schema, directory, found.name, wanted, false, depth + 1);
    }
    const nicks = await this.enumNicks(schema, directory, name, wanted);
    const overrides = withVendorOverrides ? await this.vendorOverrides(directory) : [];
    return resolveKeys(schema, base, overrides, { enumNicks: (id, kind) => nicks.get(`${kind} ${id}`), desktops: this.desktops }, wanted);
  }

  /** Nicks of the enums and flags the wanted keys use: from the schema's own file, the directory's *.enums.xml, then any file there. */
  private async enumNicks(schema: RawSchema, directory: SchemaDirectory, name: string, keys: ReadonlySet<string>): Promise<Map<string, string[]>> {
    const wanted = schema.keys.filter((k) => keys.has(k.name)).flatMap((k) => (k.enum ? [`enum ${k.enum}`] : k.flags ? [`flags ${k.flags}`] : []));
    const found = new Map<string, string[]>();
    if (wanted.length === 0) return found;
    const order = [name, ...directory.names.filter((n) => n.endsWith('.enums.xml')), ...directory.names.filter((n) => n.endsWith('.gschema.xml') && n !== name)];
    for (const candidate of order) {
      const file = await this.file(join(directory.path, candidate));
      for (const [id, nicks] of Object.entries(file?.enums ?? {})) if (!found.has(`enum ${id}`)) found.set(`enum ${id}`, nicks);
      for (const [id, nicks] of Object.entries(file?.flags ?? {})) if (!found.has(`flags ${id}`)) found.set(`flags ${id}`, nicks);
      if (wanted.every((w) => found.has(w))) break;
    }
    return found;
  }

  private vendorOverrides(directory: SchemaDirectory): Promise<Map<string, Map<string, string>>[]> {
    let read = this.overrides.get(directory.path);
    if (!read) {
      const names = directory.names.filter((n) => n.endsWith('.gschema.override'));
      read = Promise.all(names.map(async (n) => parseKeyfile(await readSchemaText(join(directory.path, n)), { unescape: false })));
      this.overrides.set(directory.path, read);
    }
    return read;
  }
}

/** `a.b.c` is most likely in a.b.c.gschema.xml, else in the file of a prefix (org.gnome.shell.keybindings in org.gnome.shell's). */
function likelyFileNames(id: string): string[] {
  const names: string[] = [];
  for (let prefix = id; prefix.includes('.'); prefix = prefix.slice(0, prefix.lastIndexOf('.'))) names.push(`${prefix}.gschema.xml`);
  return names;
}

/** A schema source's text; empty when it is gone. A file that cannot be read is an error, never a schema not installed. */
async function readSchemaText(path: string): Promise<string> {
  const info = statSync(path, { throwIfNoEntry: false });
  if (info && !info.isFile()) throw new DomainError(`${path}: not a file (${notAFile(info)})`);
  return readStatedFile(path);
}

/** readSchemaText for a path already stat'ed as a file. */
async function readStatedFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new DomainError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

async function readSchemaFile(path: string): Promise<SchemaFile | undefined> {
  // A synchronous stat: a check stats one file per declared schema, and through
  // the thread pool these tiny calls cost several times more (40 schemas: ~3 ms).
  let info;
  try {
    info = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (error) {
    throw new DomainError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (!info) return undefined;
  // Never read: a FIFO would hang the check.
  if (!info.isFile()) throw new DomainError(`${path}: not a file (${notAFile(info)})`);
  const stamp = stampOf(info);
  const cached = parsedFiles.get(path);
  if (stamp !== undefined && cached?.stamp === stamp) return cached.file;
  const text = await readStatedFile(path);
  const { parseSchemaFile } = await import('../gschema-xml.js');
  let file: SchemaFile | undefined;
  try {
    file = parseSchemaFile(text, path);
  } catch {
    // Not XML: glib-compile-schemas refuses it too, so it defines nothing.
    file = undefined;
  }
  // A file changed in the last seconds could change again unseen: it is read again next time.
  if (stamp === undefined) parsedFiles.delete(path);
  else parsedFiles.set(path, { stamp, file });
  schemaCacheDirty = true;
  return file;
}

async function listDirectory(path: string): Promise<SchemaDirectory | undefined> {
  try {
    const names = (await readdir(path)).filter((n) => /\.(gschema\.xml|enums\.xml|gschema\.override)$/.test(n));
    // Byte order, as glib-compile-schemas sorts (strcmp).
    names.sort(byCodeUnits);
    return { path, names };
  } catch {
    return undefined;
  }
}

/**
 * The schemas/ directories of the installed extensions (a directory with a
 * metadata.json), in GNOME Shell's order: a uuid in the user's directory
 * shadows the same uuid in a system one, as only the first copy is loaded.
 */
async function extensionSchemaDirectories(env: Environment): Promise<SchemaDirectory[]> {
  const installed = await Promise.all(
    extensionDirectories(env).map(async (dir) => {
      const uuids = (await readdir(dir).catch(() => [] as string[])).sort();
      const found = await Promise.all(uuids.map((uuid) => access(join(dir, uuid, 'metadata.json')).then(() => uuid, () => undefined)));
      return found.filter((uuid): uuid is string => uuid !== undefined).map((uuid) => ({ uuid, path: join(dir, uuid, 'schemas') }));
    }),
  );
  const first = new Map<string, string>();
  for (const { uuid, path } of installed.flat()) if (!first.has(uuid)) first.set(uuid, path);
  const directories = await Promise.all(
    [...first].map(async ([uuid, path]): Promise<SchemaDirectory | undefined> => {
      const directory = await listDirectory(path);
      return directory && { ...directory, extension: uuid };
    }),
  );
  return directories.filter((d): d is SchemaDirectory => d !== undefined);
}

// ---------------------------------------------------------------------------
// Reading values (edge)

/** The user's dconf values, read from the database files as dconf's own library does. */
async function dconfValues(env: Environment): Promise<DconfValues> {
  try {
    return await openDconf(env);
  } catch (error) {
    if (error instanceof DconfError) throw new DomainError(error.message);
    throw error;
  }
}

/** One schema's values as gsettings shows them, by key: `gsettings list-recursively SCHEMA[:PATH]`. */
async function gsettingsValues(env: Environment, schema: string, schemaDir: string | undefined): Promise<Map<string, string> | { reason: string }> {
  const args = [...(schemaDir ? ['--schemadir', schemaDir] : []), 'list-recursively', schema];
  const result = await env.run('gsettings', args, { env: env.env, allowFailure: true });
  if (result.exitCode !== 0) return { reason: `gsettings ${args.join(' ')}: ${result.stderr.trim() || `exit code ${result.exitCode}`}` };
  const { id } = splitSchema(schema);
  const values = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    // "schema key value"; children of the schema are listed with their own ids.
    const first = line.indexOf(' ');
    const second = line.indexOf(' ', first + 1);
    if (first < 0 || second < 0 || line.slice(0, first) !== id) continue;
    values.set(line.slice(first + 1, second), line.slice(second + 1));
  }
  return values;
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function mapLimited<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function collect(env: Environment, manifest: LoadedManifest<GsettingsManifest>): Promise<LiveGsettings> {
  const standard = schemaDirectories(env);
  const directories = (await Promise.all(standard.map(listDirectory))).filter((d): d is SchemaDirectory => d !== undefined);
  if (directories.length === 0) throw new DomainUnavailable(`no GSettings schemas on this machine (none of ${standard.join(', ')} exists)`);
  const useDconf = commandOnPath('dconf', env.env) !== undefined && (env.env.GSETTINGS_BACKEND ?? 'dconf') === 'dconf';
  if (!useDconf && commandOnPath('gsettings', env.env) === undefined) throw new DomainUnavailable('neither dconf nor gsettings is installed');

  loadSchemaCache(env.cacheDir);
  const reader = new SchemaReader(directories, (env.env.XDG_CURRENT_DESKTOP ?? '').split(':').filter(Boolean));
  const schemaArgs = [...new Set(manifest.value.settings.map((s) => s.schema))];
  const ids = [...new Set(schemaArgs.map((s) => splitSchema(s).id))];
  const wanted = new Map(ids.map((id) => [id, new Set<string>()]));
  for (const setting of manifest.value.settings) wanted.get(splitSchema(setting.schema).id)!.add(setting.key);
  // Listed only when a schema is in no standard directory: most checks never read the extensions.
  let extensionSchemas: Promise<SchemaDirectory[]> | undefined;
  const lookup = async (id: string): Promise<FoundSchema | undefined> => {
    const found = await reader.keys(id, wanted.get(id)!);
    if (found) return found;
    extensionSchemas ??= extensionSchemaDirectories(env);
    return reader.keys(id, wanted.get(id)!, await extensionSchemas);
  };
  const [schemas, stored] = await Promise.all([
    Promise.all(ids.map(async (id) => [id, await lookup(id)] as const)).then((pairs) => new Map(pairs)),
    useDconf ? dconfValues(env) : undefined,
  ]);
  saveSchemaCache(env.cacheDir);
  const shown = useDconf
    ? undefined
    : new Map(
        await mapLimited(schemaArgs.filter((s) => schemas.get(splitSchema(s).id)), 4, async (s) => [s, await gsettingsValues(env, s, schemas.get(splitSchema(s).id)?.schemaDir)] as const),
      );

  const keys = new Map<string, LiveKey>();
  for (const setting of manifest.value.settings) {
    const { id, path: givenPath } = splitSchema(setting.schema);
    const schema = schemas.get(id);
    keys.set(liveKeyOf(setting.schema, setting.key), liveKey(setting, schema, givenPath, stored, shown?.get(setting.schema)));
  }
  return { keys, searched: [...standard, ...extensionDirectories(env).map((dir) => join(dir, '*/schemas'))] };
}

function liveKey(
  setting: Setting,
  schema: FoundSchema | undefined,
  givenPath: string | undefined,
  stored: DconfValues | undefined,
  shown: Map<string, string> | { reason: string } | undefined,
): LiveKey {
  if (!schema) return { state: 'no-schema' };
  const info = schema.keys.get(setting.key);
  if (!info) return { state: 'no-key', file: schema.file };
  const path = givenPath ?? schema.path;
  if (path === undefined) return { state: 'relocatable', file: schema.file };
  if (!path.startsWith('/') || !path.endsWith('/') || path.includes('//')) return { state: 'unreadable', reason: `${path} is not a dconf path (it starts and ends with /)` };
  const from = schema.schemaDir ? { schemaDir: schema.schemaDir } : {};
  if (stored) return { state: 'ok', info, ...effectiveValue(info, stored.read(`${path}${setting.key}`)), ...from };
  if (!shown || 'reason' in shown) return { state: 'unreadable', reason: shown?.reason ?? 'gsettings listed nothing' };
  const text = shown.get(setting.key);
  if (text === undefined) return { state: 'unreadable', reason: `gsettings list-recursively ${setting.schema} did not list it` };
  try {
    return { state: 'ok', info, value: parseGVariant(text, info.type), ...from };
  } catch (error) {
    return { state: 'unreadable', reason: `gsettings printed ${text}: ${(error as Error).message}` };
  }
}

// ---------------------------------------------------------------------------

export const gsettings: Domain<GsettingsManifest, LiveGsettings> = {
  name: 'gsettings',
  title: 'GSettings',
  file: 'gsettings.json',
  schema: GsettingsManifest,
  collect,
  compare: (manifest, live) => [...evaluate(manifest, live).items],
  problems: (manifest, live) => [...evaluate(manifest, live).problems],

  capture(item, manifest) {
    const index = manifest.value.settings.findIndex((s) => `${s.schema}.${s.key}` === item.key);
    const captured = typeof item.data?.captured === 'string' ? item.data.captured : item.actual;
    if (index < 0 || captured === undefined) return [];
    return [{ op: 'set', path: ['settings', index, 'value'], value: captured }];
  },

  apply(item, manifest, env) {
    const setting = manifest.value.settings.find((s) => `${s.schema}.${s.key}` === item.key);
    const type = item.data?.type;
    if (!setting || typeof type !== 'string') return { unsupported: `${item.key} is not declared in ${manifest.path}` };
    if (!commandOnPath('gsettings', env.env)) return { unsupported: 'gsettings is not installed' };
    const expected = manifestValue(setting.value, { type });
    if ('error' in expected) return { unsupported: expected.error };
    // An extension's schema: gsettings reads it only from that directory's compiled schemas.
    const schemadir = typeof item.data?.schemadir === 'string' ? item.data.schemadir : undefined;
    if (schemadir !== undefined && !existsSync(join(schemadir, 'gschemas.compiled'))) {
      return { unsupported: `${schemadir} has no gschemas.compiled, and gsettings reads ${splitSchema(setting.schema).id} only from there: compile it first with glib-compile-schemas ${schemadir}` };
    }
    const source = schemadir === undefined ? [] : ['--schemadir', schemadir];
    const schemaDefault = typeof item.data?.default === 'string' ? manifestValue(item.data.default, { type }) : undefined;
    // The schema's own value: reset, so the key follows the default again.
    if (schemaDefault && 'value' in schemaDefault && gvariantEqual(schemaDefault.value, expected.value)) {
      return [
        {
          verb: 'Reset',
          target: item.key,
          details: `to the default ${item.data?.default}`,
          destructive: false,
          run: async (e) => void (await e.run('gsettings', [...source, 'reset', setting.schema, setting.key], { env: e.env })),
        },
      ];
    }
    const text = formatGVariant(expected.value);
    return [
      {
        verb: 'Set',
        target: item.key,
        details: text,
        destructive: false,
        run: async (e) => void (await e.run('gsettings', [...source, 'set', setting.schema, setting.key, text], { env: e.env })),
      },
    ];
  },

  // An extension installed or removed brings or takes away its schemas.
  watch: (env) => ({ paths: extensionDirectories(env), dconf: true }),
};
