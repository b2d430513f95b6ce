// `bkt systemd enable|disable|mask|unmask UNIT...`: declares unit states in
// systemd-services.json. Nothing on the system changes; `bkt sync systemd`
// applies the manifest.
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ManifestEdit } from '../domain.js';
import type { DeclaredState } from '../domains/systemd.js';
import { parseManifest } from '../manifest.js';
import { parseUnitArgument } from '../systemd/unit-name.js';
import { writeOutput } from '../output.js';
import { addManifestsOption, manifestFileOf, resolveManifestsDir, UsageError } from './options.js';

/** What a new systemd-services.json starts as, in the layout of the original bkt's manifests. */
export const NEW_MANIFEST = '{\n  "$schema": "../schemas/systemd-services.schema.json",\n  "services": {}\n}\n';

export type DeclareVerb = 'enable' | 'disable' | 'mask' | 'unmask';

const STATE_OF: Record<Exclude<DeclareVerb, 'unmask'>, DeclaredState> = { enable: 'enabled', disable: 'disabled', mask: 'masked' };

/** Validates the names as systemctl would take them (a bare name gets `.service`); throws UsageError naming every bad one. */
export function unitArguments(args: readonly string[]): string[] {
  const parsed = args.map(parseUnitArgument);
  const errors = parsed.flatMap((p) => (p.ok ? [] : [p.error]));
  if (errors.length > 0) throw new UsageError(errors.join('\n'));
  return [...new Set(parsed.map((p) => (p.ok ? p.name : '')))];
}

/**
 * The edits that declare `verb` for each unit in the manifest `services`, and
 * a line per unit saying what happened. Unmask takes a `masked` declaration
 * out: the unit is then not managed, since "not masked" says nothing about
 * whether it should be enabled.
 */
export function declare(verb: DeclareVerb, units: readonly string[], services: Readonly<Record<string, DeclaredState>>): { edits: ManifestEdit[]; lines: string[] } {
  const edits: ManifestEdit[] = [];
  const lines: string[] = [];
  for (const unit of units) {
    const current = services[unit];
    if (verb === 'unmask') {
      if (current === 'masked') {
        edits.push({ op: 'remove', path: ['services', unit] });
        lines.push(`${unit}: no longer declared masked; it is now not managed (declare it enabled or disabled to manage it)`);
      } else if (current === undefined) {
        lines.push(`${unit}: not in the manifest; nothing to unmask`);
      } else {
        lines.push(`${unit}: declared ${current}, not masked; nothing to unmask`);
      }
      continue;
    }
    const state = STATE_OF[verb];
    if (current === state) {
      lines.push(`${unit}: already declared ${state}`);
      continue;
    }
    edits.push({ op: 'set', path: ['services', unit], value: state });
    lines.push(current === undefined ? `${unit}: declared ${state}` : `${unit}: declared ${state} (was ${current})`);
  }
  return { edits, lines };
}

const DESCRIPTIONS: Record<DeclareVerb, string> = {
  enable: 'declare units enabled in the manifest',
  disable: 'declare units disabled in the manifest',
  mask: 'declare units masked in the manifest',
  unmask: 'take a masked declaration out of the manifest (the unit is then not managed)',
};

export function registerSystemdCommands(program: Command): void {
  const systemd = program
    .command('systemd')
    .description(`declare unit states in ${manifestFileOf('systemd')}; bkt sync systemd applies them`)
    .exitOverride();
  for (const verb of ['enable', 'disable', 'mask', 'unmask'] as const) {
    addManifestsOption(systemd.command(verb).description(DESCRIPTIONS[verb]).argument('<unit...>', 'unit names; a name without a suffix gets .service'))
      .exitOverride()
      .action(async (args: string[], options: { manifests?: string }) => {
        const units = unitArguments(args);
        const dir = await resolveManifestsDir(options);
        const file = join(dir, manifestFileOf('systemd'));
        let lines: string[] = [];
        // Loaded here, not with the command line: a check loads only the domains it checks.
        const [{ applyEdits }, { SystemdManifest }] = await Promise.all([import('../manifest-writer.js'), import('../domains/systemd.js')]);
        const result = await applyEdits(
          file,
          (text) => {
            const declared = declare(verb, units, parseManifest(file, text, SystemdManifest).value.services);
            lines = declared.lines;
            return declared.edits;
          },
          { initialText: NEW_MANIFEST },
        );
        for (const line of lines) writeOutput(`${line}\n`);
        if (result.changed) writeOutput(`Wrote ${file}; run \`bkt sync systemd\` to apply it.\n`);
      });
  }
}
