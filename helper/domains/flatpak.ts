// Flatpak apps: the apps deployed in the user and system installations against
// flatpak-apps.json, read from the installation directories (see
// ../flatpak/installation.ts), never by one `flatpak` process per app.
//
// One drift item per app id, whatever the number of installations: an app
// installed in both scopes, or in two branches, is one item that lists them all
// (an undeclared one is one addition; a declared one installed a second time is a
// modification). Its key is the app id, so an ignore rule `flatpak:<id>` covers
// the app however it is installed. The manifest may list an id once per scope:
// a second entry for the same id and scope is a problem (an error naming its
// line), and only the first is compared.
//
// Compared: the origin remote, the branch (when the manifest names one) and the
// scope. Every arch is read (the manifest has no arch, so any arch satisfies an
// entry). Not compared: `commit`, which changes with every update (capture keeps
// it current where the manifest records it). `overrides`, when an entry lists
// them, are compared with the installation's `overrides/<id>` keyfile as their own
// item `<id>:overrides`; an entry without the key leaves overrides unmanaged.
import { join } from 'node:path';
import * as z from 'zod/mini';
import { byCodeUnits, DomainError, driftItem, type Domain, type DriftItem, type Environment, type LoadedManifest, type ManifestEdit, type Operation } from '../domain.js';
import {
  existingInstallations,
  installationOf,
  installations,
  readInstalledAppsCached,
  readOverridesFile,
  scopeOption,
  type InstalledApp,
  type Scope,
} from '../flatpak/installation.js';
import { overrideOptions, overridesInManifestOrder, sameOverrides } from '../flatpak/overrides.js';
import { formatJsonPath, manifestProblem } from '../manifest.js';

// Names reach flatpak's command line: none may start with '-' or hold a '/'.
const FLATPAK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const named = (what: string) => z.string().check(z.regex(FLATPAK_NAME, `${what} (letters, digits, '.', '_', '-'; not starting with '-')`));

export const FlatpakScope = z.enum(['system', 'user']);

const App = z.looseObject({
  id: named('an app id such as org.gnome.Calculator'),
  remote: named('a remote name such as flathub'),
  scope: FlatpakScope,
  branch: z.optional(named('a branch such as stable')),
  commit: z.optional(z.string()),
  overrides: z.optional(z.array(z.string())),
});
const FlatpakApps = z.looseObject({ $schema: z.optional(z.string()), apps: z.array(App) });
export type FlatpakApp = z.infer<typeof App>;
export type FlatpakApps = z.infer<typeof FlatpakApps>;

export interface LiveApps {
  apps: InstalledApp[];
  /** `<scope>/<id>` -> the `flatpak override` options set there, for manifest entries that list overrides. */
  overrides: Map<string, string[]>;
}

const DOMAIN = 'flatpak';
const OVERRIDES_SUFFIX = ':overrides';
/** The manifest records commits as `flatpak list` shows them. */
const SHORT_COMMIT = 12;
const INSTALL_TIMEOUT_MS = 30 * 60_000;

const overridesKey = (scope: Scope, id: string) => `${scope}/${id}`;

const describeEntry = (entry: Pick<FlatpakApp, 'remote' | 'branch' | 'scope'>) =>
  `${entry.remote}${entry.branch === undefined ? '' : `/${entry.branch}`} (${entry.scope})`;
const describeInstalled = (app: InstalledApp) => `${app.origin}/${app.branch} (${app.scope})`;

interface Entry {
  index: number;
  entry: FlatpakApp;
}

/** Pure: the manifest's entries, split into the first for each app id and scope and the ones that repeat one (with the first's index). */
function entriesByScope(manifest: FlatpakApps): { declared: Entry[]; repeated: (Entry & { first: number })[] } {
  return onePerScope(manifest.apps, (app) => app.id);
}

/**
 * Manifest entries with their index, the first of each name in each
 * installation `declared`, the others `repeated` (with the first's index): an
 * installation has one app, or one remote, of a name.
 */
export function onePerScope<T extends { scope: Scope }>(
  entries: readonly T[],
  nameOf: (entry: T) => string,
): { declared: { index: number; entry: T }[]; repeated: { index: number; entry: T; first: number }[] } {
  const firsts = new Map<string, number>();
  const declared: { index: number; entry: T }[] = [];
  const repeated: { index: number; entry: T; first: number }[] = [];
  entries.forEach((entry, index) => {
    const key = `${entry.scope}/${nameOf(entry)}`;
    const first = firsts.get(key);
    if (first === undefined) {
      firsts.set(key, index);
      declared.push({ index, entry });
    } else {
      repeated.push({ index, entry, first });
    }
  });
  return { declared, repeated };
}

