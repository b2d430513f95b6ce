import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureHostBinaries, compareHostBinaries, hostBinaries, parseFetchbinManifest, versionMeets, type LiveBinaries } from '../../helper/domains/host-binaries.js';
import { parseManifest } from '../../helper/manifest.js';

const FIXTURE = join(import.meta.dirname, '../../../shared/fixtures/bootc-manifests/host-binaries.json');
const manifestOf = (binaries: object[]) => parseManifest('/m/host-binaries.json', JSON.stringify({ binaries }), hostBinaries.schema);

// The shape fetchbin writes (fetchbin/src/manifest.rs in the original bkt).
const fetchbinText = JSON.stringify({
  runtime_versions: { node: { default: '22.2.0', installed: ['22.2.0'], last_updated: null }, pnpm: { version: null, last_updated: null } },
  binaries: {
    turbo: { source: { type: 'npm', package: 'turbo', version: '2.3.4' }, binary: 'turbo', sha256: 'abc', installed_at: '1769508000', runtime: { type: 'node', version: '22.2.0' } },
    rg: { source: { type: 'cargo', crate_name: 'ripgrep', version: '14.1.1' }, binary: 'rg', sha256: 'def', installed_at: '1769508000', runtime: null },
    gh: { source: { type: 'github', repo: 'cli/cli', asset: 'platform', version: 'v2.60.0' }, binary: 'gh', sha256: '012', installed_at: '1769508000', runtime: null },
  },
});
const live = (): LiveBinaries => parseFetchbinManifest('/d/fetchbin/manifest.json', fetchbinText);

describe('host-binaries manifest', () => {
  it('loads the real (empty) manifest', () => {
    expect(parseManifest(FIXTURE, readFileSync(FIXTURE, 'utf8'), hostBinaries.schema).value.binaries).toEqual([]);
  });

  it('refuses a source of an unknown type or without its id', () => {
    expect(() => manifestOf([{ name: 'x', source: { type: 'pip', package: 'x' } }])).toThrow(/binaries\[0\]\.source/);
    expect(() => manifestOf([{ name: 'x', source: { type: 'cargo', package: 'x' } }])).toThrow(/binaries\[0\]\.source\.crate_name/);
  });
});

describe('parseFetchbinManifest', () => {
  it('reads each binary’s source and version', () => {
    expect(live().get('gh')).toEqual({ type: 'github', repo: 'cli/cli', asset: 'platform', version: 'v2.60.0' });
    expect(live().size).toBe(3);
  });

  it('names the file and the entry that is not what fetchbin writes', () => {
    expect(() => parseFetchbinManifest('/d/manifest.json', '{"binaries": {"x": {"source": {"type": "npm"}}}}')).toThrow(/^\/d\/manifest\.json: binaries\.x\.source\.package: /);
  });
});

describe('versionMeets', () => {
  it('reads a pin as fetchbin does: bare versions are caret requirements', () => {
    expect(versionMeets('2.3.4', '2.3.4')).toBe(true);
    expect(versionMeets('2.0', '2.5.1')).toBe(true);
    expect(versionMeets('2.0', '3.0.0')).toBe(false);
    expect(versionMeets('~2.3', '2.4.0')).toBe(false);
    expect(versionMeets('>=1.2', '4.0.0')).toBe(true);
    expect(versionMeets('latest', '0.0.1')).toBe(true);
  });

  it('reads GitHub tags with a v, and compares tags that are not versions as text', () => {
    expect(versionMeets('v2.60.0', 'v2.60.0')).toBe(true);
    expect(versionMeets('2.60', 'v2.61.0')).toBe(true);
    expect(versionMeets('nightly', 'nightly')).toBe(true);
    expect(versionMeets('nightly', 'nightly-2')).toBe(false);
  });
});

