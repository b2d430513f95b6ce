// Finding a command on PATH without running it: a domain's apply must say,
// before anything runs, whether its tool is on this machine.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

/** The full path of the executable `name` on the PATH of `env`, or undefined. */
export function commandOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const path = join(dir, name);
    if (isExecutableFile(path)) return path;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    // Missing, not executable or unreadable: not a command we can run.
    return false;
  }
}
