// Flatpak remotes: the `[remote "NAME"]` groups of each installation's
// repo/config against flatpak-remotes.json.
//
// As for apps, one drift item per remote name (its key), listing the remote in
// every installation that has it; the manifest may list a name once per scope.
// Compared: the scope, whether the remote is filtered (`xa.filter`), and the URL,
// except when the manifest gives a `.flatpakrepo` file: flatpak stores the repo
// URL found inside that file, which cannot be known without fetching it.
import { join } from 'node:path';
import * as z from 'zod/mini';
import { byCodeUnits, DomainError, driftItem, type Domain, type DriftItem, type Environment, type LoadedManifest, type ManifestEdit, type Operation } from '../domain.js';
import { existingInstallations, installations, readRemotes, scopeOption, type ConfiguredRemote } from '../flatpak/installation.js';
import { formatJsonPath, manifestProblem } from '../manifest.js';
import { FlatpakScope, onePerScope } from './flatpak.js';

const Remote = z.looseObject({
  name: z.string().check(z.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, `a remote name such as flathub (letters, digits, '.', '_', '-'; not starting with '-')`)),
  url: z.string().check(z.minLength(1)),
  scope: FlatpakScope,
  filtered: z.optional(z.boolean()),
});
const FlatpakRemotes = z.looseObject({ $schema: z.optional(z.string()), remotes: z.array(Remote) });
export type FlatpakRemote = z.infer<typeof Remote>;
export type FlatpakRemotes = z.infer<typeof FlatpakRemotes>;

const DOMAIN = 'flatpak-remotes';

const isDescriptor = (url: string) => url.endsWith('.flatpakrepo');
const withoutSlash = (url: string) => url.replace(/\/+$/, '');

const describeRemote = (remote: { url: string; scope: string; filtered?: boolean }) => `${remote.url} (${remote.scope}${remote.filtered ? ', filtered' : ''})`;

interface Entry {
  index: number;
  entry: FlatpakRemote;
}

interface RemoteMatch {
  pairs: { entry: Entry; remote: ConfiguredRemote }[];
  missing: Entry[];
  extra: ConfiguredRemote[];
}

const urlDiffers = (entry: FlatpakRemote, remote: ConfiguredRemote) => !isDescriptor(entry.url) && withoutSlash(entry.url) !== withoutSlash(remote.url);
const filterDiffers = (entry: FlatpakRemote, remote: ConfiguredRemote) => (entry.filtered ?? false) !== remote.filtered;
const satisfies = (entry: FlatpakRemote, remote: ConfiguredRemote) => entry.scope === remote.scope && !urlDiffers(entry, remote) && !filterDiffers(entry, remote);

/** Pure: exact matches first, then each left-over entry takes a left-over remote, preferring its own scope. */
function matchRemote(entries: readonly Entry[], remotes: readonly ConfiguredRemote[]): RemoteMatch {
  const left = [...remotes];
  const take = (found: ConfiguredRemote | undefined) => {
    if (found) left.splice(left.indexOf(found), 1);
    return found;
  };
  const unmatched = entries.filter((e) => !take(left.find((r) => satisfies(e.entry, r))));
  const pairs: RemoteMatch['pairs'] = [];
  const missing: Entry[] = [];
  for (const e of unmatched) {
    const remote = take(left.find((r) => r.scope === e.entry.scope) ?? left[0]);
    if (remote) pairs.push({ entry: e, remote });
    else missing.push(e);
  }
  return { pairs, missing, extra: left };
}

function differences(entry: FlatpakRemote, remote: ConfiguredRemote): string[] {
  const out: string[] = [];
  if (entry.scope !== remote.scope) out.push(`in the ${remote.scope} installation, not ${entry.scope}`);
  if (urlDiffers(entry, remote)) out.push(`URL ${remote.url}, not ${entry.url}`);
  if (filterDiffers(entry, remote)) out.push(remote.filtered ? 'filtered' : 'not filtered');
  return out;
}

