// GNOME Shell extensions: which are installed (a directory with a
// metadata.json in the user's or the system's gnome-shell/extensions) and which
// are enabled (the `enabled-extensions` and `disabled-extensions` keys of
// org.gnome.shell). Read without a running shell: from dconf's database files
// in process, and at most one `gsettings get` per key that dconf holds no
// value for (its default), whatever the number of extensions.
//
// Drift:
// - removal: a declared extension that is not installed;
// - modification: an installed extension enabled where the manifest says
//   disabled, or the other way round;
// - addition: an installed, enabled extension the manifest does not declare.
// An installed but disabled extension the manifest does not declare is not
// drift: it changes nothing on the desktop, and images and distributions ship
// extensions the user never turned on.
import { access, readdir } from '../fs-async.js';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { commandOnPath } from '../command-path.js';
import { DconfError, openDconf } from '../dconf/database.js';
import { DomainError, DomainUnavailable, driftItem, type Domain, type DriftItem, type Environment, type ManifestEdit, type Operation } from '../domain.js';
import { formatGVariant, parseGVariant } from '../gvariant.js';
import { CommandFailed, CommandNotFound } from '../run.js';

const Uuid = z.string().check(z.regex(/^[^/\s]+$/, 'an extension uuid has no spaces or slashes'));
const Extension = z.union([Uuid, z.looseObject({ id: Uuid, enabled: z.optional(z.boolean()) })]);
const ExtensionsManifest = z.looseObject({ $schema: z.optional(z.string()), extensions: z.array(Extension) });
type ExtensionsManifest = z.infer<typeof ExtensionsManifest>;
type ExtensionEntry = z.infer<typeof Extension>;

type State = 'enabled' | 'disabled';

export interface LiveExtensions {
  /** Installed extensions and where: a user copy shadows a system one, as in the shell. */
  installed: Map<string, 'user' | 'system'>;
  enabled: string[];
  disabled: string[];
}

const SCHEMA = 'org.gnome.shell';
const KEYS = ['enabled-extensions', 'disabled-extensions'] as const;
type Key = (typeof KEYS)[number];

const userDirectory = (env: Environment) => join(env.xdgDataHome, 'gnome-shell/extensions');
const systemDirectories = (env: Environment) => env.xdgDataDirs.map((dir) => join(dir, 'gnome-shell/extensions'));

const uuidOf = (entry: ExtensionEntry): string => (typeof entry === 'string' ? entry : entry.id);
const declaredState = (entry: ExtensionEntry): State => (typeof entry === 'string' || entry.enabled !== false ? 'enabled' : 'disabled');

/** The shell's rule: enabled when listed in enabled-extensions and not in disabled-extensions, which wins. */
export function stateOf(live: Pick<LiveExtensions, 'enabled' | 'disabled'>, uuid: string): State {
  return live.enabled.includes(uuid) && !live.disabled.includes(uuid) ? 'enabled' : 'disabled';
}

/** A string-array key's value in GVariant text (`@as []`, `['a', "b"]`). */
export function parseStringList(text: string, what: string): string[] {
  try {
    const value = parseGVariant(text.trim(), 'as');
    return value.kind === 'array' ? value.value.map((item) => String(item.value)) : [];
  } catch (error) {
    throw new DomainError(`${what}: not a list of strings: ${text.trim()} (${(error as Error).message})`);
  }
}

export const formatStringList = (list: readonly string[]): string =>
  formatGVariant({ kind: 'array', type: 'as', value: list.map((value) => ({ kind: 'string', type: 's', value })) });

/** The two keys' new values after enabling or disabling one extension, as gnome-extensions computes them. */
export function listsAfter(lists: Record<Key, string[]>, uuid: string, state: State): Record<Key, string[]> {
  const add = (list: string[]) => (list.includes(uuid) ? list : [...list, uuid]);
  const remove = (list: string[]) => list.filter((item) => item !== uuid);
  return state === 'enabled'
    ? { 'enabled-extensions': add(lists['enabled-extensions']), 'disabled-extensions': remove(lists['disabled-extensions']) }
    : { 'enabled-extensions': remove(lists['enabled-extensions']), 'disabled-extensions': add(lists['disabled-extensions']) };
}

