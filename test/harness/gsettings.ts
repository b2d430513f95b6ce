// The gsettings domain driven directly (collect, compare, apply), for the tests
// that run it on a private session's real dconf and compiled schemas.
import { join } from 'node:path';
import type { Environment, LoadedManifest, Operation } from '../../helper/domain.js';
import { gsettings as domain } from '../../helper/domains/gsettings.js';
import { parseManifest } from '../../helper/manifest.js';

export interface Declared {
  schema: string;
  key: string;
  value: string;
}

/** A gsettings.json in `dir` with one setting per line (and a `$schema` if given), loaded by the real manifest loader. */
export function manifestOf(dir: string, settings: Declared[], $schema?: string) {
  const lines = settings.map((s) => `    ${JSON.stringify(s)}`);
  const head = $schema === undefined ? '' : `  "$schema": ${JSON.stringify($schema)},\n`;
  const text = `{\n${head}  "settings": [\n${lines.join(',\n')}\n  ]\n}\n`;
  return parseManifest(join(dir, 'gsettings.json'), text, domain.schema);
}

/** Collects and compares: the live values, the drift items, and the domain's problems. */
export async function check(manifest: LoadedManifest<unknown>, environment: Environment) {
  const typed = manifest as Parameters<typeof domain.compare>[0];
  const live = await domain.collect(environment, typed);
  return { live, items: domain.compare(typed, live), problems: domain.problems!(typed, live) };
}

/** Runs an item's operations, or throws why it cannot be applied. */
export async function runAll(operations: Operation[] | { unsupported: string }, environment: Environment) {
  if ('unsupported' in operations) throw new Error(operations.unsupported);
  for (const operation of operations) await operation.run(environment);
}
