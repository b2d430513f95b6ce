// The shims domain when the shims directory does not exist: the declared shims
// are missing (drift), unless nothing on this machine could run a shim.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandOnPath } from '../../helper/command-path.js';
import { bkt, copyFixtures, parseReport, tempHome } from '../harness/cli.js';

const DECLARED = ['bootc', 'docker', 'flatpak', 'journalctl', 'podman', 'rpm-ostree', 'systemctl', 'ujust'];

let home: { dir: string; env: NodeJS.ProcessEnv };
let manifests: string;
let shimsDir: string;

beforeEach(async () => {
  home = await tempHome('bkt-shims-');
  manifests = await copyFixtures(home.dir, ['host-shims.json']);
  shimsDir = join(home.env.HOME!, '.local/toolbox/shims');
});
afterEach(() => rm(home.dir, { recursive: true, force: true }));

describe('a shims directory that does not exist, on a machine with flatpak', () => {
  // The real flatpak command of this machine, on a PATH of its own directory only.
  const withFlatpak = () => {
    const flatpak = commandOnPath('flatpak', process.env);
    if (flatpak === undefined) throw new Error('these tests need flatpak installed, as the flatpak tests do');
    return { ...home.env, PATH: dirname(flatpak) };
  };

  it('reports every declared shim as missing, saying the directory does not exist, and exits 1', async () => {
    const result = await bkt(['drift', 'check', 'shims', '--manifests', manifests], withFlatpak());
    expect(result.stdout).toBe(
      [
        'Drift Report',
        '============',
        '',
        'Shims:',
        ...DECLARED.map((name) => `  - ${name} (expected shim missing, no shims directory at ${shimsDir})`),
        '',
        '8 drift items in 1 domain (1 domain checked).',
      ].join('\n'),
    );
    expect(result.exitCode).toBe(1);
  });

  it('names the configured directory, and sync creates it with the shims, after which nothing drifts', async () => {
    const configured = join(home.dir, 'toolbox', 'bin', 'shims');
    const env = { ...withFlatpak(), BKT_SHIMS_DIR: configured };
    const check = await bkt(['drift', 'check', 'shims', '--json', '--manifests', manifests], env);
    const section = parseReport(check.stdout).domains.shims;
    expect(section.status).toBe('ok');
    expect(section.removals.map((item: { key: string; detail: string }) => [item.key, item.detail])).toEqual(
      DECLARED.map((name) => [name, `expected shim missing, no shims directory at ${configured}`]),
    );

    const sync = await bkt(['sync', 'shims', '--manifests', manifests], env);
    expect(sync.stdout).toContain(`✓ Create ${join(configured, 'ujust')}`);
    expect(sync.stdout).toContain('Summary: 0 captured, 8 applied, 0 ignored, 0 skipped.');
    expect(sync.exitCode).toBe(0);
    expect((await readdir(configured)).sort()).toEqual(DECLARED);
    expect(await readFile(join(configured, 'docker'), 'utf8')).toContain('exec flatpak-spawn --host podman "$@"');
    const after = await bkt(['drift', 'check', 'shims', '--manifests', manifests], env);
    expect(after.stdout).toContain('No drift');
    expect(after.exitCode).toBe(0);
  });
});

describe('a machine where no shim could run: neither flatpak nor flatpak-spawn', () => {
  let emptyPath: string;
  beforeEach(async () => {
    emptyPath = await mkdtemp(join(tmpdir(), 'bkt-no-flatpak-'));
    return () => rm(emptyPath, { recursive: true, force: true });
  });

  it('without a shims directory, is unavailable with the reason, not drift', async () => {
    const result = await bkt(['drift', 'check', 'shims', '--manifests', manifests], { ...home.env, PATH: emptyPath });
    expect(result.stdout).toContain(`Shims: unavailable (no shims directory at ${shimsDir}, and neither flatpak nor flatpak-spawn to run shims through)`);
    expect(result.stdout).toContain('No drift');
    expect(result.exitCode).toBe(0);
  });

  it('with a shims directory, still checks the shims in it', async () => {
    await mkdir(shimsDir, { recursive: true });
    const result = await bkt(['drift', 'check', 'shims', '--manifests', manifests], { ...home.env, PATH: emptyPath });
    expect(result.stdout).toContain('  - ujust (expected shim missing)\n');
    expect(result.exitCode).toBe(1);
  });
});
