// Resolution: a plan first (printable, --dry-run), then its execution, one
// item at a time, each journaled so that `bkt drift undo` can revert it.
import { basename } from 'node:path';
import type { Domain, DriftItem, Environment, LoadedManifest, Operation } from './domain.js';
import { loadDomain } from './registry.js';
import { ruleFor } from './ignore.js';
import { parseManifest } from './manifest.js';
import { appendLine, applyEdits } from './manifest-writer.js';
import { JournalError, openJournal, recordResolution } from './journal.js';

export type Action = 'capture' | 'apply' | 'ignore';

/** One decided item: what will be done to it, before anything is done. */
export interface Step {
  item: DriftItem;
  action: Action;
  /** The manifest file the item belongs to (capture and apply read it). */
  manifestPath: string;
  /** The manifest's text when the step was planned: what apply's operations were computed from, kept for undo. */
  manifestText: string;
  /** For apply: the operations, or why the domain cannot apply here. */
  operations?: Operation[];
  unsupported?: string;
  /** For ignore: the file the rule goes into. */
  ignoreFile?: string;
}

/** The domain of an item, loaded. */
export const domainOf = (item: DriftItem): Promise<Domain> => loadDomain(item.domain);

const CAPTURE_WORDS: Record<DriftItem['kind'], string> = {
  addition: 'add to',
  removal: 'remove from',
  modification: 'update in',
};

/** Builds the step for one item; apply asks the domain for its operations now, so the plan shows them. */
export async function planStep(
  item: DriftItem,
  action: Action,
  manifest: LoadedManifest<unknown>,
  env: Environment,
  ignoreFile: string,
): Promise<Step> {
  const step: Step = { item, action, manifestPath: manifest.path, manifestText: manifest.text };
  if (action === 'apply') {
    const result = (await domainOf(item)).apply(item, manifest, env);
    if ('unsupported' in result) step.unsupported = result.unsupported;
    else step.operations = result;
  }
  if (action === 'ignore') step.ignoreFile = ignoreFile;
  return step;
}

/** An operation as the plan and its confirmation show it: `Verb target (details)`. */
export const describeOperation = (op: Operation): string => `${op.verb} ${op.target}${op.details ? ` (${op.details})` : ''}`;

/** The plan's lines, one `▸ Verb target (details)` per operation. */
export function describeStep(step: Step): string[] {
  const { item } = step;
  switch (step.action) {
    case 'capture':
      return [`▸ Capture ${item.id} (${CAPTURE_WORDS[item.kind]} ${basename(step.manifestPath)})`];
    case 'ignore':
      return [`▸ Ignore ${item.id} (rule in ${step.ignoreFile})`];
    case 'apply':
      if (step.unsupported) return [`▸ Cannot apply ${item.id} (${step.unsupported})`];
      return (step.operations ?? []).map((op) => `▸ ${describeOperation(op)}`);
  }
}

export type StepOutcome = 'done' | 'failed' | 'unsupported' | 'declined';

/** The user stopped the run at a prompt (Ctrl-C): nothing more is to be done. */
export class Interrupted extends Error {
  override name = 'Interrupted';
}

export interface ExecuteOptions {
  env: Environment;
  /** Asked before a destructive operation; --yes answers true without asking. Throws Interrupted on Ctrl-C. */
  confirm(question: string): Promise<boolean>;
  log(line: string): void;
  journalFile: string;
  /** The journal's id for this command's resolutions (newRun): bkt drift undo reverts them together. */
  run: string;
}

export interface Execution {
  /** One per step executed: fewer than the steps when the run was interrupted. */
  outcomes: StepOutcome[];
  interrupted: boolean;
  /** Every finishing call (systemd's reload) succeeded. */
  finished: boolean;
}

/**
 * Executes the steps in order. Ctrl-C at a confirmation stops the run there:
 * the steps done before it stay done and in the journal. Then each domain
 * whose operations ran gets its finishing call, also when one of them failed:
 * a unit unmasked before its enable failed still needs systemd's reload.
 */
export async function executeSteps(steps: readonly Step[], options: ExecuteOptions): Promise<Execution> {
  // A change the journal cannot record could not be undone: nothing runs then.
  if (steps.length) await openJournal(options.journalFile);
  const ran = new Set<Domain>();
  const outcomes: StepOutcome[] = [];
  let interrupted = false;
  try {
    for (const step of steps) outcomes.push(await executeStep(step, options, ran));
  } catch (error) {
    if (!(error instanceof Interrupted)) {
      await finishDomains(ran, options);
      throw error;
    }
    interrupted = true;
  }
  return { outcomes, interrupted, finished: await finishDomains(ran, options) };
}

