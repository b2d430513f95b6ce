// The `bkt` command line. Exit codes: 0 no drift (or success), 1 drift remains,
// 2 an error (bad arguments, unreadable manifests, a failed collection or change),
// 130 interrupted at a prompt.
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { DOMAINS, UnknownDomain } from './registry.js';
import { DomainError } from './domain.js';
import { JournalError } from './journal.js';
import { ManifestError } from './manifest.js';
import { registerCheckCommand } from './commands/check.js';
import { UsageError } from './commands/options.js';
import { writeOutput } from './output.js';
import { registerResolveCommands } from './commands/resolve.js';
import { registerSystemdCommands } from './commands/systemd.js';

export function buildProgram(): Command {
  const program = new Command('bkt')
    .description('Find and resolve configuration drift between your manifests and this GNOME workstation.')
    .version(packageJson.version)
    .showHelpAfterError('(run with --help for usage)')
    // Through writeOutput, as the report: `bkt --help | head` ends quietly, not with an EPIPE crash.
    .configureOutput({ writeOut: (text) => writeOutput(text), writeErr: (text) => writeOutput(text, 2) })
    .addHelpText(
      'after',
      `
Domains: ${DOMAINS.map((d) => d.name).join(', ')}

Examples:
  bkt drift check                       every managed domain, human report
  bkt drift check systemd --json        one domain, the JSON report
  bkt drift resolve                     decide item by item on this terminal
  bkt capture flatpak --dry-run         what capturing would write, changing nothing
  bkt sync gsettings                    put the settings back as the manifest says
  bkt systemd enable tuned              declare tuned.service enabled

The manifests directory is --manifests DIR, else $BKT_MANIFESTS, else ./manifests.
Exit codes: 0 no drift (or done), 1 drift remains, 2 an error, 130 stopped with Ctrl-C at a question.
An internal error (a bug in bkt) is printed without its stack trace; set BKT_DEBUG=1 to see it.`,
    )
    .exitOverride();
  // commander's own help command looks one name deep: `bkt help drift check` would show drift's help.
  program
    .helpCommand(false)
    .command('help')
    .argument('[command...]', 'a command, as typed after bkt (drift check, systemd mask, ...)')
    .description('display help for a command')
    .action((names: string[]) => {
      let command = program;
      for (const name of names) {
        const sub = command.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!sub) throw new UsageError(`help: no command '${names.join(' ')}' (run bkt --help for the list)`);
        command = sub;
      }
      command.help();
    });
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
    writeOutput(errorText(error), 2);
    return 2;
  }
}

/** Errors that say what the user must fix, so that their message is all there is to print. */
function isUserError(error: unknown): error is Error {
  return (
    error instanceof UsageError ||
    error instanceof ManifestError ||
    error instanceof UnknownDomain ||
    error instanceof DomainError ||
    error instanceof JournalError ||
    // A failed system call names its cause and path (permission denied, no space left on a device).
    (error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string')
  );
}

/** What ends a command: the message of an error the user can act on; for an internal error, its stack only with BKT_DEBUG set. */
export function errorText(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const message = error instanceof Error ? error.message : String(error);
  if (isUserError(error)) return `bkt: ${message}\n`;
  if (env.BKT_DEBUG) return `bkt: ${(error instanceof Error && error.stack) || message}\n`;
  return `bkt: internal error: ${message}\n(run again with BKT_DEBUG=1 for details)\n`;
}
