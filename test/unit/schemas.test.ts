// The JSON Schemas in schemas/ are generated from the domains' zod schemas;
// they must be current, and the real user's manifests must pass them (editors
// use them to check and complete manifests through `$schema`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Domain } from '../../helper/domain.js';
import { manifestSchemas } from '../../build/manifest-schemas.js';
import { DOMAINS, loadAllDomains } from '../../helper/registry.js';
import { INCLUDE_MASKED } from '../../helper/domains/systemd.js';

const REPO = join(import.meta.dirname, '../..');
const FIXTURES = join(REPO, '../shared/fixtures/bootc-manifests');
const Ajv = AjvModule.default ?? AjvModule;

describe('manifest JSON Schemas', () => {
  let schemas: Map<string, string>;
  let domains: Domain[];
  beforeAll(async () => {
    schemas = await manifestSchemas();
    domains = await loadAllDomains();
  });

  it('are committed as generated (run npm run build to refresh them)', () => {
    for (const [file, text] of schemas) expect(readFileSync(join(REPO, 'schemas', file), 'utf8'), file).toBe(text);
  });

  it('accept every real manifest of its domain, and reject a wrong type', () => {
    const ajv = new Ajv({ strict: false });
    for (const domain of domains) {
      const fixture = join(FIXTURES, domain.file);
      if (!existsSync(fixture)) continue;
      const validate = ajv.compile(JSON.parse(schemas.get(domain.file.replace(/\.json$/, '.schema.json'))!));
      expect(validate(JSON.parse(readFileSync(fixture, 'utf8'))), `${domain.file}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      expect(validate([]), domain.file).toBe(false);
    }
  });

  it('cover every domain of the registry', () => {
    expect([...schemas.keys()].sort()).toEqual(DOMAINS.map((d) => d.file.replace(/\.json$/, '.schema.json')).sort());
  });
});

describe('the registry', () => {
  it('names each domain and its manifest as the domain itself does', async () => {
    const domains = await loadAllDomains();
    expect(domains.map((d) => [d.name, d.file])).toEqual(DOMAINS.map((d) => [d.name, d.file]));
    expect(new Set(DOMAINS.map((d) => d.file)).size).toBe(DOMAINS.length);
  });

  it("gives bkt capture the systemd domain's opt-in flag, so that the command line needs no domain code", () => {
    expect(DOMAINS.find((d) => d.name === 'systemd')?.captureOptIns?.map((o) => o.flag)).toEqual([INCLUDE_MASKED]);
  });
});
