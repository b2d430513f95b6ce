// `bkt drift check [domain...]`
import type { Command } from 'commander';
import { runCheck } from '../engine.js';
import { DOMAINS } from '../registry.js';
import { colorStyle, exitCodeOf, formatHuman, formatUnusedRules, plainStyle } from '../report.js';
import { useColor, writeOutput } from '../output.js';
import { addManifestOptions, environmentFor, requireManaged, resolveManifestsDir, type ManifestOptions } from './options.js';

interface CheckOptions extends ManifestOptions {
  json?: boolean;
  unusedIgnores?: boolean;
}

export function registerCheckCommand(drift: Command): void {
  addManifestOptions(
    drift
      .command('check')
      .description('compare the manifests with the live system and report drift (exit 0: none, 1: drift, 2: error)')
      .argument('[domain...]', 'only these domains (default: every managed domain)'),
  )
    .option('--json', 'print the report as JSON (schemas/drift-report.schema.json)')
    .option('--unused-ignores', 'also list ignore rules that matched nothing')
    .addHelpText(
      'after',
      `
Domains and their manifests:
${DOMAINS.map((d) => `  ${d.name.padEnd(16)} ${d.file}`).join('\n')}
A domain without its manifest is not managed and not checked.

Ignore rules are read from .bktignore in the manifests directory's parent (the
repository root) and in the manifests directory, and from
$XDG_CONFIG_HOME/bkt/ignore (this machine only). One rule per line:
  [!]domain:pattern [expires=YYYY-MM-DD] [reason="..."] [# note]
for example  flatpak:org.gnome.* reason="GNOME apps come with the image"`,
    )
    .action(async (domains: string[], options: CheckOptions) => {
      const manifestsDir = await resolveManifestsDir(options);
      const environment = await environmentFor(options);
      const { report } = await runCheck({ manifestsDir, environment, domains });
      requireManaged(report, manifestsDir, domains);
      if (options.json) {
        writeOutput(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        writeOutput(formatHuman(report, useColor() ? colorStyle : plainStyle));
        if (options.unusedIgnores) writeOutput(formatUnusedRules(report));
      }
      process.exitCode = exitCodeOf(report);
    });
}