describe('compareHostBinaries', () => {
  const cases: { name: string; binaries: object[]; items: object[] }[] = [
    {
      name: 'no drift when every install is declared, by name or by binary, at a version the pin allows',
      binaries: [
        { name: 'turbo', source: { type: 'npm', package: 'turbo' }, version: '2.0' },
        { name: 'ripgrep', binary: 'rg', source: { type: 'cargo', crate_name: 'ripgrep' } },
        { name: 'gh', source: { type: 'github', repo: 'CLI/cli' } },
      ],
      items: [],
    },
    {
      name: 'a declared binary fetchbin has not installed is a removal',
      binaries: [
        { name: 'turbo', source: { type: 'npm', package: 'turbo' } },
        { name: 'ripgrep', binary: 'rg', source: { type: 'cargo', crate_name: 'ripgrep' } },
        { name: 'gh', source: { type: 'github', repo: 'cli/cli' } },
        { name: 'bat', source: { type: 'cargo', crate_name: 'bat' }, version: '0.24' },
      ],
      items: [{ id: 'host-binaries:bat', kind: 'removal', key: 'bat', expected: 'cargo:bat@0.24', detail: 'in manifest, not installed by fetchbin' }],
    },
    {
      name: 'a version outside the pin and another source are modifications; an undeclared install is an addition',
      binaries: [
        { name: 'turbo', source: { type: 'npm', package: 'turbo' }, version: '3' },
        { name: 'rg', source: { type: 'github', repo: 'BurntSushi/ripgrep' } },
      ],
      items: [
        { id: 'host-binaries:turbo', kind: 'modification', key: 'turbo', expected: '3', actual: '2.3.4', detail: 'version', data: { change: 'version', version: '2.3.4' } },
        {
          id: 'host-binaries:rg',
          kind: 'modification',
          key: 'rg',
          expected: 'github:BurntSushi/ripgrep',
          actual: 'cargo:ripgrep@14.1.1',
          detail: 'installed from another source',
          data: { change: 'source', source: { type: 'cargo', crate_name: 'ripgrep' }, version: '14.1.1' },
        },
        { id: 'host-binaries:gh', kind: 'addition', key: 'gh', actual: 'github:cli/cli@v2.60.0', detail: 'installed by fetchbin, not in manifest', data: { source: { type: 'github', repo: 'cli/cli' }, version: 'v2.60.0' } },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(compareHostBinaries(manifestOf(c.binaries).value, live())).toEqual(c.items.map((item) => ({ domain: 'host-binaries', ...item })));
    });
  }
});

describe('captureHostBinaries', () => {
  const manifest = manifestOf([
    { name: 'rg', source: { type: 'github', repo: 'BurntSushi/ripgrep' }, version: '13' },
    { name: 'turbo', source: { type: 'npm', package: 'turbo' }, version: '3' },
  ]).value;
  const item = (rest: object) => ({ domain: 'host-binaries', id: 'host-binaries:k', ...rest }) as never;

  it('inserts an addition as bkt captures it: source and installed version, sorted by name', () => {
    const [edit] = captureHostBinaries(item({ kind: 'addition', key: 'gh', data: { source: { type: 'github', repo: 'cli/cli', asset_pattern: 'gh_*_linux_amd64.tar.gz' }, version: 'v2.60.0' } }), manifest);
    expect(edit).toMatchObject({ op: 'insert', path: ['binaries'], value: { name: 'gh', source: { type: 'github', repo: 'cli/cli', asset_pattern: 'gh_*_linux_amd64.tar.gz' }, version: 'v2.60.0' } });
    expect(edit?.op === 'insert' && edit.sortKey?.({ name: 'zoxide' })).toBe('zoxide');
  });

  it('sets the version a pin no longer allows, and the source with it', () => {
    expect(captureHostBinaries(item({ kind: 'modification', key: 'turbo', data: { change: 'version', version: '2.3.4' } }), manifest)).toEqual([{ op: 'set', path: ['binaries', 1, 'version'], value: '2.3.4' }]);
    expect(captureHostBinaries(item({ kind: 'modification', key: 'rg', data: { change: 'source', source: { type: 'cargo', crate_name: 'ripgrep' }, version: '14.1.1' } }), manifest)).toEqual([
      { op: 'set', path: ['binaries', 0, 'source'], value: { type: 'cargo', crate_name: 'ripgrep' } },
      { op: 'set', path: ['binaries', 0, 'version'], value: '14.1.1' },
    ]);
  });

  it('removes a removal', () => {
    expect(captureHostBinaries(item({ kind: 'removal', key: 'turbo' }), manifest)).toEqual([{ op: 'remove', path: ['binaries', 1] }]);
  });
});
