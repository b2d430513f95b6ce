// The per-item way of the RFC's collection table, run as a shell loop would:
// one `gsettings get` per key, one `systemctl is-enabled` per declared unit, and
// one `flatpak list`. Each answer is checked against what the synthetic desktop
// holds, so the baseline is known to have read the real state.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DesktopBuildFailed, type Desktop } from './desktop.js';
import { timeProcess } from './measure.js';
import { BRANCH, REMOTE } from './synthetic.js';

export type BenchDomain = 'flatpak' | 'gsettings' | 'systemd';
export const BENCH_DOMAINS: readonly BenchDomain[] = ['flatpak', 'gsettings', 'systemd'];

export interface PerItemPart {
  ms: number;
  /** Processes started (besides the shell). */
  processes: number;
}

/** Runs a shell script; its exit code is not judged (is-enabled exits 1 for a disabled unit), its output is. */
async function runLoop(desktop: Desktop, name: string, script: string, args: readonly string[] = []): Promise<{ ms: number; lines: string[]; stderr: string }> {
  const file = join(desktop.dir, `per-item-${name}.sh`);
  await writeFile(file, script);
  const result = await timeProcess('sh', [file, ...args], desktop.env);
  return { ms: result.ms, lines: result.stdout.split('\n').filter(Boolean), stderr: result.stderr.trim() };
}

const heredoc = (lines: readonly string[]) => `<<'ITEMS'\n${lines.join('\n')}\nITEMS\n`;

/** The desktop does not hold what it was built to hold: the answers of the per-item way say where. */
function mismatch(what: string, expected: readonly string[], actual: readonly string[], stderr: string): DesktopBuildFailed | undefined {
  const index = expected.findIndex((line, i) => actual[i] !== line);
  if (index < 0 && expected.length === actual.length) return undefined;
  const at = index < 0 ? expected.length : index;
  const why = stderr ? `; stderr: ${stderr.split('\n')[0]}` : '';
  return new DesktopBuildFailed(`${what}: answer ${at + 1} is ${JSON.stringify(actual[at])}, expected ${JSON.stringify(expected[at])} (${actual.length} answers, expected ${expected.length})${why}`);
}

export async function perItemGsettings(desktop: Desktop): Promise<PerItemPart> {
  const items = desktop.keys.map((k) => `${k.schema} ${k.key}`);
  const { ms, lines, stderr } = await runLoop(desktop, 'gsettings', `while read -r schema key; do gsettings get "$schema" "$key"; done ${heredoc(items)}`);
  const failed = mismatch('gsettings get', desktop.keys.map((k) => k.live), lines, stderr);
  if (failed) throw failed;
  return { ms, processes: items.length };
}

export async function perItemSystemd(desktop: Desktop): Promise<PerItemPart> {
  const declared = desktop.units.filter((u) => u.declared);
  const script = `while read -r unit; do systemctl --root "$1" is-enabled "$unit"; done ${heredoc(declared.map((u) => u.name))}`;
  const { ms, lines, stderr } = await runLoop(desktop, 'systemd', script, [desktop.root]);
  const failed = mismatch('systemctl is-enabled', declared.map((u) => u.state), lines, stderr);
  if (failed) throw failed;
  return { ms, processes: declared.length };
}

export async function perItemFlatpak(desktop: Desktop): Promise<PerItemPart> {
  const { ms, lines, stderr } = await runLoop(desktop, 'flatpak', 'flatpak --user list --app --columns=application,origin,branch\n');
  const expected = desktop.apps.installed.map((id) => `${id}\t${REMOTE}\t${BRANCH}`);
  const failed = mismatch('flatpak --user list', expected, [...lines].sort(), stderr);
  if (failed) throw failed;
  return { ms, processes: 1 };
}

export async function perItem(desktop: Desktop): Promise<Record<BenchDomain, PerItemPart>> {
  // One after the other, so that no part competes with another for the two cores.
  const flatpak = await perItemFlatpak(desktop);
  const gsettings = await perItemGsettings(desktop);
  const systemd = await perItemSystemd(desktop);
  return { flatpak, gsettings, systemd };
}
