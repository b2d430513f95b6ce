// The shims domain when the shims directory does not exist: the declared shims
// are missing (drift), unless nothing on this machine could run a shim; and
// when something else than a script stands under a shim's name.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
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
        ...DECLARED.map((name) => `  - ${name} (in manifest, no shims directory at ${shimsDir})`),
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
      DECLARED.map((name) => [name, `in manifest, no shims directory at ${configured}`]),
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
    expect(result.stdout).toContain('  - ujust (in manifest, no shim)\n');
    expect(result.exitCode).toBe(1);
  });
});

describe('something else than a script under a shim name', () => {
  beforeEach(async () => {
    await mkdir(shimsDir, { recursive: true });
    for (const name of DECLARED) {
      await writeFile(join(shimsDir, name), `#!/bin/sh\nexec flatpak-spawn --host ${name === 'docker' ? 'podman' : name} "$@"\n`);
      await chmod(join(shimsDir, name), 0o755);
    }
  });

  it('says a FIFO or a directory under a declared name is not a shim script, without reading it (a FIFO would hang the check), and passes over an undeclared one', async () => {
    await rm(join(shimsDir, 'ujust'));
    await execa('mkfifo', [join(shimsDir, 'ujust'), join(shimsDir, 'stray-fifo')]);
    await rm(join(shimsDir, 'bootc'));
    await mkdir(join(shimsDir, 'bootc'));
    await mkdir(join(shimsDir, 'old-shims'));
    const result = await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    expect(result.stdout).toBe(
      [
        'Drift Report',
        '============',
        '',
        'Shims:',
        '  ~ bootc',
        '    manifest: bootc',
        '    current:  a directory, not a shim script',
        '  ~ ujust',
        '    manifest: ujust',
        '    current:  a FIFO, not a shim script',
        '',
        '2 drift items in 1 domain (1 domain checked).',
      ].join('\n'),
    );
    expect(result.exitCode).toBe(1);
  });

  it('is the domain error naming the shim, not drift, when a shim cannot be read', async () => {
    // Reading a process's own memory from address 0 fails with EIO, even for root.
    await rm(join(shimsDir, 'ujust'));
    await symlink('/proc/self/mem', join(shimsDir, 'ujust'));
    const unreadable = await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    expect(unreadable.stdout).toContain(`Shims:\n  error: shims: cannot read the shim ${join(shimsDir, 'ujust')}: EIO: i/o error, read\n\n`);
    expect(unreadable.exitCode).toBe(2);

    // A link that leads back to itself cannot even be followed to see what it is.
    await rm(join(shimsDir, 'ujust'));
    await symlink('ujust', join(shimsDir, 'ujust'));
    const loop = await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    expect(loop.stdout).toContain(`Shims:\n  error: shims: cannot read the shim ${join(shimsDir, 'ujust')}: ELOOP: too many symbolic links encountered, stat '${join(shimsDir, 'ujust')}'\n\n`);
    expect(loop.exitCode).toBe(2);
  });

  it('takes a link to nowhere under a declared name for a missing shim, which sync replaces', async () => {
    await rm(join(shimsDir, 'ujust'));
    await symlink(join(home.dir, 'nowhere'), join(shimsDir, 'ujust'));
    const result = await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    expect(result.stdout).toContain('Shims:\n  - ujust (in manifest, no shim)\n\n');
    expect(result.exitCode).toBe(1);
  });
});
