// Host binaries: tools fetchbin installs on the host from npm, crates.io or
// GitHub releases. fetchbin records each install in
// $XDG_DATA_HOME/fetchbin/manifest.json under the binary's name, with the
// source and the version it resolved.
//
// Drift:
// - removal: a declared binary fetchbin has not installed;
// - modification: installed from another source, or at a version outside the
//   one the manifest pins (read as fetchbin reads it: a bare `2.0` means `^2.0`);
// - addition: a binary fetchbin installed that the manifest does not declare.
import { readFile } from '../fs-async.js';
import { join } from 'node:path';
import satisfies from 'semver/functions/satisfies.js';
import valid from 'semver/functions/valid.js';
import * as z from 'zod/mini';
import { commandOnPath } from '../command-path.js';
import { DomainError, DomainUnavailable, driftItem, type Domain, type DriftItem, type Environment, type ManifestEdit, type Operation } from '../domain.js';

const NonEmpty = z.string().check(z.minLength(1));
const Source = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('npm'), package: NonEmpty }),
  z.looseObject({ type: z.literal('cargo'), crate_name: NonEmpty }),
  z.looseObject({ type: z.literal('github'), repo: z.string().check(z.regex(/^[^/\s]+\/[^/\s]+$/, 'a repo is "owner/name" on GitHub')), asset_pattern: z.optional(z.nullable(z.string())) }),
]);
const HostBinary = z.looseObject({
  name: z.string().check(z.regex(/^[^/\0]+$/, 'a binary name is a file name (no /)')),
  source: Source,
  version: z.optional(z.nullable(z.string())),
  binary: z.optional(z.nullable(z.string())),
});
const HostBinariesManifest = z.looseObject({ $schema: z.optional(z.string()), binaries: z.array(HostBinary) });
type HostBinariesManifest = z.infer<typeof HostBinariesManifest>;
type DeclaredSource = z.infer<typeof Source>;

// fetchbin's own record; only what drift needs is checked.
const InstalledSource = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('npm'), package: z.string(), version: z.string() }),
  z.looseObject({ type: z.literal('cargo'), crate_name: z.string(), version: z.string() }),
  z.looseObject({ type: z.literal('github'), repo: z.string(), asset: z.optional(z.string()), version: z.string() }),
]);
const FetchbinManifest = z.looseObject({ binaries: z.optional(z.record(z.string(), z.looseObject({ source: InstalledSource }))) });
type InstalledSource = z.infer<typeof InstalledSource>;

/** fetchbin's installs by binary name. */
export type LiveBinaries = Map<string, InstalledSource>;

const fetchbinManifestFile = (env: Environment): string => join(env.xdgDataHome, 'fetchbin/manifest.json');

export function parseFetchbinManifest(file: string, text: string): LiveBinaries {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DomainError(`${file}: invalid JSON: ${(error as Error).message}`);
  }
  const result = z.safeParse(FetchbinManifest, value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = (issue?.path ?? []).map(String).join('.');
    throw new DomainError(`${file}: ${where ? `${where}: ` : ''}${issue?.message ?? 'not a fetchbin manifest'}`);
  }
  return new Map(Object.entries(result.data.binaries ?? {}).map(([name, installed]) => [name, installed.source]));
}

const idOf = (source: DeclaredSource | InstalledSource): string =>
  source.type === 'npm' ? source.package : source.type === 'cargo' ? source.crate_name : source.repo;

/** `npm:turbo`, as fetchbin's install command takes it. */
const sourceLabel = (source: DeclaredSource | InstalledSource): string => `${source.type}:${idOf(source)}`;

const sameSource = (declared: DeclaredSource, installed: InstalledSource): boolean =>
  declared.type === installed.type && (declared.type === 'github' ? idOf(declared).toLowerCase() === idOf(installed).toLowerCase() : idOf(declared) === idOf(installed));

/** Whether an installed version meets the manifest's pin, read as fetchbin reads a version requirement. */
export function versionMeets(pin: string, installed: string): boolean {
  const wanted = pin.trim();
  if (wanted === 'latest' || wanted === '*' || wanted === installed) return true;
  if (valid(installed) === null) return wanted.replace(/^[=v]+/, '') === installed.replace(/^v/, '');
  // fetchbin turns a bare version into a caret requirement.
  const range = /^[\^~><=]/.test(wanted) ? wanted : `^${wanted}`;
  return satisfies(installed, range);
}

const binaryOf = (entry: HostBinariesManifest['binaries'][number]): string => entry.binary ?? entry.name;

/** The manifest's `source` object for what fetchbin installed (its resolved asset becomes the pattern). */
function declaredSourceOf(installed: InstalledSource): DeclaredSource {
  if (installed.type === 'npm') return { type: 'npm', package: installed.package };
  if (installed.type === 'cargo') return { type: 'cargo', crate_name: installed.crate_name };
  // fetchbin records `platform` when it picked the asset for this machine itself.
  return installed.asset && installed.asset !== 'platform' ? { type: 'github', repo: installed.repo, asset_pattern: installed.asset } : { type: 'github', repo: installed.repo };
}

