// The in-process unit file states against systemd's own answer for offline
// trees (`systemctl --root DIR`), and `bkt ... systemd --root DIR` on one.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectUnits, compareUnits } from '../../helper/domains/systemd.js';
import { UnitFileStates, realUnitFs } from '../../helper/systemd/unit-state.js';
import { REPO, bkt } from '../harness/cli.js';
import { shapeUnitNames, writeUnitShapes } from '../harness/unit-shapes.js';

const ALL_STATES = ['enabled', 'enabled-runtime', 'linked', 'linked-runtime', 'alias', 'masked', 'masked-runtime', 'static', 'disabled', 'indirect', 'generated', 'transient', 'bad'];

/** systemd's answer for every unit file in the tree: `systemctl --root DIR list-unit-files`. */
async function listUnitFiles(root: string): Promise<Map<string, string>> {
  const { stdout } = await execa('systemctl', ['--root', root, 'list-unit-files', '--no-legend', '--no-pager'], { stderr: 'ignore' });
  return new Map(stdout.trim().split('\n').map((line) => line.trim().split(/\s+/) as [string, string]));
}

/** systemd's answer for one name, which need not be a file (an instance): `systemctl --root DIR is-enabled NAME`. */
async function isEnabled(root: string, unit: string): Promise<string> {
  const { stdout, exitCode } = await execa('systemctl', ['--root', root, 'is-enabled', unit], { reject: false, stderr: 'ignore' });
  return stdout.trim() || `no answer (exit ${exitCode})`;
}

const ours = (root: string, names: Iterable<string>) => {
  const states = new UnitFileStates(realUnitFs(root));
  return new Map([...names].map((name) => [name, states.lookup(name).state]));
};

describe('unit file states of an offline tree', () => {
  let root: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bkt-systemd-root-'));
    root = join(dir, 'root');
    await writeUnitShapes(root);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('equal systemctl --root list-unit-files for every unit file, in every state systemd has', async () => {
    const expected = await listUnitFiles(root);
    expect(new Set(expected.values())).toEqual(new Set(ALL_STATES));
    expect(ours(root, expected.keys())).toEqual(expected);
  });

  it('equal systemctl --root is-enabled for instances, templates and names with no file', async () => {
    const names = [
      ...shapeUnitNames().filter((name) => name.includes('@')),
      'shape-specifier@shape-specifier-x.service',
      'shape-default@other.service',
      'shape-tpl@two.service',
    ];
    for (const name of names) {
      const state = ours(root, [name]).get(name);
      expect([name, state === 'not-found' ? 'no answer (exit 1)' : state]).toEqual([name, await isEnabled(root, name)]);
    }
    expect(ours(root, ['shape-nowhere.service']).get('shape-nowhere.service')).toBe('not-found');
  });

  it('equal systemctl --root list-unit-files on this machine’s own root', async () => {
    const expected = await listUnitFiles('/');
    expect(expected.size).toBeGreaterThan(100);
    expect(ours('/', expected.keys())).toEqual(expected);
  });

  it('finds the masks in /etc and /run, not the vendor’s under /usr, as drift the manifest does not list', () => {
    const items = compareUnits({ 'shape-enabled.service': 'enabled' }, collectUnits(root, ['shape-enabled.service']));
    expect(items.map((item) => [item.kind, item.key, item.actual, item.detail])).toEqual([
      ['addition', 'shape-masked-empty.service', 'masked', 'masked in /etc/systemd/system, not in manifest'],
      ['addition', 'shape-masked-ghost.service', 'masked', 'masked in /etc/systemd/system, not in manifest'],
      ['addition', 'shape-masked-relative.service', 'masked', 'masked in /etc/systemd/system, not in manifest'],
      ['addition', 'shape-masked-run.service', 'masked-runtime', 'masked in /run/systemd/system, not in manifest'],
      ['addition', 'shape-masked.service', 'masked', 'masked in /etc/systemd/system, not in manifest'],
    ]);
  });
});