/** Executes one step, adding its domain to `ran` before its first operation runs; a failure of the step itself is reported and returned. */
async function executeStep(step: Step, options: ExecuteOptions, ran: Set<Domain>): Promise<StepOutcome> {
  const { item } = step;
  const domain = await domainOf(item);
  try {
    if (step.action === 'capture') {
      // Edits are computed inside the writer's lock from the file as it is then,
      // so earlier captures (or another writer) cannot leave an index stale.
      const result = await applyEdits(step.manifestPath, (text) => domain.capture(item, parseManifest(step.manifestPath, text, domain.schema)));
      await recordResolution(options.journalFile, { action: 'capture', item, file: step.manifestPath, before: result.before, after: result.after }, options.run);
      options.log(`✓ Captured ${item.id} into ${basename(step.manifestPath)}`);
      return 'done';
    }
    if (step.action === 'ignore') {
      const rule = ruleFor(item);
      const result = await appendLine(step.ignoreFile!, rule);
      // A rule the user already had is not ours to take back on undo.
      if (result.changed) await recordResolution(options.journalFile, { action: 'ignore', item, file: step.ignoreFile!, rule }, options.run);
      options.log(`✓ Ignored ${item.id} (${step.ignoreFile})`);
      return 'done';
    }
    if (step.unsupported) {
      options.log(`✗ Cannot apply ${item.id}: ${step.unsupported}`);
      return 'unsupported';
    }
    const operations = step.operations ?? [];
    for (const op of operations) {
      if (op.destructive && !(await options.confirm(`${describeOperation(op)}?`))) {
        options.log(`– Skipped ${op.verb} ${op.target}: not confirmed`);
        return 'declined';
      }
    }
    for (const op of operations) {
      ran.add(domain);
      await op.run(options.env);
      options.log(`✓ ${op.verb} ${op.target}`);
    }
    await recordResolution(options.journalFile, { action: 'apply', item, file: step.manifestPath, manifestText: step.manifestText }, options.run);
    return 'done';
  } catch (error) {
    // The journal failing after a change stops the run: what was changed is said, and nothing more is.
    if (error instanceof JournalError) throw new JournalError(`${error.message}; ${item.id} was resolved but cannot be undone, and nothing after it was done`);
    if (error instanceof Interrupted) throw error;
    options.log(`✗ ${step.action === 'apply' ? 'Apply' : step.action === 'capture' ? 'Capture' : 'Ignore'} ${item.id} failed: ${(error as Error).message}`);
    return 'failed';
  }
}

/** Each domain's finishing call, once (systemd reloads once); false when one failed. */
async function finishDomains(domains: Iterable<Domain>, { env, log }: ExecuteOptions): Promise<boolean> {
  let ok = true;
  for (const domain of domains) {
    if (!domain.finishApply) continue;
    try {
      await domain.finishApply(env);
    } catch (error) {
      ok = false;
      log(`✗ ${domain.title}: ${(error as Error).message}`);
    }
  }
  return ok;
}

export interface Summary {
  captured: number;
  applied: number;
  ignored: number;
  skipped: number;
  failed: number;
  unsupported: number;
}

export function summarize(steps: readonly Step[], outcomes: readonly (StepOutcome | 'skipped')[]): Summary {
  const summary: Summary = { captured: 0, applied: 0, ignored: 0, skipped: 0, failed: 0, unsupported: 0 };
  outcomes.forEach((outcome, i) => {
    if (outcome === 'done') {
      const action = steps[i]?.action;
      if (action === 'capture') summary.captured++;
      else if (action === 'apply') summary.applied++;
      else summary.ignored++;
    } else if (outcome === 'failed') summary.failed++;
    else if (outcome === 'unsupported') summary.unsupported++;
    else summary.skipped++;
  });
  return summary;
}

export function formatSummary(summary: Summary): string {
  const parts = [`${summary.captured} captured`, `${summary.applied} applied`, `${summary.ignored} ignored`, `${summary.skipped} skipped`];
  if (summary.unsupported) parts.push(`${summary.unsupported} cannot be applied here`);
  if (summary.failed) parts.push(`${summary.failed} failed`);
  return `Summary: ${parts.join(', ')}.`;
}