/** The extensions installed in one directory; undefined when the directory does not exist. */
async function installedIn(dir: string): Promise<string[] | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new DomainError(`${dir}: ${(error as Error).message}`);
  }
  const found = await Promise.all(names.map((name) => access(join(dir, name, 'metadata.json')).then(() => name, () => undefined)));
  return found.filter((name): name is string => name !== undefined).sort();
}

async function gsettingsGet(env: Environment, key: Key): Promise<string[]> {
  const result = await env.run('gsettings', ['get', SCHEMA, key], { env: env.env });
  return parseStringList(result.stdout, `gsettings get ${SCHEMA} ${key}`);
}

/**
 * The two keys, or why they cannot be read. dconf's databases are read
 * directly (no bus, no shell); a key dconf holds no value for has the schema's
 * default, vendor overrides included, which only gsettings knows. `found` is
 * false when nothing on this machine holds or defines the keys.
 */
async function readKeys(env: Environment): Promise<{ lists: Record<Key, string[]>; found: boolean } | { unreadable: string }> {
  if (commandOnPath('dconf', env.env)) {
    let dconf;
    try {
      dconf = await openDconf(env);
    } catch (error) {
      if (error instanceof DconfError) return { unreadable: error.message };
      throw error;
    }
    let found = false;
    const [enabled = [], disabled = []] = await Promise.all(
      KEYS.map(async (key) => {
        const value = dconf.read(`/org/gnome/shell/${key}`);
        if (value) {
          found = true;
          if (value.kind !== 'array' || value.type !== 'as') throw new DomainError(`dconf holds ${formatGVariant(value)} for /org/gnome/shell/${key}: not a list of strings`);
          return value.value.map((item) => String(item.value));
        }
        const fallback = await gsettingsGet(env, key).catch((error: unknown) => {
          if (error instanceof CommandFailed || error instanceof CommandNotFound) return undefined;
          throw error;
        });
        if (fallback) found = true;
        // No schema: no shell here reads the key, and gnome-shell's own default is an empty list.
        return fallback ?? [];
      }),
    );
    return { lists: { 'enabled-extensions': enabled, 'disabled-extensions': disabled }, found };
  }
  try {
    const [enabled = [], disabled = []] = await Promise.all(KEYS.map((key) => gsettingsGet(env, key)));
    return { lists: { 'enabled-extensions': enabled, 'disabled-extensions': disabled }, found: true };
  } catch (error) {
    if (error instanceof CommandNotFound) return { unreadable: 'neither dconf nor gsettings is installed' };
    if (error instanceof CommandFailed) return { unreadable: `dconf is not installed and ${error.message}` };
    throw error;
  }
}

export function compareExtensions(manifest: ExtensionsManifest, live: LiveExtensions): DriftItem[] {
  const items: DriftItem[] = [];
  const declared = new Set<string>();
  for (const entry of manifest.extensions) {
    const uuid = uuidOf(entry);
    declared.add(uuid);
    const expected = declaredState(entry);
    if (!live.installed.has(uuid)) {
      items.push(driftItem('extensions', uuid, { kind: 'removal', expected, detail: 'in manifest, not installed' }));
      continue;
    }
    const actual = stateOf(live, uuid);
    if (actual !== expected) items.push(driftItem('extensions', uuid, { kind: 'modification', expected, actual }));
  }
  for (const [uuid, scope] of live.installed) {
    if (declared.has(uuid) || stateOf(live, uuid) !== 'enabled') continue;
    items.push(driftItem('extensions', uuid, { kind: 'addition', actual: 'enabled', detail: `installed (${scope}), enabled, not in manifest`, data: { scope } }));
  }
  return items;
}

const sortKey = (entry: unknown): string => (typeof entry === 'string' ? entry : String((entry as { id?: unknown }).id ?? ''));

