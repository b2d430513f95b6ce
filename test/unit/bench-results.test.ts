import { describe, expect, it } from 'vitest';
import { formatHuman, formatJson, judge, type BenchResult, type DomainResult } from '../../bench/results.js';

const domain = (status: string, bkt: number | null, perItem: number, processes: number): DomainResult => ({
  status,
  error: status === 'ok' ? null : `${status} here`,
  bkt_collect_ms: bkt,
  bkt_alone_ms: bkt === null ? null : bkt / 2,
  drift: status === 'ok' ? 3 : 0,
  planted: 3,
  per_item_ms: perItem,
  per_item_processes: processes,
});

const okDomains = { flatpak: domain('ok', 8, 100, 1), gsettings: domain('ok', 20, 5000, 1000), systemd: domain('ok', 10, 400, 50) };

function result(checkMs: number, domains = okDomains, withExtraCaCerts: BenchResult['with_extra_ca_certs'] = null): BenchResult {
  const perItem = 5500;
  return {
    check_ms: checkMs,
    check_min_ms: checkMs - 5,
    check_first_ms: checkMs + 60,
    node_start_ms: 70,
    bkt_start_ms: 90,
    with_extra_ca_certs: withExtraCaCerts,
    per_item_ms: perItem,
    ratio: perItem / checkMs,
    domains,
    runs: 15,
    warmups: 2,
    per_item_runs: 1,
    size: { apps: 300, keys: 1000, units: 500, declared_units: 50 },
    container: { skipped: 'needs root' },
    bar: judge(checkMs, perItem / checkMs, domains),
  };
}

describe('the bench bar', () => {
  it('is met under 150 ms and at least 10 times faster, every domain measured', () => {
    expect(judge(120, 40, okDomains)).toEqual({ check_ms: 150, ratio: 10, met: true });
  });

  it('is not met at 150 ms or more, and says why', () => {
    expect(judge(150, 40, okDomains)).toMatchObject({ met: false, why: 'check takes 150 ms, not under 150 ms' });
  });

  it('is not met below 10 times faster', () => {
    expect(judge(100, 9.96, okDomains)).toMatchObject({ met: false, why: 'only 10x faster, not 10x' });
  });

  it('is not met when a domain did not really run, however fast the check', () => {
    const domains = { ...okDomains, gsettings: domain('unavailable', 0.3, 5000, 1000), systemd: domain('missing', null, 400, 50) };
    expect(judge(90, 60, domains)).toMatchObject({ met: false, why: 'not measured in full: gsettings unavailable, systemd missing' });
  });
});

describe('the bench output', () => {
  it('prints a table per domain, the check, the per-item way and the ratio', () => {
    const text = formatHuman(result(110));
    expect(text).toMatch(/gsettings +20 ms +10 ms +5000 ms  1000 × gsettings get/);
    expect(text).toContain('ok, 3 drift (3 planted)');
    expect(text).toContain('check: 110 ms (median of 15, min 105), per-item: 5500 ms (run once), ratio: 50x');
    expect(text).toContain('booted container: not measured (needs root)');
    expect(text).toContain("node start: 70 ms (node -e ''), bkt start: 90 ms (check with no manifests), medians of 15");
    expect(text).toContain('bar met');
  });

  it("prints the check with the shell's NODE_EXTRA_CA_CERTS apart, and judges the desktop's check", () => {
    const text = formatHuman(result(110, okDomains, { file: '/etc/ssl/certs/ca-certificates.crt', node_start_ms: 125, check_ms: 190 }));
    expect(text).toContain(
      "with this shell's NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt, which a desktop session does not set: check 190 ms (bin/bkt starts Node without it; node -e '' with it: 125 ms)",
    );
    expect(text).toContain('bar met');
    expect(formatHuman(result(110))).not.toContain('NODE_EXTRA_CA_CERTS');
  });

  it('prints a domain that is not ok with its status and error', () => {
    const text = formatHuman(result(110, { ...okDomains, systemd: domain('error', 2, 400, 50) }));
    expect(text).toMatch(/systemd +2 ms +1 ms +400 ms +50 × systemctl is-enabled +error: error here/);
    expect(text).toContain('bar NOT met');
  });

  it('prints one JSON object on one line with the fields the issue names', () => {
    const text = formatJson(result(110));
    expect(text.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['check_ms', 'check_min_ms', 'check_first_ms', 'node_start_ms', 'bkt_start_ms', 'with_extra_ca_certs', 'per_item_ms', 'ratio', 'domains', 'runs', 'bar']));
    expect(json.domains.gsettings).toMatchObject({ bkt_collect_ms: 20, bkt_alone_ms: 10, per_item_ms: 5000 });
  });
});
