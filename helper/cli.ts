// The `bkt` command line. Exit codes: 0 no drift (or success), 1 drift remains,
// 2 an error (bad arguments, unreadable manifests, a failed collection or change).
import { Command, CommanderError } from 'commander';
import { UnknownDomain } from './engine.js';
import { ManifestError } from './manifest.js';
import { registerCheckCommand } from './commands/check.js';
import { UsageError } from './commands/options.js';
import { registerResolveCommands } from './commands/resolve.js';
import { registerSystemdCommands } from './commands/systemd.js';

export function buildProgram(): Command {
  const program = new Command('bkt')
    .description('Find and resolve configuration drift between your manifests and this GNOME workstation.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const drift = program.command('drift').description('check and resolve drift').exitOverride();
  registerCheckCommand(drift);
  registerResolveCommands(program, drift);
  registerSystemdCommands(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every usage error exits 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    const known = error instanceof UsageError || error instanceof ManifestError || error instanceof UnknownDomain;
    process.stderr.write(`bkt: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    return 2;
  }
}