export function captureExtensions(item: DriftItem, manifest: ExtensionsManifest): ManifestEdit[] {
  const state: State = item.actual === 'disabled' ? 'disabled' : 'enabled';
  if (item.kind === 'addition') {
    return [{ op: 'insert', path: ['extensions'], value: state === 'enabled' ? item.key : { id: item.key, enabled: false }, sortKey }];
  }
  const index = manifest.extensions.findIndex((entry) => uuidOf(entry) === item.key);
  const entry = manifest.extensions[index];
  if (entry === undefined) return [];
  if (item.kind === 'removal') return [{ op: 'remove', path: ['extensions', index] }];
  if (typeof entry === 'string') return state === 'enabled' ? [] : [{ op: 'set', path: ['extensions', index], value: { id: item.key, enabled: false } }];
  return [{ op: 'set', path: ['extensions', index, 'enabled'], value: state === 'enabled' }];
}

const VERB: Record<State, string> = { enabled: 'Enable', disabled: 'Disable' };

function setStateOperation(uuid: string, state: State, env: Environment): Operation | { unsupported: string } {
  const tool = commandOnPath('gnome-extensions', env.env);
  if (tool) {
    const command = state === 'enabled' ? 'enable' : 'disable';
    return {
      verb: VERB[state],
      target: uuid,
      details: `gnome-extensions ${command}`,
      destructive: false,
      run: async (runEnv) => {
        await runEnv.run(tool, [command, uuid], { env: runEnv.env });
      },
    };
  }
  if (!commandOnPath('gsettings', env.env)) return { unsupported: `neither gnome-extensions nor gsettings is on PATH, so ${uuid} cannot be ${state} here` };
  return {
    verb: VERB[state],
    target: uuid,
    details: `enabled-extensions and disabled-extensions of ${SCHEMA}`,
    destructive: false,
    // Each key is read at run time and written whole, once: other extensions' entries stay as they are.
    run: async (runEnv) => {
      const [enabled = [], disabled = []] = await Promise.all(KEYS.map((key) => gsettingsGet(runEnv, key)));
      const before: Record<Key, string[]> = { 'enabled-extensions': enabled, 'disabled-extensions': disabled };
      const after = listsAfter(before, uuid, state);
      for (const key of KEYS) {
        if (after[key].join('\n') === before[key].join('\n')) continue;
        await runEnv.run('gsettings', ['set', SCHEMA, key, formatStringList(after[key])], { env: runEnv.env });
      }
    },
  };
}

export const extensions: Domain<ExtensionsManifest, LiveExtensions> = {
  name: 'extensions',
  title: 'GNOME Extensions',
  file: 'gnome-extensions.json',
  schema: ExtensionsManifest,

  async collect(env) {
    const [user, system, keys] = await Promise.all([
      installedIn(userDirectory(env)),
      Promise.all(systemDirectories(env).map(installedIn)),
      readKeys(env),
    ]);
    const anyDirectory = user !== undefined || system.some((dir) => dir !== undefined);
    const nowhere = `no extension directory (${[userDirectory(env), ...systemDirectories(env)].join(', ')})`;
    if ('unreadable' in keys) {
      if (!anyDirectory) throw new DomainUnavailable(`GNOME Shell not found: ${nowhere}, and ${keys.unreadable}`);
      throw new DomainError(`cannot read which extensions are enabled: ${keys.unreadable}`);
    }
    if (!anyDirectory && !keys.found) throw new DomainUnavailable(`GNOME Shell not found: ${nowhere}, no ${SCHEMA} schema and no ${SCHEMA} keys in dconf`);
    const installed = new Map<string, 'user' | 'system'>();
    for (const dir of system) for (const uuid of dir ?? []) installed.set(uuid, 'system');
    for (const uuid of user ?? []) installed.set(uuid, 'user');
    return { installed, enabled: keys.lists['enabled-extensions'], disabled: keys.lists['disabled-extensions'] };
  },

  compare: (manifest, live) => compareExtensions(manifest.value, live),
  capture: (item, manifest) => captureExtensions(item, manifest.value),

  apply(item, _manifest, env) {
    if (item.kind === 'removal') {
      return { unsupported: `${item.key} is not installed: install it from extensions.gnome.org or your package manager` };
    }
    // A modification goes back to the manifest's state; an extension the manifest does not declare is turned off.
    const state: State = item.kind === 'modification' && item.expected === 'enabled' ? 'enabled' : 'disabled';
    const operation = setStateOperation(item.key, state, env);
    return 'unsupported' in operation ? operation : [operation];
  },

  watch: (env) => ({ paths: [userDirectory(env), ...systemDirectories(env)], dconf: true }),
};
