// What `bkt drift resolve`, `bkt capture` and `bkt sync` run: one path for
// all of them — check, decide each item, show the plan, execute it, check
// again, and exit with what drift remains. Loaded only when one of them runs.
import { ignoreFilesFor, runCheck, type CheckResult } from '../engine.js';
import type { DriftItem, Environment, LoadedManifest } from '../domain.js';
import { journalFileFor } from '../journal.js';
import { matcher } from '../ignore.js';
import { colorStyle, exitCodeOf, itemHeadline, plainStyle, type Style } from '../report.js';
import {
  describeStep,
  executeStep,
  finishDomains,
  formatSummary,
  planStep,
  summarize,
  type Action,
  type Step,
  type StepOutcome,
} from '../resolve.js';
import { useColor } from '../output.js';
import { environmentFor, requireManaged, resolveManifestsDir, UsageError, type ManifestOptions } from './options.js';

export interface ResolveOptions extends ManifestOptions {
  dryRun?: boolean;
  yes?: boolean;
  only?: string[];
  exclude?: string[];
  preferManifest?: boolean;
  preferSystem?: boolean;
  /** bkt capture: also capture items a domain marks opt-in (systemd: masks the manifest does not list). */
  includeMasked?: boolean;
}

/** Items whose domain asks for an explicit opt-in before they are captured (`data.optIn`). */
const OPT_INS: Record<string, keyof ResolveOptions> = { 'include-masked': 'includeMasked' };

function optedIn(item: DriftItem, options: ResolveOptions): boolean {
  const optIn = item.data?.optIn;
  if (typeof optIn !== 'string') return true;
  const flag = OPT_INS[optIn];
  return flag !== undefined && Boolean(options[flag]);
}

interface Prepared {
  manifestsDir: string;
  environment: Environment;
  check: CheckResult;
  items: { item: DriftItem; manifest: LoadedManifest<unknown> }[];
  ignoreFile: string;
}

async function prepare(domains: string[], options: ResolveOptions): Promise<Prepared> {
  const manifestsDir = await resolveManifestsDir(options);
  const environment = await environmentFor(options);
  const check = await runCheck({ manifestsDir, environment, domains });
  requireManaged(check.report, manifestsDir, domains);
  const only = options.only?.length ? matcher(options.only) : () => true;
  const exclude = options.exclude?.length ? matcher(options.exclude) : () => false;
  // The order of the report: domain by domain, additions, removals, then modifications.
  const kindOrder = { addition: 0, removal: 1, modification: 2 };
  const items = check.outcomes.flatMap(({ manifest, items }) =>
    manifest
      ? items
          .filter((item) => only(item.id) && !exclude(item.id))
          .sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind])
          .map((item) => ({ item, manifest }))
      : [],
  );
  for (const [name, section] of Object.entries(check.report.domains)) {
    if (section.status === 'error') process.stderr.write(`bkt: ${name}: ${section.error}\n`);
  }
  // Rules the user adds from resolve go where a .gitignore would be: the repository root.
  const ignoreFile = ignoreFilesFor(manifestsDir, environment)[0]!;
  return { manifestsDir, environment, check, items, ignoreFile };
}

function confirmer(options: ResolveOptions): (question: string) => Promise<boolean> {
  return async (question) => {
    if (options.yes) return true;
    if (!process.stdin.isTTY) {
      process.stdout.write(`  ${question} Not confirmed: no terminal to ask on (pass --yes to allow).\n`);
      return false;
    }
    const { confirm } = await import('@inquirer/prompts');
    return confirm({ message: question, default: false });
  };
}

function formatItem(item: DriftItem, style: Style): string {
  const lines = [itemHeadline(item.kind, `${item.domain}: ${item.key}`, item.detail, style)];
  if (item.kind === 'modification') lines.push(`    manifest: ${item.expected ?? ''}`, `    current:  ${item.actual ?? ''}`);
  else if (item.kind === 'removal' && item.expected) lines.push(`    manifest: ${item.expected}`);
  else if (item.kind === 'addition' && item.actual) lines.push(`    current:  ${item.actual}`);
  return lines.join('\n');
}

