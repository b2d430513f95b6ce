// Writes schemas/<manifest>.schema.json from each domain's zod schema, so that
// editors complete manifests through their `$schema` key. The zod schema in the
// domain file is the one source; `npm run schemas` regenerates, and a test fails
// when the committed files are stale.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { loadAllDomains } from '../helper/registry.js';

export async function manifestSchemas(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const domain of await loadAllDomains()) {
    const schema = z.toJSONSchema(domain.schema as z.ZodMiniType, { unrepresentable: 'any' }) as Record<string, unknown>;
    const withTitle = { ...schema, $id: `${domain.file.replace(/\.json$/, '')}.schema.json`, title: `bkt ${domain.file} (${domain.title})` };
    out.set(domain.file.replace(/\.json$/, '.schema.json'), `${JSON.stringify(withTitle, null, 2)}\n`);
  }
  return out;
}

export async function writeManifestSchemas(dir: string): Promise<void> {
  for (const [file, text] of await manifestSchemas()) await writeFile(join(dir, file), text);
}