/** The entries named `name`, the first for each installation only. */
const entriesOf = (manifest: FlatpakRemotes, name: string): Entry[] => onePerScope(manifest.remotes, (r) => r.name).declared.filter((e) => e.entry.name === name);

/** Pure: a remote listed twice for one installation, as problems naming the line of the second entry. */
function repeatedRemotes(manifest: LoadedManifest<FlatpakRemotes>): string[] {
  return onePerScope(manifest.value.remotes, (r) => r.name).repeated.map(({ index, entry, first }) =>
    manifestProblem(manifest, ['remotes', index, 'name'], `${entry.name} is listed twice for the ${entry.scope} installation (first as ${formatJsonPath(['remotes', first])}); keep one`),
  );
}

/** Pure: the drift between the manifest's remotes and the configured ones. */
export function compareRemotes(manifest: FlatpakRemotes, live: readonly ConfiguredRemote[]): DriftItem[] {
  const items: DriftItem[] = [];
  const names = new Set(manifest.remotes.map((r) => r.name));
  for (const name of names) {
    const entries = entriesOf(manifest, name);
    const remotes = live.filter((r) => r.name === name);
    const expected = entries.map((e) => describeRemote(e.entry)).join(', ');
    if (!remotes.length) {
      items.push(driftItem(DOMAIN, name, { kind: 'removal', expected, detail: 'in manifest, not configured' }));
      continue;
    }
    const match = matchRemote(entries, remotes);
    if (!match.pairs.length && !match.missing.length && !match.extra.length) continue;
    const detail = [
      ...match.pairs.map(({ entry, remote }) => differences(entry.entry, remote).join(', ')),
      ...match.missing.map((e) => `not configured: ${describeRemote(e.entry)}`),
      ...match.extra.map((r) => `also configured: ${describeRemote(r)}`),
    ].join('; ');
    items.push(driftItem(DOMAIN, name, { kind: 'modification', expected, actual: remotes.map(describeRemote).join(', '), detail, data: { remotes } }));
  }
  const undeclared = [...new Set(live.map((r) => r.name))].filter((name) => !names.has(name)).sort(byCodeUnits);
  for (const name of undeclared) {
    const remotes = live.filter((r) => r.name === name);
    items.push(driftItem(DOMAIN, name, { kind: 'addition', actual: remotes.map(describeRemote).join(', '), detail: 'configured, not in manifest', data: { remotes } }));
  }
  return items;
}

const RemotesData = z.object({ remotes: z.array(z.object({ name: z.string(), scope: FlatpakScope, url: z.string(), filtered: z.boolean() })) });

