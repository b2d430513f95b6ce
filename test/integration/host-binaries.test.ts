// The host-binaries domain on fetchbin's real record in a temp home
// ($XDG_DATA_HOME/fetchbin/manifest.json, as fetchbin writes it).
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostBinaries } from '../../helper/domains/host-binaries.js';
import { runCheck } from '../../helper/engine.js';
import { environmentFrom } from '../../helper/environment.js';

let root: string;
let dataHome: string;
let manifests: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bkt-host-binaries-'));
  dataHome = join(root, 'home/.local/share');
  manifests = join(root, 'manifests');
  await mkdir(manifests);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

// fetchbin's serde output: pretty JSON, two-space indent, no trailing newline.
async function fetchbinInstalled(binaries: Record<string, { type: string; version: string; [id: string]: string }>) {
  const record = {
    runtime_versions: { node: { default: '22.2.0', installed: ['22.2.0'], last_updated: '1769508000' }, pnpm: { version: '9.15.0', last_updated: '1769508000' } },
    binaries: Object.fromEntries(
      Object.entries(binaries).map(([name, source]) => [
        name,
        { source, binary: name, sha256: 'f'.repeat(64), installed_at: '1769508000', runtime: source.type === 'npm' ? { type: 'node', version: '22.2.0' } : null },
      ]),
    ),
  };
  await mkdir(join(dataHome, 'fetchbin'), { recursive: true });
  await writeFile(join(dataHome, 'fetchbin/manifest.json'), JSON.stringify(record, null, 2));
}

async function declare(binaries: object[]) {
  await writeFile(join(manifests, 'host-binaries.json'), `${JSON.stringify({ $schema: '../schemas/host-binaries.schema.json', binaries }, null, 2)}\n`);
}

const environment = (env: NodeJS.ProcessEnv = {}) => environmentFrom({ HOME: join(root, 'home'), PATH: process.env.PATH, ...env });
const check = (env: NodeJS.ProcessEnv = {}) => runCheck({ manifestsDir: manifests, environment: environment(env), registry: [hostBinaries], ignoreFiles: [] });

describe('host-binaries on fetchbin’s record', () => {
  it('reports missing, pinned-elsewhere and undeclared binaries', async () => {
    await declare([
      { name: 'turbo', source: { type: 'npm', package: 'turbo' }, version: '3' },
      { name: 'ripgrep', binary: 'rg', source: { type: 'cargo', crate_name: 'ripgrep' } },
      { name: 'bat', source: { type: 'cargo', crate_name: 'bat' } },
    ]);
    await fetchbinInstalled({
      turbo: { type: 'npm', package: 'turbo', version: '2.3.4' },
      rg: { type: 'cargo', crate_name: 'ripgrep', version: '14.1.1' },
      gh: { type: 'github', repo: 'cli/cli', asset: 'platform', version: 'v2.60.0' },
    });
    const { report } = await check();
    const section = report.domains['host-binaries']!;
    expect(section.status).toBe('ok');
    expect(section.removals).toEqual([{ id: 'host-binaries:bat', key: 'bat', expected: 'cargo:bat', detail: 'in manifest, not installed by fetchbin' }]);
    expect(section.modifications).toEqual([{ id: 'host-binaries:turbo', key: 'turbo', expected: '3', actual: '2.3.4', detail: 'version', data: { change: 'version', version: '2.3.4' } }]);
    expect(section.additions).toEqual([
      { id: 'host-binaries:gh', key: 'gh', actual: 'github:cli/cli@v2.60.0', detail: 'installed by fetchbin, not in manifest', data: { source: { type: 'github', repo: 'cli/cli' }, version: 'v2.60.0' } },
    ]);
  });

  it('follows XDG_DATA_HOME, and is unavailable where fetchbin has installed nothing', async () => {
    await declare([]);
    const { report } = await check({ XDG_DATA_HOME: join(root, 'elsewhere') });
    expect(report.domains['host-binaries']).toMatchObject({ status: 'unavailable', error: `fetchbin has installed nothing here: no ${join(root, 'elsewhere/fetchbin/manifest.json')}` });
  });

  it('names fetchbin’s file and the entry it cannot read', async () => {
    await declare([]);
    await mkdir(join(dataHome, 'fetchbin'), { recursive: true });
    await writeFile(join(dataHome, 'fetchbin/manifest.json'), '{"binaries": {"rg": {"source": {"type": "cargo"}}}}');
    const { report } = await check();
    expect(report.domains['host-binaries']?.status).toBe('error');
    expect(report.domains['host-binaries']?.error).toMatch(new RegExp(`^host-binaries: ${join(dataHome, 'fetchbin/manifest.json')}: binaries\\.rg\\.source\\.crate_name: `));
  });

  it('cannot apply without fetchbin on PATH, and says so', async () => {
    await declare([{ name: 'bat', source: { type: 'cargo', crate_name: 'bat' } }]);
    await fetchbinInstalled({});
    const { outcomes } = await check();
    const [outcome] = outcomes;
    expect(hostBinaries.apply(outcome!.items[0]!, outcome!.manifest as never, environment({ PATH: join(root, 'no-bin') }))).toEqual({
      unsupported: 'fetchbin is not on PATH: it installs and removes host binaries, and bkt-drift cannot without it',
    });
  });

  it('runs fetchbin install and remove with the manifest’s spec (fake fetchbin: the real one cannot be built offline here)', async () => {
    await declare([
      { name: 'bat', source: { type: 'cargo', crate_name: 'bat' }, version: '0.24' },
      { name: 'gh', binary: 'gh', source: { type: 'github', repo: 'cli/cli', asset_pattern: 'gh_*_linux_amd64.tar.gz' } },
    ]);
    await fetchbinInstalled({ turbo: { type: 'npm', package: 'turbo', version: '2.3.4' } });
    const bin = join(root, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'fetchbin'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${join(root, 'fetchbin.log')}"\n`);
    await chmod(join(bin, 'fetchbin'), 0o755);
    const env = environment({ PATH: `${bin}:/usr/bin:/bin` });
    const { outcomes } = await check();
    const [outcome] = outcomes;
    const plans = outcome!.items.map((item) => hostBinaries.apply(item, outcome!.manifest as never, env));
    expect(plans.map((plan) => ('unsupported' in plan ? plan : plan.map(({ verb, target, details, destructive }) => ({ verb, target, details, destructive }))))).toEqual([
      [{ verb: 'Install', target: 'bat', details: 'fetchbin install cargo:bat@0.24', destructive: false }],
      [{ verb: 'Install', target: 'gh', details: 'fetchbin install github:cli/cli --asset gh_*_linux_amd64.tar.gz --bin gh', destructive: false }],
      [{ verb: 'Remove', target: 'turbo', details: 'fetchbin remove turbo', destructive: true }],
    ]);
    for (const plan of plans) if (!('unsupported' in plan)) for (const operation of plan) await operation.run(env);
    expect(await readFile(join(root, 'fetchbin.log'), 'utf8')).toBe('install cargo:bat@0.24\ninstall github:cli/cli --asset gh_*_linux_amd64.tar.gz --bin gh\nremove turbo\n');
  });
});
