// The drift pipeline: load manifests, collect every domain concurrently,
// compare, filter through the ignore rules, report. Domains come only from the
// registry.
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { notAFile, readFile } from './fs-async.js';
import { dirname, join, resolve } from 'node:path';
import { DomainUnavailable, type Domain, type DomainEntry, type DriftItem, type Environment, type LoadedManifest } from './domain.js';
import { applyIgnoreRules, parseIgnoreFile, type IgnoreRule, type IgnoreProblem } from './ignore.js';
import { loadManifest } from './manifest.js';
import { DOMAINS, UnknownDomain } from './registry.js';
import { BUILD, validatedManifests, type ValidatedManifests } from './validated.js';
import { KIND_LIST, toReportItem, type DomainReport, type DriftReport, type RuleReport } from './report.js';

/** A registry line, or a domain already loaded (tests bring their own). */
export type Registered = DomainEntry | Domain;

const entryOf = (registered: Registered): DomainEntry =>
  'load' in registered ? registered : { name: registered.name, file: registered.file, load: async () => registered };


/** Domains by name, in registry order; every name must be known. */
export function selectDomains(names: readonly string[] = [], registry: readonly Registered[] = DOMAINS): DomainEntry[] {
  for (const name of names) if (!registry.some((d) => d.name === name)) throw new UnknownDomain(name, registry);
  return (names.length ? registry.filter((d) => names.includes(d.name)) : registry).map(entryOf);
}

/** Where ignore rules live: the repository root, the manifests directory, and this machine's config. */
export function ignoreFilesFor(manifestsDir: string, environment: Environment): string[] {
  const dir = resolve(manifestsDir);
  return [join(dirname(dir), '.bktignore'), join(dir, '.bktignore'), join(environment.xdgConfigHome, 'bkt', 'ignore')];
}

export interface CheckOptions {
  manifestsDir: string;
  environment: Environment;
  domains?: readonly string[];
  ignoreFiles?: readonly string[];
  now?: Date;
  /** The domains to choose from; the registry unless a test brings its own. */
  registry?: readonly Registered[];
}

export interface DomainOutcome {
  domain: Domain;
  manifest?: LoadedManifest<unknown>;
  /** Items after the ignore rules, with their domain data. */
  items: DriftItem[];
}

export interface CheckResult {
  report: DriftReport;
  outcomes: DomainOutcome[];
}

