// What `bkt drift resolve`, `bkt capture` and `bkt sync` run: one path for
// all of them — check, decide each item, show the plan, execute it, check
// again, and exit with what drift remains. Loaded only when one of them runs.
import { ignoreFilesFor, runCheck, type CheckResult } from '../engine.js';
import type { DriftItem, DriftKind, Environment, LoadedManifest } from '../domain.js';
import { DOMAINS } from '../registry.js';
import { journalFileFor, newRun } from '../journal.js';
import { matcher } from '../ignore.js';
import { colorStyle, exitCodeOf, itemLines, KIND_LIST, plainStyle } from '../report.js';
import { describeStep, executeSteps, formatSummary, Interrupted, planStep, summarize, type Action, type Step } from '../resolve.js';
import { useColor, writeOutput } from '../output.js';
import { environmentFor, requireManaged, resolveManifestsDir, UsageError, type ManifestOptions } from './options.js';

export interface ResolveOptions extends ManifestOptions {
  dryRun?: boolean;
  yes?: boolean;
  only?: string[];
  exclude?: string[];
  preferManifest?: boolean;
  preferSystem?: boolean;
  /** bkt capture's opt-in flags (the registry's captureOptIns), by commander's camelCase name (`--include-masked`: includeMasked). */
  [optIn: string]: unknown;
}

/** Every domain's capture opt-ins, by flag: an item marked with one (`data.optIn`) waits for its flag. */
const OPT_INS = new Map(DOMAINS.flatMap((d) => d.captureOptIns ?? []).map((optIn) => [optIn.flag, optIn]));

const attributeOf = (flag: string) => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The opt-in an item waits for and was not given (one no registry line declares is never given), or undefined when it is captured. */
function heldFor(item: DriftItem, options: ResolveOptions): string | undefined {
  const optIn = item.data?.optIn;
  return typeof optIn === 'string' && !(OPT_INS.has(optIn) && options[attributeOf(optIn)] === true) ? optIn : undefined;
}

const out = (line: string) => writeOutput(`${line}\n`);

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
  const kinds = Object.keys(KIND_LIST) as DriftKind[];
  const items = check.outcomes.flatMap(({ manifest, items }) =>
    manifest
      ? items
          .filter((item) => only(item.id) && !exclude(item.id))
          .sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind))
          .map((item) => ({ item, manifest }))
      : [],
  );
  for (const [name, section] of Object.entries(check.report.domains)) {
    if (section.status === 'error') writeOutput(`bkt: ${name}: ${section.error}\n`, 2);
  }
  // Rules the user adds from resolve go where a .gitignore would be: the repository root.
  const ignoreFile = ignoreFilesFor(manifestsDir, environment)[0]!;
  return { manifestsDir, environment, check, items, ignoreFile };
}

/** Asks with an @inquirer prompt; Ctrl-C there rejects with its ExitPromptError (known by name, as inquirer's README does), which becomes Interrupted. */
async function ask<T>(prompt: () => Promise<T>): Promise<T> {
  try {
    return await prompt();
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new Interrupted(error.message);
    throw error;
  }
}

/** Ctrl-C at a prompt ends the run with one line and the exit code of an interrupt. */
function endInterrupted(what: string): number {
  writeOutput(`bkt: interrupted; ${what}\n`, 2);
  return 130;
}

function confirmer(options: ResolveOptions): (question: string) => Promise<boolean> {
  return async (question) => {
    if (options.yes) return true;
    if (!process.stdin.isTTY) {
      out(`  ${question} Not confirmed: no terminal to ask on (pass --yes to allow).`);
      return false;
    }
    const { confirm } = await import('@inquirer/prompts');
    return ask(() => confirm({ message: question, default: false }));
  };
}

/** Prints the plan or executes it; returns the exit code: 2 on failure, 130 when interrupted, else what drift remains. */
async function run(prepared: Prepared, steps: Step[], skipped: number, options: ResolveOptions, domains: string[]): Promise<number> {
  if (options.dryRun) {
    if (steps.length === 0) out('Nothing to do.');
    for (const step of steps) for (const line of describeStep(step)) out(line);
    return exitCodeOf(prepared.check.report);
  }
  const { outcomes, interrupted, finished } = await executeSteps(steps, {
    env: prepared.environment,
    confirm: confirmer(options),
    log: out,
    journalFile: journalFileFor(prepared.environment),
    run: newRun(),
  });
  if (interrupted) {
    const done = outcomes.filter((outcome) => outcome === 'done').length;
    return endInterrupted(`nothing more was changed${done ? ` (${done} item${done === 1 ? '' : 's'} resolved before: bkt drift undo reverts what ${done === 1 ? 'it' : 'they'} changed)` : ''}`);
  }
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
    out('No drift to resolve.');
    return exitCodeOf(prepared.check.report);
  }
  const steps: Step[] = [];
  let skipped = 0;
  for (const [index, { item, manifest }] of prepared.items.entries()) {
    out(`\n${style.bold(`[${index + 1}/${total}]`)} ${itemLines(item.kind, `${item.domain}: ${item.key}`, item, style, true).join('\n  ')}`);
    let choice: string;
    try {
      choice = await ask(() =>
        expand({
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
        }),
      );
    } catch (error) {
      // Nothing is executed before every item is decided.
      if (error instanceof Interrupted) return endInterrupted('nothing was changed');
      throw error;
    }
    if (choice === 'quit') {
      skipped += total - index;
      break;
    }
    if (choice === 'skip') {
      skipped++;
      continue;
    }
    const step = await planStep(item, choice as Action, manifest, prepared.environment, prepared.ignoreFile);
    for (const line of describeStep(step)) out(`  ${line}`);
    steps.push(step);
  }
  out('');
  return run(prepared, steps, skipped, options, domains);
}

/** `bkt capture` (action capture) and `bkt sync` (action apply). */
export async function resolveAll(domains: string[], options: ResolveOptions, action: Action): Promise<number> {
  const prepared = await prepare(domains, options);
  if (action !== 'capture') return run(prepared, await stepsFor(prepared, action), 0, options, domains);
  const held = new Map<string, number>();
  prepared.items = prepared.items.filter(({ item }) => {
    const optIn = heldFor(item, options);
    if (optIn !== undefined) held.set(optIn, (held.get(optIn) ?? 0) + 1);
    return optIn === undefined;
  });
  for (const [optIn, count] of held) {
    out(`${count} item${count === 1 ? '' : 's'} not captured without --${optIn} (${OPT_INS.get(optIn)?.held ?? 'an option this bkt does not have'}).`);
  }
  const skipped = [...held.values()].reduce((sum, count) => sum + count, 0);
  return run(prepared, await stepsFor(prepared, action), skipped, options, domains);
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
