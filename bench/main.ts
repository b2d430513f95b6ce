// `npm run bench [-- --json] [-- --runs N]`: builds the large synthetic desktop,
// times `bkt drift check --json` on it (whole process, Node start included)
// and the per-item way side by side, and prints both and the ratio.
// Exit 0 whatever the numbers; 2 when the check crashes or the desktop cannot be built.
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DriftReport } from '../helper/report.js';
import { buildDesktop, DesktopBuildFailed, type Desktop } from './desktop.js';
import { measureContainer } from './container.js';
import { CheckCrashed, median, tenths, timeProcess } from './measure.js';
import { BENCH_DOMAINS, perItem, type BenchDomain } from './per-item.js';
import { formatHuman, formatJson, judge, type BenchResult, type DomainResult } from './results.js';
import { ISSUE_SIZE, plantedDrift } from './synthetic.js';

const REPO = resolve(import.meta.dirname, '..');
/** The command npm installs, as a user runs it (it starts Node with bin/bkt.cjs). */
const BKT = join(REPO, 'bin', 'bkt');

interface Options {
  json: boolean;
  runs: number;
  warmups: number;
}

class UsageError extends Error {
  override name = 'UsageError';
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { json: false, runs: 15, warmups: 2 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--runs') {
      const runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs: expected a positive whole number, got ${JSON.stringify(argv[i])}`);
      options.runs = runs;
    } else throw new UsageError(`unknown argument ${JSON.stringify(arg)} (expected --json, --runs N)`);
  }
  return options;
}

/** Ctrl-C was pressed: what fails from now on fails because the bench is cleaning up. */
let interrupted = false;

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function buildBkt(): Promise<void> {
  const built = await timeProcess(process.execPath, [join(REPO, 'build', 'build.mjs')], process.env, REPO);
  if (built.exitCode !== 0) throw new CheckCrashed(`npm run build failed (exit ${built.exitCode}):\n${built.stderr.trim()}`);
}

/** One `bkt drift check [domain...] --json` process; a crash is anything but exit 0, 1 or 2 with a report on stdout. */
async function checkOnce(
  desktop: Desktop,
  manifestsDir = desktop.manifests,
  domains: readonly string[] = [],
  env: NodeJS.ProcessEnv = desktop.env,
): Promise<{ ms: number; report: DriftReport }> {
  const args = ['drift', 'check', ...domains, '--json', '--manifests', manifestsDir, '--root', desktop.root];
  const run = await timeProcess(BKT, args, env, desktop.dir);
  const command = `bkt ${args.join(' ')}`;
  if (run.exitCode === null || run.exitCode > 2) throw new CheckCrashed(`${command} crashed (${run.signal ?? `exit ${run.exitCode}`}):\n${run.stderr.trim()}`);
  let report: DriftReport;
  try {
    report = JSON.parse(run.stdout) as DriftReport;
  } catch {
    throw new CheckCrashed(`${command} exited ${run.exitCode} without a JSON report:\n${run.stderr.trim() || run.stdout.trim()}`);
  }
  if (typeof report.domains !== 'object' || report.domains === null) throw new CheckCrashed(`${command}: the report has no domains`);
  return { ms: run.ms, report };
}

/** `bkt drift check --json` on a directory with no manifest: Node start and loading bkt, no domain; it exits 2 saying so. */
async function bareStart(desktop: Desktop, empty: string): Promise<{ ms: number }> {
  const run = await timeProcess(BKT, ['drift', 'check', '--json', '--manifests', empty], desktop.env, desktop.dir);
  if (run.exitCode !== 2 || !run.stderr.includes('no manifests in')) {
    throw new CheckCrashed(`bkt drift check --manifests ${empty}: expected exit 2 and "no manifests in", got ${run.signal ?? `exit ${run.exitCode}`}:\n${run.stderr.trim()}`);
  }
  return run;
}

async function measure(options: Options): Promise<BenchResult> {
  progress('building bkt (npm run build)');
  await buildBkt();
  progress(`building the synthetic desktop (${ISSUE_SIZE.apps} flatpaks, ${ISSUE_SIZE.keys} keys, ${ISSUE_SIZE.units} units)`);
  const desktop = await buildDesktop(ISSUE_SIZE);
  // A desktop at rest, as a user's is between changes: bkt trusts nothing it keeps
  // about a file changed in the last 2 seconds (helper/cache.ts).
  await new Promise((done) => setTimeout(done, 2_100));
  // On Ctrl-C: stop what the bench started (the container, then the desktop's bus) and remove its files.
  // A lasting listener (not `once`): execa's exit hook re-raises the signal when it sees no other listener.
  const cleanups: (() => Promise<void>)[] = [desktop.close];
  const stop = () => {
    if (interrupted) return;
    interrupted = true;
    void cleanups
      .reverse()
      .reduce((done, cleanup) => done.then(cleanup, cleanup), Promise.resolve())
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  try {
    progress(`timing node start and bkt drift check (${options.warmups} warm-ups, ${options.runs} runs)`);
    const empty = join(desktop.dir, 'no-manifests');
    await mkdir(empty);
    // Rounds of node start, bkt with nothing to check, the check, and each domain checked alone,
    // so that a busy moment weighs on all of them alike.
    const nodeStarts: number[] = [];
    const bktStarts: number[] = [];
    const checks: { ms: number; report: DriftReport }[] = [];
    const firstChecks: number[] = [];
    const alone: Record<BenchDomain, number[]> = { flatpak: [], gsettings: [], systemd: [] };
    // This shell's NODE_EXTRA_CA_CERTS, which the desktop leaves out (desktop.ts): timed apart, in the same rounds.
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    const withCa = extraCa ? { ...desktop.env, NODE_EXTRA_CA_CERTS: extraCa } : undefined;
    const nodeStartsCa: number[] = [];
    const checksCa: number[] = [];
    let registered: BenchDomain[] | undefined;
    for (let i = 0; i < options.warmups + options.runs; i++) {
      const node = await timeProcess(process.execPath, ['-e', ''], desktop.env);
      const bare = await bareStart(desktop, empty);
      const check = await checkOnce(desktop);
      const first = await checkOnce(desktop, desktop.manifests, [], { ...desktop.env, XDG_CACHE_HOME: await mkdtemp(join(desktop.dir, 'cache-')) });
      const nodeCa = withCa && (await timeProcess(process.execPath, ['-e', ''], withCa));
      const checkCa = withCa && (await checkOnce(desktop, desktop.manifests, [], withCa));
      // Only the domains this build has: naming another one is a usage error.
      registered ??= BENCH_DOMAINS.filter((name) => name in check.report.domains);
      const solos: [BenchDomain, DriftReport][] = [];
      for (const name of registered) solos.push([name, (await checkOnce(desktop, desktop.manifests, [name])).report]);
      if (i < options.warmups) continue;
      nodeStarts.push(node.ms);
      bktStarts.push(bare.ms);
      checks.push(check);
      firstChecks.push(first.ms);
      if (nodeCa && checkCa) {
        nodeStartsCa.push(nodeCa.ms);
        checksCa.push(checkCa.ms);
      }
      for (const [name, report] of solos) {
        const ms = report.domains[name]?.collect_ms;
        if (typeof ms === 'number') alone[name].push(ms);
      }
    }
    progress('timing the per-item way (once)');
    const items = await perItem(desktop);
    progress('booted container (systemd-nspawn)');
    const container = await measureContainer(desktop.units, options.runs, options.warmups, (cleanup) => cleanups.push(cleanup));

    const checkMs = median(checks.map((c) => c.ms));
    const last = checks[checks.length - 1]?.report;
    const planted = plantedDrift(desktop.keys, desktop.apps, desktop.units);
    const domains = {} as Record<BenchDomain, DomainResult>;
    for (const name of BENCH_DOMAINS) {
      const section = last?.domains[name];
      const part = items[name];
      const collect = checks.map((c) => c.report.domains[name]?.collect_ms).filter((v): v is number => typeof v === 'number');
      domains[name] = {
        status: section?.status ?? 'missing',
        error: section ? section.error : `bkt has no ${name} domain in this build`,
        bkt_collect_ms: collect.length ? median(collect) : null,
        bkt_alone_ms: alone[name].length ? median(alone[name]) : null,
        drift: section ? section.additions.length + section.removals.length + section.modifications.length : 0,
        planted: planted[name],
        per_item_ms: part.ms,
        per_item_processes: part.processes,
      };
    }
    const perItemMs = tenths(BENCH_DOMAINS.reduce((sum, d) => sum + items[d].ms, 0));
    const ratio = tenths(perItemMs / checkMs);
    return {
      check_ms: checkMs,
      check_min_ms: Math.min(...checks.map((c) => c.ms)),
      check_first_ms: median(firstChecks),
      node_start_ms: median(nodeStarts),
      bkt_start_ms: median(bktStarts),
      with_extra_ca_certs: extraCa ? { file: extraCa, node_start_ms: median(nodeStartsCa), check_ms: median(checksCa) } : null,
      per_item_ms: perItemMs,
      ratio,
      domains,
      runs: options.runs,
      warmups: options.warmups,
      per_item_runs: 1,
      size: { apps: ISSUE_SIZE.apps, keys: ISSUE_SIZE.keys, units: ISSUE_SIZE.units, declared_units: ISSUE_SIZE.declaredUnits },
      container,
      bar: judge(checkMs, ratio, domains),
    };
  } finally {
    process.off('SIGINT', stop);
    await desktop.close();
  }
}

try {
  const options = parseArgs(process.argv.slice(2));
  const result = await measure(options);
  process.stdout.write(options.json ? formatJson(result) : formatHuman(result));
} catch (error) {
  // After Ctrl-C the cleanup, still running, exits with 130.
  if (!interrupted) {
    const known = error instanceof CheckCrashed || error instanceof DesktopBuildFailed || error instanceof UsageError;
    process.stderr.write(`bench: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    process.exitCode = 2;
  }
}
