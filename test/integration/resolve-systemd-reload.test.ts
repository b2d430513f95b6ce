// `bkt sync systemd` reloads the manager after what it changed, also when a
// later change of the same unit fails. The manager is a real `systemd --user`
// standing in for the system one (DBUS_SYSTEM_BUS_ADDRESS points at it), and
// bkt runs in a private mount namespace whose /etc/systemd/system is a tmpfs
// holding a mask, so that the live system's unit files are left alone.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../harness/cli.js';
import { startUserManager, userManagerUnavailable, type UserManager } from '../harness/systemd-user.js';

const unavailable = userManagerUnavailable();
// As systemd-user.test.ts: skipped where it cannot run, a failure in CI.
if (unavailable && process.env.CI) throw new Error(`resolve-systemd-reload tests cannot run in CI: ${unavailable}`);
if (unavailable) process.stderr.write(`resolve-systemd-reload tests skipped: ${unavailable}\n`);

const UNIT = `[Unit]
Description=bkt fixture
[Service]
ExecStart=/bin/sleep infinity
`;

describe.skipIf(unavailable !== undefined)('bkt sync systemd with a real manager', () => {
  let manager: UserManager;
  let dir: string;

  beforeAll(async () => {
    manager = await startUserManager();
    dir = await mkdtemp(join(tmpdir(), 'bkt-reload-'));
  });

  afterAll(async () => {
    await manager?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const needsReload = async (unit: string) => (await manager.systemctl('show', '-p', 'NeedDaemonReload', '--value', unit)).stdout.trim();

  it('reloads the manager after an unmask, though the enable that followed it failed', async () => {
    // A running unit whose file changed on disk: the manager says it needs a reload until one happens.
    const watched = join(manager.unitDir, 'bkt-watched.service');
    await writeFile(watched, UNIT);
    await manager.systemctl('daemon-reload');
    expect((await manager.systemctl('start', 'bkt-watched.service')).exitCode).toBe(0);
    await writeFile(watched, `${UNIT}# changed\n`);
    const later = new Date(Date.now() + 60_000);
    await utimes(watched, later, later);
    expect(await needsReload('bkt-watched.service')).toBe('yes');

    // Declared enabled, masked on the "system", and without a unit file the manager could enable.
    const manifests = join(dir, 'manifests');
    await mkdir(manifests);
    await writeFile(join(manifests, 'systemd-services.json'), '{ "services": { "bkt-absent.service": "enabled" } }\n');
    const script = 'mount -t tmpfs tmpfs /etc/systemd/system && ln -s /dev/null /etc/systemd/system/bkt-absent.service && exec "$0" "$@"';
    const result = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, process.execPath, join(REPO, 'bin/bkt.cjs'), 'sync', 'systemd', '--manifests', manifests], {
      env: { PATH: process.env.PATH, HOME: join(dir, 'home'), XDG_CACHE_HOME: join(dir, 'cache'), DBUS_SYSTEM_BUS_ADDRESS: manager.address, NO_COLOR: '1' },
      extendEnv: false,
      reject: false,
    });
    expect(result.stdout).toContain('✗ Apply systemd:bkt-absent.service failed: cannot enable bkt-absent.service: Unit file bkt-absent.service does not exist.');
    expect(result.exitCode).toBe(2);
    expect(await needsReload('bkt-watched.service')).toBe('no');
  });
});
