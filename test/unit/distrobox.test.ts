import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainUnavailable } from '../../helper/domain.js';
import { DISTROBOX_LATER, distrobox } from '../../helper/domains/distrobox.js';
import { parseManifest } from '../../helper/manifest.js';

const FIXTURE = join(import.meta.dirname, '../../../shared/fixtures/bootc-manifests/distrobox.json');

describe('distrobox, before containers are inspected', () => {
  const manifest = parseManifest(FIXTURE, readFileSync(FIXTURE, 'utf8'), distrobox.schema);

  it('loads the real manifest, keeping the keys it does not use', () => {
    expect(manifest.value.containers['bootc-dev']).toMatchObject({ image: 'ghcr.io/wycats/bootc-toolbox:latest', packages: ['gcc', 'libatomic'], pull: true, bins: { to: '~/.local/bin/distrobox' } });
  });

  it('refuses a malformed manifest with the JSON path', () => {
    expect(() => parseManifest('/m/distrobox.json', '{"containers": {"x": {"packages": []}}}', distrobox.schema)).toThrow(/containers\.x\.image/);
  });

  it('is unavailable, says why, and reports and applies nothing', async () => {
    await expect(distrobox.collect({} as never, manifest)).rejects.toThrow(DomainUnavailable);
    await expect(distrobox.collect({} as never, manifest)).rejects.toThrow(DISTROBOX_LATER);
    const item = { id: 'distrobox:x', domain: 'distrobox', kind: 'removal' as const, key: 'x' };
    expect(distrobox.compare(manifest, undefined as never)).toEqual([]);
    expect(distrobox.capture(item, manifest)).toEqual([]);
    expect(distrobox.apply(item, manifest, {} as never)).toEqual({ unsupported: DISTROBOX_LATER });
  });
});