/** How one app's manifest entries and installations line up. */
interface AppMatch {
  /** An entry and the installation that differs from it (remote, branch or scope). */
  pairs: { entry: Entry; app: InstalledApp }[];
  /** Entries with no installation left to stand for them. */
  missing: Entry[];
  /** Installations no entry stands for. */
  extra: InstalledApp[];
}

const satisfies = (entry: FlatpakApp, app: InstalledApp) =>
  entry.scope === app.scope && entry.remote === app.origin && (entry.branch === undefined || entry.branch === app.branch);

/** Pure: exact matches first, then each left-over entry takes the closest left-over installation. */
function matchApp(entries: readonly Entry[], apps: readonly InstalledApp[]): AppMatch {
  const left = [...apps];
  const take = (found: InstalledApp | undefined) => {
    if (found) left.splice(left.indexOf(found), 1);
    return found;
  };
  const unmatched = entries.filter((e) => !take(left.find((app) => satisfies(e.entry, app))));
  const pairs: AppMatch['pairs'] = [];
  const missing: Entry[] = [];
  for (const e of unmatched) {
    const { scope, branch } = e.entry;
    const app = take(
      left.find((a) => a.scope === scope && (branch === undefined || a.branch === branch)) ?? left.find((a) => a.scope === scope) ?? left[0],
    );
    if (app) pairs.push({ entry: e, app });
    else missing.push(e);
  }
  return { pairs, missing, extra: left };
}

function differences(entry: FlatpakApp, app: InstalledApp): string[] {
  const out: string[] = [];
  if (entry.remote !== app.origin) out.push(`installed from ${app.origin}, not ${entry.remote}`);
  if (entry.branch !== undefined && entry.branch !== app.branch) out.push(`branch ${app.branch}, not ${entry.branch}`);
  if (entry.scope !== app.scope) out.push(`in the ${app.scope} installation, not ${entry.scope}`);
  return out;
}

function describeMatch(match: AppMatch): string {
  return [
    ...match.pairs.map(({ entry, app }) => differences(entry.entry, app).join(', ')),
    ...match.missing.map((e) => `not installed: ${describeEntry(e.entry)}`),
    ...match.extra.map((app) => `also installed: ${describeInstalled(app)}`),
  ].join('; ');
}

const byInstallation = (a: InstalledApp, b: InstalledApp) =>
  byCodeUnits(a.scope, b.scope) || byCodeUnits(a.branch, b.branch) || byCodeUnits(a.arch, b.arch) || byCodeUnits(a.origin, b.origin);

const groupBy = <T>(list: readonly T[], key: (t: T) => string) => {
  const groups = new Map<string, T[]>();
  for (const item of list) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
};

/** Pure: the drift between the manifest's apps and the installed ones. */
export function compareApps(manifest: FlatpakApps, live: LiveApps): DriftItem[] {
  const changes: DriftItem[] = [];
  const additions: DriftItem[] = [];
  const installed = groupBy([...live.apps].sort(byInstallation), (app) => app.id);
  const kept = entriesByScope(manifest).declared;
  const declared = groupBy(kept, (e) => e.entry.id);

  for (const [id, entries] of declared) {
    const apps = installed.get(id) ?? [];
    const expected = entries.map((e) => describeEntry(e.entry)).join(', ');
    if (!apps.length) {
      changes.push(driftItem(DOMAIN, id, { kind: 'removal', expected, detail: 'in manifest, not installed' }));
      continue;
    }
    const match = matchApp(entries, apps);
    if (match.pairs.length || match.missing.length || match.extra.length) {
      changes.push(driftItem(DOMAIN, id, { kind: 'modification', expected, actual: apps.map(describeInstalled).join(', '), detail: describeMatch(match), data: { installations: apps } }));
    }
  }
  const undeclared = [...installed.keys()].filter((id) => !declared.has(id)).sort(byCodeUnits);
  for (const id of undeclared) {
    const apps = installed.get(id) ?? [];
    additions.push(driftItem(DOMAIN, id, { kind: 'addition', actual: apps.map(describeInstalled).join(', '), detail: 'installed, not in manifest', data: { installations: apps } }));
  }

  const differing = kept.flatMap(({ entry }) => {
    // An app that is not installed in that scope is a removal already; its overrides wait for it.
    if (entry.overrides === undefined || !installed.get(entry.id)?.some((app) => app.scope === entry.scope)) return [];
    const options = live.overrides.get(overridesKey(entry.scope, entry.id)) ?? [];
    return sameOverrides(entry.overrides, options) ? [] : [{ entry, wanted: entry.overrides, options }];
  });
  // One item per app, however many scopes differ, so that its key stays unique.
  for (const [id, list] of groupBy(differing, (d) => d.entry.id)) {
    const text = (options: string[], scope: Scope) => `${list.length > 1 ? `${scope}: ` : ''}${options.join(' ') || 'none'}`;
    changes.push(
      driftItem(DOMAIN, `${id}${OVERRIDES_SUFFIX}`, {
        kind: 'modification',
        expected: list.map((d) => text(d.wanted, d.entry.scope)).join('; '),
        actual: list.map((d) => text(d.options, d.entry.scope)).join('; '),
        detail: `overrides in the ${list.map((d) => d.entry.scope).join(' and ')} installation${list.length > 1 ? 's' : ''} differ`,
        data: { overrides: list.map((d) => ({ scope: d.entry.scope, options: d.options })) },
      }),
    );
  }
  return [...changes, ...additions];
}