/** Prints the plan or executes it; returns the exit code: 2 on failure, else what drift remains. */
async function run(prepared: Prepared, steps: Step[], skipped: number, options: ResolveOptions, domains: string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (options.dryRun) {
    if (steps.length === 0) out('Nothing to do.');
    for (const step of steps) for (const line of describeStep(step)) out(line);
    return exitCodeOf(prepared.check.report);
  }
  const outcomes: StepOutcome[] = [];
  const execute = { env: prepared.environment, confirm: confirmer(options), log: out, journalFile: journalFileFor(prepared.environment) };
  for (const step of steps) outcomes.push(await executeStep(step, execute));
  const finished = await finishDomains(steps, outcomes, prepared.environment, out);
  const summary = summarize(steps, outcomes);
  summary.skipped += skipped;
  out(formatSummary(summary));
  const after = await runCheck({ manifestsDir: prepared.manifestsDir, environment: prepared.environment, domains });
  const remaining = after.report.summary.total_drift;
  out(remaining === 0 ? 'No drift remains.' : `${remaining} drift item${remaining === 1 ? '' : 's'} remain${remaining === 1 ? 's' : ''} (run bkt drift check to see them).`);
  if (summary.failed > 0 || !finished) return 2;
  return exitCodeOf(after.report);
}

function stepsFor(prepared: Prepared, action: Action): Promise<Step[]> {
  return Promise.all(prepared.items.map(({ item, manifest }) => planStep(item, action, manifest, prepared.environment, prepared.ignoreFile)));
}

async function interactive(prepared: Prepared, options: ResolveOptions, domains: string[]): Promise<number> {
  const { expand } = await import('@inquirer/prompts');
  const style = useColor() ? colorStyle : plainStyle;
  const total = prepared.items.length;
  if (total === 0) {
    process.stdout.write('No drift to resolve.\n');
    return exitCodeOf(prepared.check.report);
  }
  const steps: Step[] = [];
  let skipped = 0;
  for (const [index, { item, manifest }] of prepared.items.entries()) {
    process.stdout.write(`\n${style.bold(`[${index + 1}/${total}]`)} ${formatItem(item, style)}\n`);
    const choice = await expand({
      message: '[c]apture  [a]pply  [s]kip  [i]gnore  [q]uit',
      default: 's',
      expanded: false,
      choices: [
        { key: 'c', name: 'Capture: write the live state into the manifest', value: 'capture' },
        { key: 'a', name: 'Apply: make the system match the manifest', value: 'apply' },
        { key: 's', name: 'Skip: decide later', value: 'skip' },
        { key: 'i', name: 'Ignore: add a rule to .bktignore', value: 'ignore' },
        { key: 'q', name: 'Quit: skip the rest', value: 'quit' },
      ],
    });
    if (choice === 'quit') {
      skipped += total - index;
      break;
    }
    if (choice === 'skip') {
      skipped++;
      continue;
    }
    const step = await planStep(item, choice as Action, manifest, prepared.environment, prepared.ignoreFile);
    for (const line of describeStep(step)) process.stdout.write(`  ${line}\n`);
    steps.push(step);
  }
  process.stdout.write('\n');
  return run(prepared, steps, skipped, options, domains);
}

/** `bkt capture` (action capture) and `bkt sync` (action apply). */
export async function resolveAll(domains: string[], options: ResolveOptions, action: Action): Promise<number> {
  const prepared = await prepare(domains, options);
  if (action !== 'capture') return run(prepared, await stepsFor(prepared, action), 0, options, domains);
  const all = prepared.items.length;
  prepared.items = prepared.items.filter(({ item }) => optedIn(item, options));
  const held = all - prepared.items.length;
  if (held) process.stdout.write(`${held} item${held === 1 ? '' : 's'} not captured without --include-masked (units masked outside the manifest).\n`);
  return run(prepared, await stepsFor(prepared, action), held, options, domains);
}

/** `bkt drift resolve`: a preference decides every item, or the user does, item by item. */
export async function resolveCommand(domains: string[], options: ResolveOptions): Promise<number> {
  if (options.preferManifest && options.preferSystem) throw new UsageError('choose one of --prefer-manifest and --prefer-system');
  const preference: Action | undefined = options.preferManifest ? 'apply' : options.preferSystem ? 'capture' : undefined;
  if (!preference && (!process.stdin.isTTY || !process.stdout.isTTY)) {
    throw new UsageError(
      'bkt drift resolve asks about each item on a terminal, and there is none here; pass --prefer-manifest or --prefer-system (with --yes to allow removals), or use bkt capture / bkt sync',
    );
  }
  if (!preference && options.dryRun) throw new UsageError('--dry-run needs a decision for every item: add --prefer-manifest or --prefer-system');
  if (preference) return resolveAll(domains, options, preference);
  return interactive(await prepare(domains, options), options, domains);
}
