// Homebrew: the formulae the user asked for and the taps they come from, read
// in process from the Cellar's install receipts and the Taps directory (`brew`
// itself takes a second or more to start, far too slow for every check).
//
// Drift:
// - removal: a declared formula with no keg in the Cellar, or a declared tap
//   that is not tapped;
// - modification: a declared formula installed from another tap;
// - addition: a formula installed on request (its receipt's
//   `installed_on_request`) that the manifest does not declare, or a tap that
//   nothing declared explains. Dependencies are not drift: brew installs and
//   removes them on its own.
import { existsSync } from 'node:fs';
import { readdir, readFile } from '../fs-async.js';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { DomainError, DomainUnavailable, driftItem, type Domain, type DriftItem, type Environment, type ManifestEdit, type Operation } from '../domain.js';

const TAP = /^[^/\s]+\/[^/\s]+$/;
const FORMULA = /^(?:[^/\s]+\/[^/\s]+\/)?[^/\s]+$/;

const FormulaName = z.string().check(z.regex(FORMULA, 'a formula is "name" or "user/repo/name"'));
const Formula = z.union([FormulaName, z.looseObject({ name: FormulaName, tap: z.optional(z.nullable(z.string().check(z.regex(TAP, 'a tap is "user/repo"')))) })]);
const HomebrewManifest = z.looseObject({
  $schema: z.optional(z.string()),
  formulae: z.optional(z.array(Formula)),
  taps: z.optional(z.array(z.string().check(z.regex(TAP, 'a tap is "user/repo"')))),
});
type HomebrewManifest = z.infer<typeof HomebrewManifest>;
type FormulaEntry = z.infer<typeof Formula>;

/** One installed formula (a rack in the Cellar), described by its newest keg's receipt. */
export interface LiveFormula {
  /** The rack's name: the formula's short name. */
  name: string;
  /** The tap it came from, lower case; null for homebrew/core. */
  tap: string | null;
  version: string;
  onRequest: boolean;
  /** Other names the formula answers to (`python3` for `python@3.13`). */
  aliases: string[];
}

export interface LiveHomebrew {
  formulae: Map<string, LiveFormula>;
  taps: Set<string>;
  /** Receipts that could not be read: errors, not drift. */
  unreadable: string[];
}

const homebrewPrefix = (env: Environment): string => env.env.HOMEBREW_PREFIX || '/home/linuxbrew/.linuxbrew';
const cellarOf = (env: Environment): string => env.env.HOMEBREW_CELLAR || join(homebrewPrefix(env), 'Cellar');
const tapsDirOf = (env: Environment): string => join(env.env.HOMEBREW_REPOSITORY || join(homebrewPrefix(env), 'Homebrew'), 'Library/Taps');

// homebrew/core is where a bare name comes from; receipts written before
// Homebrew 1.0 name it homebrew/homebrew.
const CORE_TAPS = new Set(['homebrew/core', 'homebrew/homebrew']);
// Taps brew itself sets up on older installations: never the user's doing.
const BUILT_IN_TAPS = new Set(['homebrew/core', 'homebrew/cask']);

/** A tap name as brew compares it (case-insensitive), null for homebrew/core. */
export function normalTap(tap: string | null | undefined): string | null {
  if (!tap) return null;
  // Some old receipts name the formula too (`user/repo/formula`): the tap is the first two parts.
  const lower = tap.toLowerCase().split('/').slice(0, 2).join('/');
  return CORE_TAPS.has(lower) ? null : lower;
}

/** The name `brew install` takes and the manifest writes: `name`, or `user/repo/name` outside homebrew/core. */
function fullName(name: string, tap: string | null): string {
  return tap ? `${tap}/${name}` : name;
}

/** A manifest entry's short name and tap. */
export function declaredFormula(entry: FormulaEntry): { name: string; tap: string | null } {
  const written = typeof entry === 'string' ? entry : entry.name;
  const parts = written.split('/');
  if (parts.length === 3) return { name: parts[2] as string, tap: normalTap(`${parts[0]}/${parts[1]}`) };
  return { name: written, tap: typeof entry === 'string' ? null : normalTap(entry.tap) };
}

const declaredFullName = (entry: FormulaEntry): string => {
  const { name, tap } = declaredFormula(entry);
  return fullName(name, tap);
};

const sortKey = (entry: unknown): string => (typeof entry === 'string' ? entry : String((entry as { name?: unknown }).name ?? ''));
const tapKey = (tap: string) => `tap:${tap}`;

