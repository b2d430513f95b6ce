// The booted-container part of the bench, reported apart: the same 500 unit
// files installed in a booted systemd container (test/harness/systemd-container.ts),
// `bkt drift check systemd` run inside it, and the per-item way against its
// live manager (`systemctl is-enabled` per declared unit). Needs root and
// systemd-nspawn; elsewhere it says why it was skipped.
import { performance } from 'node:perf_hooks';
import { bootContainer, containerUnavailable, REPO_INSIDE, type SystemdContainer } from '../test/harness/systemd-container.js';
import type { DriftReport } from '../helper/report.js';
import { writeSystemdRoot } from './desktop.js';
import { CheckCrashed, median, tenths } from './measure.js';
import type { ContainerResult } from './results.js';
import { manifests, type SyntheticUnit } from './synthetic.js';

const MANIFESTS_INSIDE = '/root/bench-manifests';

async function timed(container: SystemdContainer, command: readonly string[]) {
  const started = performance.now();
  const result = await container.exec(command);
  return { ms: tenths(performance.now() - started), ...result };
}

/** `onStop` receives the container's stop, for an interrupted bench. */
export async function measureContainer(
  units: readonly SyntheticUnit[],
  runs: number,
  warmups: number,
  onStop: (stop: () => Promise<void>) => void,
): Promise<ContainerResult> {
  const unavailable = containerUnavailable();
  if (unavailable) return { skipped: unavailable };
  const booting = bootContainer();
  // Interrupted while booting, the container is stopped as soon as it is up.
  onStop(async () => (await booting.catch(() => undefined))?.stop());
  let container: SystemdContainer;
  try {
    container = await booting;
  } catch (error) {
    return { skipped: `the container did not boot: ${(error as Error).message.split('\n')[0]}` };
  }
  try {
    await writeSystemdRoot(container.tree, units);
    await container.write(`${MANIFESTS_INSIDE}/systemd-services.json`, manifests([], { installed: [], declared: [] }, units).get('systemd-services.json') ?? '');
    const reload = await container.exec(['systemctl', 'daemon-reload']);
    if (reload.exitCode !== 0) return { skipped: `systemctl daemon-reload in the container failed: ${reload.stderr.trim()}` };

    // What entering the container costs, so that it can be told apart from the check.
    const enter: number[] = [];
    const check: number[] = [];
    const collect: number[] = [];
    let status = 'missing';
    for (let i = 0; i < warmups + runs; i++) {
      const empty = await timed(container, ['true']);
      const run = await timed(container, ['node', `${REPO_INSIDE}/bin/bkt.cjs`, 'drift', 'check', 'systemd', '--json', '--manifests', MANIFESTS_INSIDE]);
      if (run.exitCode < 0 || run.exitCode > 2) throw new CheckCrashed(`bkt drift check systemd crashed in the container (exit ${run.exitCode}):\n${run.stderr}`);
      let report: DriftReport;
      try {
        report = JSON.parse(run.stdout) as DriftReport;
      } catch {
        throw new CheckCrashed(`bkt drift check systemd in the container exited ${run.exitCode} without a JSON report:\n${run.stderr || run.stdout}`);
      }
      const section = report.domains?.systemd;
      if (i < warmups) continue;
      enter.push(empty.ms);
      check.push(run.ms);
      status = section?.status ?? 'missing';
      if (section) collect.push(section.collect_ms);
    }
    const declared = units.filter((u) => u.declared).map((u) => u.name);
    const loop = await timed(container, ['sh', '-c', 'for unit in "$@"; do systemctl is-enabled "$unit"; done; true', 'per-item', ...declared]);
    const answers = loop.stdout.split('\n').filter(Boolean);
    if (answers.length !== declared.length) {
      return { skipped: `systemctl is-enabled in the container answered ${answers.length} times for ${declared.length} units: ${loop.stderr.trim()}` };
    }
    return {
      check_ms: median(check),
      enter_ms: median(enter),
      ...(collect.length ? { collect_ms: median(collect) } : {}),
      per_item_ms: loop.ms,
      status,
    };
  } finally {
    await container.stop();
  }
}