const InstalledData = z.object({
  installations: z.array(z.object({ id: z.string(), scope: FlatpakScope, arch: z.string(), branch: z.string(), origin: z.string(), commit: z.string() })),
});
const OverridesData = z.object({ overrides: z.array(z.object({ scope: FlatpakScope, options: z.array(z.string()) })) });

function itemData<T>(item: DriftItem, schema: z.ZodMiniType<T>): T {
  const parsed = z.safeParse(schema, item.data ?? {});
  if (!parsed.success) throw new DomainError(`${item.id}: the item's data is not what the flatpak domain reported (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

const isOverridesItem = (item: DriftItem) => item.key.endsWith(OVERRIDES_SUFFIX);
const appIdOf = (item: DriftItem) => (isOverridesItem(item) ? item.key.slice(0, -OVERRIDES_SUFFIX.length) : item.key);

function entriesOf(manifest: FlatpakApps, id: string): Entry[] {
  return entriesByScope(manifest).declared.filter((e) => e.entry.id === id);
}

/** Pure: an app id listed twice for one installation, as problems naming the line of the second entry. */
function repeatedApps(manifest: LoadedManifest<FlatpakApps>): string[] {
  return entriesByScope(manifest.value).repeated.map(({ index, entry, first }) =>
    manifestProblem(manifest, ['apps', index, 'id'], `${entry.id} is listed twice for the ${entry.scope} installation (first as ${formatJsonPath(['apps', first])}); keep one`),
  );
}

/** Pure: the manifest edits that record an item's live state. */
export function captureApp(item: DriftItem, manifest: FlatpakApps): ManifestEdit[] {
  const id = appIdOf(item);
  if (isOverridesItem(item)) {
    return itemData(item, OverridesData).overrides.flatMap(({ scope, options }): ManifestEdit[] => {
      const target = entriesOf(manifest, id).find((e) => e.entry.scope === scope);
      return target ? [{ op: 'set', path: ['apps', target.index, 'overrides'], value: overridesInManifestOrder(target.entry.overrides ?? [], options) }] : [];
    });
  }
  const apps = item.kind === 'removal' ? [] : itemData(item, InstalledData).installations;
  const match = matchApp(entriesOf(manifest, id), apps);
  const sets: ManifestEdit[] = [];
  for (const { entry, app } of match.pairs) {
    const at = (field: string) => ['apps', entry.index, field];
    if (entry.entry.remote !== app.origin) sets.push({ op: 'set', path: at('remote'), value: app.origin });
    if (entry.entry.scope !== app.scope) sets.push({ op: 'set', path: at('scope'), value: app.scope });
    if (entry.entry.branch !== undefined && entry.entry.branch !== app.branch) sets.push({ op: 'set', path: at('branch'), value: app.branch });
    const commit = app.commit.slice(0, SHORT_COMMIT);
    if (entry.entry.commit !== undefined && entry.entry.commit !== commit) sets.push({ op: 'set', path: at('commit'), value: commit });
  }
  // Removals from the highest index down, so that each path still names its entry.
  const removals: ManifestEdit[] = match.missing
    .map((e) => e.index)
    .sort((a, b) => b - a)
    .map((index) => ({ op: 'remove', path: ['apps', index] }));
  const inserts: ManifestEdit[] = match.extra.map((app) => ({
    op: 'insert',
    path: ['apps'],
    value: { id, remote: app.origin, scope: app.scope, branch: app.branch, commit: app.commit.slice(0, SHORT_COMMIT) },
    sortKey: (entry) => String((entry as { id?: unknown }).id ?? ''),
  }));
  return [...sets, ...removals, ...inserts];
}

const flatpak = (env: Environment, args: string[], timeoutMs?: number) => env.run('flatpak', args, { env: env.env, timeoutMs }).then(() => undefined);

function installOperation(id: string, entry: FlatpakApp, reinstall: InstalledApp | undefined): Operation {
  const ref = entry.branch === undefined ? id : `${id}//${entry.branch}`;
  const args = ['install', '--noninteractive', '-y', ...(reinstall ? ['--reinstall'] : []), scopeOption(entry.scope), entry.remote, ref];
  return {
    verb: reinstall ? 'Reinstall' : 'Install',
    target: ref,
    details: reinstall ? `from ${entry.remote} instead of ${reinstall.origin} (${entry.scope})` : describeEntry(entry),
    destructive: false,
    run: (env) => flatpak(env, args, INSTALL_TIMEOUT_MS),
  };
}

function uninstallOperation(app: InstalledApp): Operation {
  const ref = `${app.id}/${app.arch}/${app.branch}`;
  return {
    verb: 'Uninstall',
    target: ref,
    details: describeInstalled(app),
    destructive: true,
    run: (env) => flatpak(env, ['uninstall', '--noninteractive', '-y', scopeOption(app.scope), ref], INSTALL_TIMEOUT_MS),
  };
}

/** Pure: the flatpak commands that make the installations match the manifest for an item. */
export function applyApp(item: DriftItem, manifest: FlatpakApps): Operation[] | { unsupported: string } {
  const id = appIdOf(item);
  if (isOverridesItem(item)) {
    const operations: Operation[] = [];
    for (const { scope } of itemData(item, OverridesData).overrides) {
      const wanted = entriesOf(manifest, id).find((e) => e.entry.scope === scope)?.entry.overrides;
      if (wanted === undefined) return { unsupported: `the manifest lists no overrides for ${id} in the ${scope} installation` };
      operations.push({
        verb: 'Override',
        target: id,
        details: `${wanted.join(' ') || 'no overrides'} (${scope}), replacing the current ones`,
        destructive: true,
        run: async (env) => {
          await flatpak(env, ['override', scopeOption(scope), '--reset', id]);
          if (wanted.length) await flatpak(env, ['override', scopeOption(scope), ...wanted, id]);
        },
      });
    }
    return operations;
  }
  const apps = item.kind === 'removal' ? [] : itemData(item, InstalledData).installations;
  const match = matchApp(entriesOf(manifest, id), apps);
  const installs: Operation[] = [];
  const uninstalls: Operation[] = [...match.extra.map(uninstallOperation)];
  for (const { entry, app } of match.pairs) {
    const onlyRemoteDiffers = entry.entry.scope === app.scope && (entry.entry.branch === undefined || entry.entry.branch === app.branch);
    if (onlyRemoteDiffers) {
      installs.push(installOperation(id, { ...entry.entry, branch: app.branch }, app));
    } else {
      installs.push(installOperation(id, entry.entry, undefined));
      uninstalls.push(uninstallOperation(app));
    }
  }
  installs.push(...match.missing.map((e) => installOperation(id, e.entry, undefined)));
  // Install first: a failed install then leaves the old installation in place.
  return [...installs, ...uninstalls];
}

export const flatpakApps: Domain<FlatpakApps, LiveApps> = {
  name: DOMAIN,
  title: 'Flatpaks',
  file: 'flatpak-apps.json',
  schema: FlatpakApps,

  async collect(env, manifest) {
    const present = await existingInstallations(env);
    const withOverrides = manifest.value.apps.filter((entry) => entry.overrides !== undefined);
    const apps = readInstalledAppsCached(present, env.cacheDir);
    const texts = await Promise.all(withOverrides.map((entry) => readOverridesFile(installationOf(env, entry.scope), entry.id)));
    const overrides = new Map<string, string[]>();
    withOverrides.forEach((entry, index) => overrides.set(overridesKey(entry.scope, entry.id), overrideOptions(texts[index] ?? '')));
    return { apps, overrides };
  },

  compare: (manifest, live) => compareApps(manifest.value, live),
  problems: (manifest) => repeatedApps(manifest),
  capture: (item, manifest) => captureApp(item, manifest.value),
  apply: (item, manifest) => applyApp(item, manifest.value),

  watch: (env) => ({
    // The installation directory itself, for `.changed`, which flatpak touches after every change.
    paths: installations(env).flatMap((i) => [i.path, join(i.path, 'app'), join(i.path, 'repo', 'refs', 'remotes'), join(i.path, 'overrides')]),
  }),
};
