import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainUnavailable } from '../../helper/domain.js';
import { TOOLBOX_LATER, toolbox } from '../../helper/domains/toolbox.js';
import { parseManifest } from '../../helper/manifest.js';

const FIXTURE = join(import.meta.dirname, '../../../shared/fixtures/bootc-manifests/toolbox-packages.json');

describe('toolbox, before the toolbox is inspected', () => {
  const manifest = parseManifest(FIXTURE, readFileSync(FIXTURE, 'utf8'), toolbox.schema);

  it('loads the real manifest, keeping the keys it does not use', () => {
    expect(manifest.value.packages).toEqual(['gcc']);
  });

  it('refuses a malformed manifest with the JSON path', () => {
    expect(() => parseManifest('/m/toolbox-packages.json', '{"packages": "gcc"}', toolbox.schema)).toThrow('/m/toolbox-packages.json:1:14: packages: Invalid input: expected array, received string');
  });

  it('is unavailable, says why, and reports and applies nothing', async () => {
    await expect(toolbox.collect({} as never, manifest)).rejects.toThrow(DomainUnavailable);
    await expect(toolbox.collect({} as never, manifest)).rejects.toThrow(TOOLBOX_LATER);
    const item = { id: 'toolbox:x', domain: 'toolbox', kind: 'removal' as const, key: 'x' };
    expect(toolbox.compare(manifest, undefined as never)).toEqual([]);
    expect(toolbox.capture(item, manifest)).toEqual([]);
    expect(toolbox.apply(item, manifest, {} as never)).toEqual({ unsupported: TOOLBOX_LATER });
  });
});