export function compareHostBinaries(manifest: HostBinariesManifest, live: LiveBinaries): DriftItem[] {
  const items: DriftItem[] = [];
  const declared = new Set<string>();
  for (const entry of manifest.binaries) {
    const binary = binaryOf(entry);
    declared.add(binary);
    const installed = live.get(binary);
    const wanted = `${sourceLabel(entry.source)}${entry.version ? `@${entry.version}` : ''}`;
    if (!installed) {
      items.push(driftItem('host-binaries', entry.name, { kind: 'removal', expected: wanted, detail: 'in manifest, not installed by fetchbin' }));
    } else if (!sameSource(entry.source, installed)) {
      items.push(driftItem('host-binaries', entry.name, { kind: 'modification', expected: wanted, actual: `${sourceLabel(installed)}@${installed.version}`, detail: 'installed from another source', data: { change: 'source', source: declaredSourceOf(installed), version: installed.version } }));
    } else if (entry.version && !versionMeets(entry.version, installed.version)) {
      items.push(driftItem('host-binaries', entry.name, { kind: 'modification', expected: entry.version, actual: installed.version, detail: 'version', data: { change: 'version', version: installed.version } }));
    }
  }
  for (const [binary, installed] of live) {
    if (declared.has(binary)) continue;
    items.push(driftItem('host-binaries', binary, { kind: 'addition', actual: `${sourceLabel(installed)}@${installed.version}`, detail: 'installed by fetchbin, not in manifest', data: { source: declaredSourceOf(installed), version: installed.version } }));
  }
  return items;
}

export function captureHostBinaries(item: DriftItem, manifest: HostBinariesManifest): ManifestEdit[] {
  const data = item.data ?? {};
  if (item.kind === 'addition') {
    const value = { name: item.key, source: data.source, version: data.version };
    return [{ op: 'insert', path: ['binaries'], value, sortKey: (entry) => String((entry as { name?: unknown }).name ?? '') }];
  }
  const index = manifest.binaries.findIndex((entry) => entry.name === item.key);
  const entry = manifest.binaries[index];
  if (!entry) return [];
  if (item.kind === 'removal') return [{ op: 'remove', path: ['binaries', index] }];
  const edits: ManifestEdit[] = [];
  if (data.change === 'source') edits.push({ op: 'set', path: ['binaries', index, 'source'], value: data.source });
  // A pin the new version does not meet would be drift again at once.
  if (entry.version && typeof data.version === 'string' && !versionMeets(entry.version, data.version)) {
    edits.push({ op: 'set', path: ['binaries', index, 'version'], value: data.version });
  }
  return edits;
}

// Installs download a package and may build a crate: far longer than the runner's default minute.
const FETCHBIN_TIMEOUT_MS = 30 * 60_000;

function installArgs(entry: HostBinariesManifest['binaries'][number]): string[] {
  const args = ['install', `${sourceLabel(entry.source)}${entry.version ? `@${entry.version}` : ''}`];
  if (entry.source.type === 'github' && entry.source.asset_pattern) args.push('--asset', entry.source.asset_pattern);
  if (entry.binary) args.push('--bin', entry.binary);
  return args;
}

export const hostBinaries: Domain<HostBinariesManifest, LiveBinaries> = {
  name: 'host-binaries',
  title: 'Host binaries',
  file: 'host-binaries.json',
  schema: HostBinariesManifest,

  async collect(env) {
    const file = fetchbinManifestFile(env);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DomainUnavailable(`fetchbin has installed nothing here: no ${file}`);
      throw new DomainError(`${file}: ${(error as Error).message}`);
    }
    return parseFetchbinManifest(file, text);
  },

  compare: (manifest, live) => compareHostBinaries(manifest.value, live),
  capture: (item, manifest) => captureHostBinaries(item, manifest.value),

  apply(item, manifest, env) {
    const fetchbin = commandOnPath('fetchbin', env.env);
    if (!fetchbin) return { unsupported: 'fetchbin is not on PATH: it installs and removes host binaries, and bkt-drift cannot without it' };
    const run = (args: string[]) => async (runEnv: Environment) => {
      await runEnv.run(fetchbin, args, { env: runEnv.env, timeoutMs: FETCHBIN_TIMEOUT_MS });
    };
    if (item.kind === 'addition') {
      return [{ verb: 'Remove', target: item.key, details: `fetchbin remove ${item.key}`, destructive: true, run: run(['remove', item.key]) }];
    }
    const entry = manifest.value.binaries.find((b) => b.name === item.key);
    if (!entry) return { unsupported: `${item.key} is no longer in ${manifest.path}` };
    const args = installArgs(entry);
    const operation: Operation = { verb: item.kind === 'removal' ? 'Install' : 'Reinstall', target: item.key, details: `fetchbin ${args.join(' ')}`, destructive: false, run: run(args) };
    return [operation];
  },

  watch: (env) => ({ paths: [join(env.xdgDataHome, 'fetchbin')] }),
};
