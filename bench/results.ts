// The bench's results and their two forms, the human table and the JSON
// object: pure functions of the measurements.
import { BENCH_DOMAINS, type BenchDomain } from './per-item.js';

export const BAR = { check_ms: 150, ratio: 10 } as const;

/** A domain as `bkt drift check` reported it, medians over the timed runs. */
export interface DomainResult {
  /** `ok`, `error`, `unavailable`, or `missing` when the build has no such domain. */
  status: string;
  error: string | null;
  /** The domain's collect_ms in the full check, where the domains share one thread. */
  bkt_collect_ms: number | null;
  /** Its collect_ms in `bkt drift check <domain>`: the domain's own cost, nothing else competing. */
  bkt_alone_ms: number | null;
  /** Drift items the check found. */
  drift: number;
  /** Drift items a correct check finds: the differences the desktop plants. */
  planted: number;
  per_item_ms: number;
  per_item_processes: number;
}

/** `bkt drift check systemd` inside a booted container, or why it was not measured. */
export interface ContainerResult {
  /** Median wall ms of the whole check process, entering the container included. */
  check_ms?: number;
  /** Median wall ms of entering the container to run `true`: part of check_ms. */
  enter_ms?: number;
  collect_ms?: number;
  /** 50 × `systemctl is-enabled` against the container's manager, once. */
  per_item_ms?: number;
  status?: string;
  skipped?: string;
}

export interface BenchResult {
  check_ms: number;
  check_min_ms: number;
  /**
   * Median wall ms of the same check with an empty cache directory: the first
   * check after installing bkt, with no compiled code, parsed schemas or
   * flatpak scan kept from an earlier one.
   */
  check_first_ms: number;
  /** Median wall ms of `node -e ''`. */
  node_start_ms: number;
  /** Median wall ms of `bkt drift check --json` on an empty manifests directory: Node start and loading bkt, no domain. */
  bkt_start_ms: number;
  /**
   * Node start and the check again, with the NODE_EXTRA_CA_CERTS of the shell
   * that ran the bench (null when it has none). The desktop leaves it out, as a
   * desktop session does. Node 20 parses that file as it starts, before any
   * script runs; bin/bkt starts Node without it.
   */
  with_extra_ca_certs: { file: string; node_start_ms: number; check_ms: number } | null;
  per_item_ms: number;
  ratio: number;
  domains: Record<BenchDomain, DomainResult>;
  runs: number;
  warmups: number;
  /** The per-item way is slow and steady: it runs once. */
  per_item_runs: 1;
  size: { apps: number; keys: number; units: number; declared_units: number };
  container: ContainerResult;
  bar: { check_ms: number; ratio: number; met: boolean; why?: string };
}

const r1 = (ms: number) => Math.round(ms * 10) / 10;

/** Whether the bar is met, and if not, why: too slow, not enough faster, or a domain that did not really run. */
export function judge(checkMs: number, ratio: number, domains: Record<BenchDomain, DomainResult>): BenchResult['bar'] {
  const reasons: string[] = [];
  if (checkMs >= BAR.check_ms) reasons.push(`check takes ${r1(checkMs)} ms, not under ${BAR.check_ms} ms`);
  if (ratio < BAR.ratio) reasons.push(`only ${r1(ratio)}x faster, not ${BAR.ratio}x`);
  const notOk = BENCH_DOMAINS.filter((d) => domains[d].status !== 'ok');
  if (notOk.length) reasons.push(`not measured in full: ${notOk.map((d) => `${d} ${domains[d].status}`).join(', ')}`);
  return { check_ms: BAR.check_ms, ratio: BAR.ratio, met: reasons.length === 0, ...(reasons.length ? { why: reasons.join('; ') } : {}) };
}

const cell = (text: string, width: number, right = false) => (right ? text.padStart(width) : text.padEnd(width));
const ms = (value: number | null) => (value === null ? '-' : `${r1(value)} ms`);

export function formatHuman(result: BenchResult): string {
  const lines: string[] = [];
  const { size } = result;
  lines.push(`synthetic desktop: ${size.apps} flatpaks, ${size.keys} gsettings keys, ${size.units} unit files (${size.declared_units} declared)`, '');
  lines.push(`${cell('', 10)} ${cell('bkt collect', 26, true)}`);
  lines.push(`${cell('domain', 10)} ${cell('in check', 12, true)} ${cell('alone', 12, true)} ${cell('per-item', 12, true)}  ${cell('per-item way', 30)} bkt status`);
  const how: Record<BenchDomain, (d: DomainResult) => string> = {
    flatpak: () => '1 × flatpak list',
    gsettings: (d) => `${d.per_item_processes} × gsettings get`,
    systemd: (d) => `${d.per_item_processes} × systemctl is-enabled`,
  };
  for (const name of BENCH_DOMAINS) {
    const d = result.domains[name];
    const status = d.status === 'ok' ? `ok, ${d.drift} drift (${d.planted} planted)` : `${d.status}${d.error ? `: ${d.error.split('\n')[0]}` : ''}`;
    const row = [cell(ms(d.bkt_collect_ms), 12, true), cell(ms(d.bkt_alone_ms), 12, true), cell(ms(d.per_item_ms), 12, true)];
    lines.push(`${cell(name, 10)} ${row.join(' ')}  ${cell(how[name](d), 30)} ${status}`);
  }
  lines.push('');
  lines.push(`node start: ${r1(result.node_start_ms)} ms (node -e ''), bkt start: ${r1(result.bkt_start_ms)} ms (check with no manifests), medians of ${result.runs}`);
  lines.push(
    `check: ${r1(result.check_ms)} ms (median of ${result.runs}, min ${r1(result.check_min_ms)}), per-item: ${r1(result.per_item_ms)} ms (run once), ratio: ${r1(result.ratio)}x`,
  );
  lines.push(`first check (empty cache directory): ${r1(result.check_first_ms)} ms (median of ${result.runs})`);
  const ca = result.with_extra_ca_certs;
  if (ca) {
    lines.push(
      `with this shell's NODE_EXTRA_CA_CERTS=${ca.file}, which a desktop session does not set: check ${r1(ca.check_ms)} ms (bin/bkt starts Node without it; node -e '' with it: ${r1(ca.node_start_ms)} ms)`,
    );
  }
  const c = result.container;
  lines.push(
    c.skipped
      ? `booted container: not measured (${c.skipped})`
      : `booted container: bkt drift check systemd ${ms(c.check_ms ?? null)} (of which entering the container ${ms(c.enter_ms ?? null)}; collect ${ms(c.collect_ms ?? null)}, ${c.status}), per-item ${ms(c.per_item_ms ?? null)}`,
  );
  lines.push(
    result.bar.met
      ? `bar met: check under ${BAR.check_ms} ms and at least ${BAR.ratio}x faster`
      : `bar NOT met (check under ${BAR.check_ms} ms, at least ${BAR.ratio}x faster): ${result.bar.why}`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatJson(result: BenchResult): string {
  return `${JSON.stringify(result)}\n`;
}
