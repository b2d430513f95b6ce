// `bkt drift resolve`, `bkt capture`, `bkt sync` and `bkt drift undo`. Their
// work lives in resolve-run.ts and undo.ts, loaded when one of them runs, so
// that `bkt drift check` starts without it.
import type { Command } from 'commander';
import { DOMAINS } from '../registry.js';
import { writeOutput } from '../output.js';
import { addManifestOptions, environmentFor, type ManifestOptions } from './options.js';
import type { ResolveOptions } from './resolve-run.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function addResolveOptions(command: Command): Command {
  return addManifestOptions(command)
    .option('-n, --dry-run', 'print the plan, one ▸ line per operation, and change nothing')
    .option('-y, --yes', 'do not ask before uninstalling or deleting anything')
    .option('--only <pattern>', 'only items whose id (domain:key) matches this glob; repeatable', collect)
    .option('--exclude <pattern>', 'leave out items whose id matches this glob; repeatable', collect);
}

export function registerResolveCommands(program: Command, drift: Command): void {
  const capture = addResolveOptions(
    program
      .command('capture')
      .description('write the live state of drifted items into the manifests (keep the system as it is)')
      .argument('[domain...]', 'only these domains'),
  );
  for (const optIn of DOMAINS.flatMap((d) => d.captureOptIns ?? [])) capture.option(`--${optIn.flag}`, optIn.help);
  capture.action(async (domains: string[], options: ResolveOptions) => {
      const { resolveAll } = await import('./resolve-run.js');
      process.exitCode = await resolveAll(domains, options, 'capture');
    });

  addResolveOptions(
    program
      .command('sync')
      .description('make the system match the manifests (revert drift); asks before removing anything')
      .argument('[domain...]', 'only these domains'),
  ).action(async (domains: string[], options: ResolveOptions) => {
    const { resolveAll } = await import('./resolve-run.js');
    process.exitCode = await resolveAll(domains, options, 'apply');
  });

  addResolveOptions(
    drift
      .command('resolve')
      .description('decide each drifted item: [c]apture into the manifest, [a]pply the manifest, [s]kip or [i]gnore')
      .argument('[domain...]', 'only these domains'),
  )
    .option('--prefer-manifest', 'apply the manifest for every item (like bkt sync)')
    .option('--prefer-system', 'capture the system for every item (like bkt capture)')
    .action(async (domains: string[], options: ResolveOptions) => {
      const { resolveCommand } = await import('./resolve-run.js');
      process.exitCode = await resolveCommand(domains, options);
    });

  addManifestOptions(drift.command('undo').description('revert what the last capture, sync or resolve changed (newest first); again to go further back')).action(async (options: ManifestOptions) => {
    const { undoLast } = await import('../undo.js');
    const environment = await environmentFor(options);
    process.exitCode = await undoLast(environment, (line) => writeOutput(`${line}\n`));
  });
}