interface Receipt {
  installed_on_request?: unknown;
  time?: unknown;
  aliases?: unknown;
  source?: { tap?: unknown };
}

/**
 * A directory's entries; none when it does not exist (brief races with brew
 * are harmless). Any other failure is the domain's error: an unreadable rack
 * or Taps directory is not a formula or tap that is missing.
 */
async function entriesOf(dir: string, what: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DomainError(`cannot read ${what} ${dir}: ${(error as Error).message}`);
  }
}

async function readRack(cellar: string, name: string, unreadable: string[]): Promise<LiveFormula | undefined> {
  const versions = await entriesOf(join(cellar, name), 'the rack');
  let newest: { version: string; receipt: Receipt; time: number } | undefined;
  for (const version of versions) {
    if (!version.isDirectory()) continue;
    const file = join(cellar, name, version.name, 'INSTALL_RECEIPT.json');
    let receipt: Receipt;
    try {
      receipt = JSON.parse(await readFile(file, 'utf8')) as Receipt;
    } catch (error) {
      // A keg brew is still pouring has no receipt yet; a broken one is worth saying.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') unreadable.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    const time = typeof receipt.time === 'number' ? receipt.time : 0;
    if (!newest || time >= newest.time) newest = { version: version.name, receipt, time };
  }
  if (!newest) return undefined;
  const { receipt } = newest;
  return {
    name,
    tap: normalTap(typeof receipt.source?.tap === 'string' ? receipt.source.tap : null),
    version: newest.version,
    onRequest: receipt.installed_on_request === true,
    aliases: Array.isArray(receipt.aliases) ? receipt.aliases.filter((a): a is string => typeof a === 'string') : [],
  };
}

async function readTaps(dir: string): Promise<Set<string>> {
  const taps = new Set<string>();
  const users = await entriesOf(dir, 'the Taps directory');
  await Promise.all(
    users
      .filter((user) => user.isDirectory())
      .map(async (user) => {
        for (const repo of await entriesOf(join(dir, user.name), 'the taps of')) {
          if (repo.isDirectory() && repo.name.startsWith('homebrew-')) taps.add(`${user.name}/${repo.name.slice('homebrew-'.length)}`.toLowerCase());
        }
      }),
  );
  return taps;
}

export function compareHomebrew(manifest: HomebrewManifest, live: LiveHomebrew): DriftItem[] {
  const items: DriftItem[] = [];
  const byAlias = new Map<string, LiveFormula>();
  for (const formula of live.formulae.values()) for (const alias of formula.aliases) byAlias.set(alias, formula);

  const covered = new Set<string>();
  const impliedTaps = new Set<string>();
  for (const entry of manifest.formulae ?? []) {
    const declared = declaredFormula(entry);
    const key = fullName(declared.name, declared.tap);
    if (declared.tap) impliedTaps.add(declared.tap);
    const installed = live.formulae.get(declared.name) ?? (declared.tap ? undefined : byAlias.get(declared.name));
    if (!installed) {
      items.push(driftItem('homebrew', key, { kind: 'removal', expected: 'installed', detail: 'in manifest, not installed' }));
      continue;
    }
    covered.add(installed.name);
    if (installed.tap !== declared.tap) {
      const actual = fullName(installed.name, installed.tap);
      items.push(driftItem('homebrew', key, { kind: 'modification', expected: key, actual, detail: `installed from ${installed.tap ?? 'homebrew/core'}`, data: { installed: actual } }));
    }
  }
  for (const formula of live.formulae.values()) {
    if (formula.tap) impliedTaps.add(formula.tap);
    if (covered.has(formula.name) || !formula.onRequest) continue;
    const key = fullName(formula.name, formula.tap);
    items.push(driftItem('homebrew', key, { kind: 'addition', actual: formula.version, detail: 'installed on request, not in manifest' }));
  }

  const declaredTaps = new Set((manifest.taps ?? []).map((tap) => tap.toLowerCase()));
  for (const tap of declaredTaps) {
    if (!live.taps.has(tap)) items.push(driftItem('homebrew', tapKey(tap), { kind: 'removal', expected: 'tapped', detail: 'in manifest, not tapped' }));
  }
  // A tap that a declared or installed formula comes from is explained by it
  // (an undeclared formula is an addition of its own): only a tap no formula uses is drift.
  for (const tap of live.taps) {
    if (declaredTaps.has(tap) || impliedTaps.has(tap) || BUILT_IN_TAPS.has(tap)) continue;
    items.push(driftItem('homebrew', tapKey(tap), { kind: 'addition', actual: 'tapped', detail: 'tapped, not in manifest' }));
  }
  return items;
}

export function captureHomebrew(item: DriftItem, manifest: HomebrewManifest): ManifestEdit[] {
  if (item.key.startsWith('tap:')) {
    const tap = item.key.slice('tap:'.length);
    if (item.kind === 'addition') return [{ op: 'insert', path: ['taps'], value: tap }];
    const index = (manifest.taps ?? []).findIndex((t) => t.toLowerCase() === tap);
    return index < 0 ? [] : [{ op: 'remove', path: ['taps', index] }];
  }
  if (item.kind === 'addition') return [{ op: 'insert', path: ['formulae'], value: item.key, sortKey }];
  const formulae = manifest.formulae ?? [];
  const index = formulae.findIndex((entry) => declaredFullName(entry) === item.key);
  const entry = formulae[index];
  if (entry === undefined) return [];
  if (item.kind === 'removal') return [{ op: 'remove', path: ['formulae', index] }];
  const installed = String(item.data?.installed ?? item.actual);
  if (typeof entry === 'string' || entry.name.includes('/')) {
    return [{ op: 'set', path: typeof entry === 'string' ? ['formulae', index] : ['formulae', index, 'name'], value: installed }];
  }
  const parts = installed.split('/');
  return parts.length === 3
    ? [{ op: 'set', path: ['formulae', index, 'tap'], value: `${parts[0]}/${parts[1]}` }]
    : [{ op: 'remove', path: ['formulae', index, 'tap'] }];
}

// Installs download and build: far longer than the runner's default minute.
const BREW_TIMEOUT_MS = 30 * 60_000;

function brewOperation(brew: string, verb: string, args: string[], destructive: boolean): Operation {
  return {
    verb,
    target: args[args.length - 1] as string,
    details: `brew ${args.join(' ')}`,
    destructive,
    run: async (env) => {
      await env.run(brew, args, { env: env.env, timeoutMs: BREW_TIMEOUT_MS });
    },
  };
}

export const homebrew: Domain<HomebrewManifest, LiveHomebrew> = {
  name: 'homebrew',
  title: 'Homebrew',
  file: 'homebrew.json',
  schema: HomebrewManifest,

  async collect(env) {
    const cellar = cellarOf(env);
    let racks;
    try {
      racks = await readdir(cellar, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DomainUnavailable(`Homebrew is not installed: no Cellar at ${cellar}`);
      throw new DomainError(`cannot read the Cellar ${cellar}: ${(error as Error).message}`);
    }
    const unreadable: string[] = [];
    const [formulae, taps] = await Promise.all([
      Promise.all(
        racks
          .filter((rack) => rack.isDirectory())
          .map((rack) => rack.name)
          .sort()
          .map((name) => readRack(cellar, name, unreadable)),
      ),
      readTaps(tapsDirOf(env)),
    ]);
    const live: LiveHomebrew = { formulae: new Map(), taps: new Set([...taps].sort()), unreadable };
    for (const formula of formulae) if (formula) live.formulae.set(formula.name, formula);
    return live;
  },

  compare: (manifest, live) => compareHomebrew(manifest.value, live),
  problems: (_manifest, live) => live.unreadable.map((problem) => `unreadable install receipt ${problem}`),
  capture: (item, manifest) => captureHomebrew(item, manifest.value),

  apply(item, _manifest, env) {
    const brew = join(homebrewPrefix(env), 'bin/brew');
    if (!existsSync(brew)) return { unsupported: `brew is not at ${brew} (set HOMEBREW_PREFIX if Homebrew lives elsewhere)` };
    if (item.key.startsWith('tap:')) {
      const tap = item.key.slice('tap:'.length);
      return item.kind === 'addition' ? [brewOperation(brew, 'Untap', ['untap', tap], true)] : [brewOperation(brew, 'Tap', ['tap', tap], false)];
    }
    if (item.kind === 'removal') return [brewOperation(brew, 'Install', ['install', item.key], false)];
    if (item.kind === 'addition') return [brewOperation(brew, 'Uninstall', ['uninstall', item.key], true)];
    const installed = String(item.data?.installed ?? item.actual);
    return [brewOperation(brew, 'Uninstall', ['uninstall', installed], true), brewOperation(brew, 'Install', ['install', item.key], false)];
  },

  watch: (env) => ({ paths: [cellarOf(env), tapsDirOf(env)] }),
};