/** The local calendar date, which is what an expiry date in an ignore file means. */
export function localDate(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

async function readIgnoreRules(files: readonly string[], known: string[]) {
  const rules: IgnoreRule[] = [];
  const problems: IgnoreProblem[] = [];
  const found: string[] = [];
  for (const file of files) {
    const kind = regularFile(file);
    if (kind === 'missing') continue;
    if (kind !== 'file') {
      problems.push({ file, line: 0, message: `${kind.not}, where an ignore file is read` });
      continue;
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push({ file, line: 0, message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    found.push(file);
    const parsed = parseIgnoreFile(file, text, known);
    rules.push(...parsed.rules);
    problems.push(...parsed.problems);
  }
  return { rules, problems, found };
}

interface Collected {
  domain: Domain;
  manifest?: LoadedManifest<unknown>;
  status: DomainReport['status'];
  error: string | null;
  ms: number;
  items: DriftItem[];
}

async function checkDomain(entry: DomainEntry, options: CheckOptions, validated: ValidatedManifests | undefined): Promise<Collected | undefined> {
  const file = join(options.manifestsDir, entry.file);
  // No manifest, no domain code: an unmanaged domain costs one stat. (A file
  // that cannot be stat'ed is left to loadManifest, which says why.)
  const found = manifestFile(file);
  if (found === 'missing') return undefined;
  // hrtime, not performance.now(): perf_hooks would be loaded for this alone.
  const started = process.hrtime.bigint();
  const domain = await entry.load();
  const done = (rest: Omit<Collected, 'domain' | 'ms'>): Collected => ({ domain, ms: Number(process.hrtime.bigint() - started) / 1e6, ...rest });
  if (found !== 'file') return done({ status: 'error', error: found.error, items: [] });
  let manifest: LoadedManifest<unknown> | undefined;
  try {
    manifest = await loadManifest(file, domain.schema, validated);
  } catch (error) {
    return done({ status: 'error', error: (error as Error).message, items: [] });
  }
  if (!manifest) return undefined;
  try {
    const live = await domain.collect(options.environment, manifest);
    const items = domain.compare(manifest, live);
    const problems = domain.problems?.(manifest, live) ?? [];
    return done({ manifest, status: problems.length ? 'error' : 'ok', error: problems.length ? problems.join('\n') : null, items });
  } catch (error) {
    if (error instanceof DomainUnavailable) return done({ manifest, status: 'unavailable', error: error.message, items: [] });
    return done({ manifest, status: 'error', error: `${domain.name}: ${(error as Error).message}`, items: [] });
  }
}

/**
 * Whether a file that is read (a manifest, an ignore file) is there and is a
 * file: reading a FIFO would hang the check. A path that cannot be stat'ed
 * counts as a file, and its read says why.
 */
function regularFile(file: string): 'missing' | 'file' | { not: string } {
  let info;
  try {
    info = statSync(file, { throwIfNoEntry: false });
  } catch {
    return 'file';
  }
  if (!info) return 'missing';
  if (info.isFile()) return 'file';
  return { not: notAFile(info) };
}

/**
 * Whether the domain's manifest is there: a missing file means the domain is
 * not managed, but a link to nowhere or something else than a file under a
 * manifest's name is a mistake to report.
 */
function manifestFile(file: string): 'missing' | 'file' | { error: string } {
  const found = regularFile(file);
  if (found === 'file') return 'file';
  if (found !== 'missing') return { error: `${file}: not a file (${found.not})` };
  const link = lstatSync(file, { throwIfNoEntry: false });
  if (!link?.isSymbolicLink()) return 'missing';
  return { error: `${file}: a symbolic link to ${readlinkSync(file)}, which does not exist` };
}

const ruleReport = (rule: IgnoreRule): RuleReport => ({
  file: rule.file,
  line: rule.line,
  rule: rule.text,
  ...(rule.reason !== undefined ? { reason: rule.reason } : {}),
  ...(rule.expires !== undefined ? { expires: rule.expires } : {}),
});

export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const now = options.now ?? new Date();
  const registry = options.registry ?? DOMAINS;
  const selected = selectDomains(options.domains, registry);
  const ignoreFiles = options.ignoreFiles ?? ignoreFilesFor(options.manifestsDir, options.environment);
  // Manifests this build validated before (none when run from the sources, as in the tests).
  const validated = BUILD === undefined ? undefined : validatedManifests(options.environment.cacheDir, BUILD);
  const [collected, ignore] = await Promise.all([
    Promise.all(selected.map((entry) => checkDomain(entry, options, validated))),
    readIgnoreRules(ignoreFiles, registry.map((d) => d.name)),
  ]);
  validated?.save();

  // A rule is unused only if its domain was compared in full (or has no
  // manifest): a domain in error, unavailable or not checked this time has no
  // items that could have matched.
  const compared = new Set(selected.filter((_, i) => (collected[i]?.status ?? 'ok') === 'ok').map((entry) => entry.name));
  const couldHaveMatched = (rule: IgnoreRule) => (rule.domain === '*' ? compared.size === registry.length : compared.has(rule.domain));
  const all = collected.flatMap((c) => c?.items ?? []);
  const outcome = applyIgnoreRules(all, ignore.rules, localDate(now));
  const kept = new Set(outcome.kept);

  const domains: Record<string, DomainReport> = {};
  const outcomes: DomainOutcome[] = [];
  const unmanaged: string[] = [];
  selected.forEach((entry, index) => {
    const c = collected[index];
    if (!c) {
      unmanaged.push(entry.name);
      return;
    }
    const { domain } = c;
    const items = c.items.filter((item) => kept.has(item));
    const section: DomainReport = {
      title: domain.title,
      status: c.status,
      error: c.error,
      collect_ms: Math.round(c.ms * 10) / 10,
      manifest: join(options.manifestsDir, domain.file),
      additions: [],
      removals: [],
      modifications: [],
      ignored: c.items.length - items.length,
    };
    for (const item of items) section[KIND_LIST[item.kind]].push(toReportItem(item));
    domains[domain.name] = section;
    outcomes.push({ domain, manifest: c.manifest, items });
  });

  const sections = Object.values(domains);
  const count = (list: 'additions' | 'removals' | 'modifications') => sections.reduce((n, s) => n + s[list].length, 0);
  const by_type = { additions: count('additions'), removals: count('removals'), modifications: count('modifications') };
  const report: DriftReport = {
    version: 1,
    generated_at: now.toISOString(),
    manifests: resolve(options.manifestsDir),
    domains,
    unmanaged,
    summary: {
      total_drift: by_type.additions + by_type.removals + by_type.modifications,
      by_type,
      ignored: outcome.ignored.length,
      errors: sections.filter((s) => s.status === 'error').length,
    },
    ignore: {
      files: ignore.found,
      expired: outcome.expired.map(ruleReport),
      unused: outcome.unused.filter(couldHaveMatched).map(ruleReport),
      errors: ignore.problems,
    },
  };
  return { report, outcomes };
}
