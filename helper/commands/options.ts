// Options shared by the commands that read manifests.
import { stat } from '../fs-async.js';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Environment } from '../domain.js';
import { environmentFrom } from '../environment.js';
import { DOMAINS, UnknownDomain } from '../registry.js';
import type { DriftReport } from '../report.js';

export interface ManifestOptions {
  manifests?: string;
  root?: string;
}

/** An error the user made in how they called bkt: printed as is, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** --manifests alone, for the commands that only edit manifests. */
export function addManifestsOption(command: Command): Command {
  return command.option('-m, --manifests <dir>', 'the manifests directory (default: $BKT_MANIFESTS, then ./manifests)');
}

export function addManifestOptions(command: Command): Command {
  return addManifestsOption(command).option('--root <dir>', 'check an offline root tree (an image) instead of the live system, as systemctl --root does');
}

/** The manifest file of a domain, as the registry names it, without loading the domain. */
export function manifestFileOf(domain: string): string {
  const entry = DOMAINS.find((d) => d.name === domain);
  if (!entry) throw new UnknownDomain(domain);
  return entry.file;
}

export async function resolveManifestsDir(options: ManifestOptions, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = resolve(options.manifests ?? env.BKT_MANIFESTS ?? 'manifests');
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    const from = options.manifests ? '--manifests' : env.BKT_MANIFESTS ? '$BKT_MANIFESTS' : 'the default ./manifests';
    throw new UsageError(`manifests directory not found: ${dir} (from ${from}; pass --manifests DIR or set BKT_MANIFESTS)`);
  }
  return dir;
}

export async function environmentFor(options: ManifestOptions): Promise<Environment> {
  if (options.root !== undefined) {
    const info = await stat(options.root).catch(() => undefined);
    if (!info?.isDirectory()) throw new UsageError(`--root: not a directory: ${options.root}`);
  }
  return environmentFrom(process.env, { root: options.root });
}

/**
 * A check with nothing to check is a mistake in how bkt was called, not "no
 * drift": a manifests directory with no manifest at all (most likely the wrong
 * directory), or a domain named on the command line that it does not manage.
 */
export function requireManaged(report: DriftReport, manifestsDir: string, named: readonly string[]): void {
  const unmanaged = named.filter((name) => report.unmanaged.includes(name));
  if (unmanaged.length) {
    const why = unmanaged.map((name) => `${name} (${join(manifestsDir, manifestFileOf(name))} does not exist)`);
    throw new UsageError(`not managed: ${why.join(', ')}`);
  }
  if (Object.keys(report.domains).length === 0) {
    throw new UsageError(`no manifests in ${manifestsDir}: none of ${DOMAINS.map((d) => d.file).join(', ')} exists there (pass --manifests DIR or set BKT_MANIFESTS)`);
  }
}