function liveRemotesOf(item: DriftItem): ConfiguredRemote[] {
  if (item.kind === 'removal') return [];
  const parsed = z.safeParse(RemotesData, item.data ?? {});
  if (!parsed.success) throw new DomainError(`${item.id}: the item's data is not what the flatpak-remotes domain reported (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data.remotes;
}

/** Pure: the manifest edits that record an item's live state. */
export function captureRemote(item: DriftItem, manifest: FlatpakRemotes): ManifestEdit[] {
  const match = matchRemote(entriesOf(manifest, item.key), liveRemotesOf(item));
  const edits: ManifestEdit[] = [];
  for (const { entry, remote } of match.pairs) {
    const at = (field: string) => ['remotes', entry.index, field];
    if (entry.entry.scope !== remote.scope) edits.push({ op: 'set', path: at('scope'), value: remote.scope });
    if (urlDiffers(entry.entry, remote)) edits.push({ op: 'set', path: at('url'), value: remote.url });
    if (filterDiffers(entry.entry, remote)) {
      // An unfiltered remote is written the way the manifest writes one: without the key.
      edits.push(remote.filtered ? { op: 'set', path: at('filtered'), value: true } : { op: 'remove', path: at('filtered') });
    }
  }
  // Removals from the highest index down, so that each path still names its entry.
  for (const index of match.missing.map((e) => e.index).sort((a, b) => b - a)) edits.push({ op: 'remove', path: ['remotes', index] });
  for (const remote of match.extra) {
    edits.push({
      op: 'insert',
      path: ['remotes'],
      value: { name: remote.name, url: remote.url, scope: remote.scope, ...(remote.filtered ? { filtered: true } : {}) },
      sortKey: (entry) => String((entry as { name?: unknown }).name ?? ''),
    });
  }
  return edits;
}

const flatpak = (env: Environment, args: string[]) => env.run('flatpak', args, { env: env.env }).then(() => undefined);

function addOperation(entry: FlatpakRemote): Operation {
  return {
    verb: 'Add remote',
    target: entry.name,
    details: describeRemote(entry),
    destructive: false,
    run: (env) => flatpak(env, ['remote-add', scopeOption(entry.scope), '--if-not-exists', entry.name, entry.url]),
  };
}

function deleteOperation(remote: ConfiguredRemote): Operation {
  return {
    verb: 'Delete remote',
    target: remote.name,
    details: describeRemote(remote),
    destructive: true,
    run: (env) => flatpak(env, ['remote-delete', scopeOption(remote.scope), remote.name]),
  };
}

const filterUnknown = (entry: FlatpakRemote) => ({
  unsupported: `the manifest says ${entry.name} (${entry.scope}) is filtered but not by which filter file; add it with flatpak remote-add --filter=FILE`,
});

/** Pure: the flatpak commands that make the remotes match the manifest for an item. */
export function applyRemote(item: DriftItem, manifest: FlatpakRemotes): Operation[] | { unsupported: string } {
  const match = matchRemote(entriesOf(manifest, item.key), liveRemotesOf(item));
  const adds: Operation[] = [];
  const deletes: Operation[] = match.extra.map(deleteOperation);
  for (const { entry, remote } of match.pairs) {
    const wanted = entry.entry;
    if (wanted.scope !== remote.scope) {
      if (wanted.filtered) return filterUnknown(wanted);
      adds.push(addOperation(wanted));
      deletes.push(deleteOperation(remote));
      continue;
    }
    if (wanted.filtered && !remote.filtered) return filterUnknown(wanted);
    const options = [...(urlDiffers(wanted, remote) ? [`--url=${wanted.url}`] : []), ...(remote.filtered && !wanted.filtered ? ['--no-filter'] : [])];
    adds.push({
      verb: 'Modify remote',
      target: wanted.name,
      details: `${options.join(' ')} (${wanted.scope})`,
      destructive: false,
      run: (env) => flatpak(env, ['remote-modify', scopeOption(wanted.scope), ...options, wanted.name]),
    });
  }
  for (const e of match.missing) {
    if (e.entry.filtered) return filterUnknown(e.entry);
    adds.push(addOperation(e.entry));
  }
  // Add first: deleting a remote that apps still come from fails, adding never does.
  return [...adds, ...deletes];
}

export const flatpakRemotes: Domain<FlatpakRemotes, ConfiguredRemote[]> = {
  name: DOMAIN,
  title: 'Flatpak remotes',
  file: 'flatpak-remotes.json',
  schema: FlatpakRemotes,

  async collect(env) {
    const present = await existingInstallations(env);
    return (await Promise.all(present.map(readRemotes))).flat();
  },

  compare: (manifest, live) => compareRemotes(manifest.value, live),
  problems: (manifest) => repeatedRemotes(manifest),
  capture: (item, manifest) => captureRemote(item, manifest.value),
  apply: (item, manifest) => applyRemote(item, manifest.value),

  // repo/config is replaced by rename, which its directory sees.
  watch: (env) => ({ paths: installations(env).map((i) => join(i.path, 'repo')) }),
};
