// The drift report (schemas/drift-report.schema.json is its contract) and its
// human form, which follows the RFC's example.
import type { DriftItem, DriftKind } from './domain.js';

export type DomainStatus = 'ok' | 'error' | 'unavailable';

export interface ReportItem {
  id: string;
  key: string;
  expected?: string;
  actual?: string;
  detail?: string;
  data?: Record<string, unknown>;
  /** The live helper's first sighting of this item (ISO time). */
  first_seen?: string;
}

export interface DomainReport {
  title: string;
  status: DomainStatus;
  error: string | null;
  /** Wall time of this domain's part of the check (manifest, collection, comparison), in ms; overlaps the other domains'. */
  collect_ms: number;
  manifest: string;
  additions: ReportItem[];
  removals: ReportItem[];
  modifications: ReportItem[];
  ignored: number;
}

export interface RuleReport {
  file: string;
  line: number;
  rule: string;
  reason?: string;
  expires?: string;
}

export interface DriftReport {
  version: 1;
  generated_at: string;
  manifests: string;
  domains: Record<string, DomainReport>;
  /** Domains with no manifest file: not managed, so never drift. */
  unmanaged: string[];
  summary: {
    total_drift: number;
    by_type: { additions: number; removals: number; modifications: number };
    ignored: number;
    errors: number;
  };
  ignore: {
    files: string[];
    expired: RuleReport[];
    unused: RuleReport[];
    /** Lines of an ignore file that could not be read as a rule: an error (exit 2), the line is not applied. */
    errors: { file: string; line: number; message: string }[];
  };
}

export const KIND_LIST: Record<DriftKind, 'additions' | 'removals' | 'modifications'> = {
  addition: 'additions',
  removal: 'removals',
  modification: 'modifications',
};

export function toReportItem(item: DriftItem): ReportItem {
  const out: ReportItem = { id: item.id, key: item.key };
  if (item.expected !== undefined) out.expected = item.expected;
  if (item.actual !== undefined) out.actual = item.actual;
  if (item.detail !== undefined) out.detail = item.detail;
  if (item.data !== undefined) out.data = item.data;
  return out;
}

export function exitCodeOf(report: DriftReport): 0 | 1 | 2 {
  if (report.summary.errors > 0 || report.ignore.errors.length > 0) return 2;
  return report.summary.total_drift > 0 ? 1 : 0;
}

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  added(text: string): string;
  removed(text: string): string;
  changed(text: string): string;
  warn(text: string): string;
}

export const plainStyle: Style = {
  bold: (t) => t,
  dim: (t) => t,
  added: (t) => t,
  removed: (t) => t,
  changed: (t) => t,
  warn: (t) => t,
};

const sgr = (code: string) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
export const colorStyle: Style = {
  bold: sgr('1'),
  dim: sgr('2'),
  added: sgr('32'),
  removed: sgr('31'),
  changed: sgr('33'),
  warn: sgr('1;31'),
};

const MARKS: Record<DriftKind, (style: Style) => string> = {
  addition: (style) => style.added('+'),
  removal: (style) => style.removed('-'),
  modification: (style) => style.changed('~'),
};

/** An item's first line, as the report and the resolve prompt show it: `+ key (detail)`. */
function itemHeadline(kind: DriftKind, label: string, detail: string | undefined, style: Style): string {
  return `${MARKS[kind](style)} ${label}${detail ? ` ${style.dim(`(${detail})`)}` : ''}`;
}

/**
 * An item's lines, the headline first, then both values of a modification;
 * `everyValue` adds the one value of an addition or removal (resolve's prompt).
 */
export function itemLines(kind: DriftKind, label: string, item: Pick<ReportItem, 'expected' | 'actual' | 'detail'>, style: Style, everyValue = false): string[] {
  const lines = [itemHeadline(kind, label, item.detail, style)];
  if (kind === 'modification') lines.push(`  manifest: ${item.expected ?? ''}`, `  current:  ${item.actual ?? ''}`);
  else if (everyValue && kind === 'removal' && item.expected) lines.push(`  manifest: ${item.expected}`);
  else if (everyValue && kind === 'addition' && item.actual) lines.push(`  current:  ${item.actual}`);
  return lines;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The RFC's human report: `+`, `-`, `~` lines grouped by domain, then a summary. */
export function formatHuman(report: DriftReport, style: Style = plainStyle): string {
  const lines: string[] = [style.bold('Drift Report'), '============', ''];
  for (const section of Object.values(report.domains)) {
    const drift = section.additions.length + section.removals.length + section.modifications.length;
    if (section.status === 'unavailable') {
      lines.push(`${section.title}: ${style.dim(`unavailable (${section.error ?? 'not on this machine'})`)}`, '');
      continue;
    }
    if (section.status === 'ok' && drift === 0) continue;
    lines.push(`${section.title}:`);
    if (section.status === 'error') {
      for (const message of (section.error ?? 'error').split('\n')) lines.push(`  ${style.warn('error:')} ${message}`);
    }
    for (const kind of Object.keys(KIND_LIST) as DriftKind[]) {
      for (const item of section[KIND_LIST[kind]]) {
        for (const line of itemLines(kind, item.key, item, style)) lines.push(`  ${line}`);
      }
    }
    lines.push('');
  }
  // Line 0: the file as a whole (it cannot be read).
  for (const problem of report.ignore.errors) lines.push(`${style.warn('error:')} ${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`);
  for (const rule of report.ignore.expired) {
    lines.push(`${style.changed('note:')} ignore rule expired on ${rule.expires}, no longer applied: ${rule.rule} (${rule.file}:${rule.line})`);
  }
  if (report.ignore.errors.length || report.ignore.expired.length) lines.push('');

  const { total_drift, ignored, errors } = report.summary;
  const domainsWithDrift = Object.values(report.domains).filter(
    (s) => s.additions.length + s.removals.length + s.modifications.length > 0,
  ).length;
  const parts = [total_drift === 0 ? 'No drift' : `${plural(total_drift, 'drift item')} in ${plural(domainsWithDrift, 'domain')}`];
  if (ignored) parts.push(`${ignored} ignored`);
  if (errors) parts.push(style.warn(`${plural(errors, 'domain')} with errors`));
  const checked = Object.keys(report.domains).length;
  lines.push(`${parts.join(', ')} (${plural(checked, 'domain')} checked${report.unmanaged.length ? `, ${report.unmanaged.length} not managed` : ''}).`);
  return `${lines.join('\n')}\n`;
}

export function formatUnusedRules(report: DriftReport): string {
  if (report.ignore.unused.length === 0) return 'Every ignore rule matched at least one item.\n';
  const lines = ['Ignore rules that matched nothing:'];
  for (const rule of report.ignore.unused) lines.push(`  ${rule.file}:${rule.line}: ${rule.rule}`);
  return `${lines.join('\n')}\n`;
}