describe('a tree with no systemd unit directories', () => {
  let dir: string;
  let manifests: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bkt-systemd-none-'));
    manifests = join(dir, 'manifests');
    await mkdir(manifests);
    await writeFile(join(manifests, 'systemd-services.json'), '{\n  "services": {\n    "tuned.service": "enabled"\n  }\n}\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is an error naming the tree when the user named it with --root', async () => {
    const notARoot = join(dir, 'photos');
    await mkdir(join(notARoot, 'etc'), { recursive: true });
    const result = await bkt(['drift', 'check', 'systemd', '--root', notARoot, '-m', manifests]);
    expect(result.stdout).toContain(
      [
        'Systemd Services:',
        `  error: systemd: --root ${notARoot}: no systemd unit directories under it (looked for /usr/lib/systemd/system, /lib/systemd/system, /usr/local/lib/systemd/system, /etc/systemd/system and the rest of systemd's unit path): is it a system's root?`,
      ].join('\n'),
    );
    expect(result.stdout).toContain('No drift, 1 domain with errors (1 domain checked).');
    expect(result.exitCode).toBe(2);
  });

  // The live system without systemd: the unit directories hidden under empty mounts in a private mount namespace.
  const noNamespace = process.getuid?.() === 0 ? undefined : 'needs root for a private mount namespace';
  it.skipIf(noNamespace !== undefined)('is unavailable on a live system that has no systemd', async () => {
    const covers = ['/etc/systemd', '/run/systemd', '/usr/local/lib/systemd', '/usr/lib/systemd', '/lib/systemd'].filter((path) => existsSync(path));
    const mounts = covers.map((path) => `mount -t tmpfs none ${path}`).join(' && ');
    const script = `${mounts} && exec "${process.execPath}" bin/bkt.cjs drift check systemd -m "${manifests}"`;
    const result = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, reject: false });
    expect(result.stdout).toContain('Systemd Services: unavailable (no systemd unit directories on this system)');
    expect(result.stdout).toContain('No drift');
    expect(result.exitCode).toBe(0);
  });
});

describe('bkt with --root on an offline tree', () => {
  let dir: string;
  let root: string;
  let manifests: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bkt-systemd-cli-'));
    root = join(dir, 'image');
    manifests = join(dir, 'manifests');
    const units = join(root, 'usr/lib/systemd/system');
    await mkdir(units, { recursive: true });
    await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
    await mkdir(manifests);
    for (const name of ['tuned', 'cups', 'power-profiles-daemon']) {
      await writeFile(join(units, `${name}.service`), `[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n`);
    }
    await symlink('/dev/null', join(root, 'etc/systemd/system/tuned.service'));
    await writeFile(
      join(manifests, 'systemd-services.json'),
      '{\n  "services": {\n    "tuned.service": "enabled",\n    "cups.service": "disabled",\n    "power-profiles-daemon.service": "masked"\n  }\n}\n',
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('checks the image before it boots: the masked tuned.service and the unmasked power-profiles-daemon', async () => {
    const result = await bkt(['drift', 'check', 'systemd', '--root', root, '-m', manifests]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      [
        'Systemd Services:',
        '  ~ tuned.service (masked by /etc/systemd/system/tuned.service)',
        '    manifest: enabled',
        '    current:  masked',
        '  ~ power-profiles-daemon.service',
        '    manifest: masked',
        '    current:  disabled',
      ].join('\n'),
    );
  });

  it('syncs the image with systemctl --root, then finds no drift', async () => {
    const plan = await bkt(['sync', 'systemd', '--root', root, '-m', manifests, '--dry-run']);
    expect(plan.stdout).toContain('▸ Enable tuned.service (now masked; unmask first)');
    expect(plan.stdout).toContain('▸ Mask power-profiles-daemon.service (now disabled)');
    expect(await isEnabled(root, 'tuned.service')).toBe('masked');

    const sync = await bkt(['sync', 'systemd', '--root', root, '-m', manifests]);
    expect(sync.exitCode).toBe(0);
    expect(await isEnabled(root, 'tuned.service')).toBe('enabled');
    expect(await isEnabled(root, 'power-profiles-daemon.service')).toBe('masked');
    expect((await bkt(['drift', 'check', 'systemd', '--root', root, '-m', manifests])).exitCode).toBe(0);
  });

  it('captures the image’s states into the manifest', async () => {
    await execa('systemctl', ['--root', root, 'enable', 'cups.service'], { stderr: 'ignore' });
    const capture = await bkt(['capture', 'systemd', '--root', root, '-m', manifests]);
    expect(capture.exitCode).toBe(0);
    expect(await readFile(join(manifests, 'systemd-services.json'), 'utf8')).toBe(
      '{\n  "services": {\n    "tuned.service": "enabled",\n    "cups.service": "enabled",\n    "power-profiles-daemon.service": "masked"\n  }\n}\n',
    );
  });

  it('captures units masked outside the manifest only with --include-masked', async () => {
    const units = join(root, 'usr/lib/systemd/system');
    await writeFile(join(units, 'bluetooth.service'), `[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n`);
    await symlink('/dev/null', join(root, 'etc/systemd/system/bluetooth.service'));
    const file = join(manifests, 'systemd-services.json');
    const before = await readFile(file, 'utf8');

    const held = await bkt(['capture', 'systemd', '--root', root, '-m', manifests]);
    expect(held.stdout).toContain('1 item not captured without --include-masked (units masked outside the manifest).');
    expect(held.exitCode).toBe(1);
    expect(await readFile(file, 'utf8')).toBe(before);

    const included = await bkt(['capture', 'systemd', '--include-masked', '--root', root, '-m', manifests]);
    expect(included.exitCode).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(before.replace('"masked"\n  }', '"masked",\n    "bluetooth.service": "masked"\n  }'));
  });
});
