// The bench's synthetic desktop, read back by the real tools: what the per-item
// baseline reads must be what the desktop was built to hold, or the bench
// compares bkt with nothing.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDesktop, type Desktop } from '../../bench/desktop.js';
import { perItemFlatpak, perItemGsettings, perItemSystemd } from '../../bench/per-item.js';

let desktop: Desktop;

/** The process exists and is not a zombie waiting for a parent that may never reap it. */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

beforeAll(async () => {
  desktop = await buildDesktop();
});

afterAll(async () => {
  await desktop?.close();
});

describe('the bench synthetic desktop, read by the real tools', () => {
  it('answers every one of the 1,000 gsettings get with the built value (dconf for changed keys, the schema default otherwise)', async () => {
    await expect(perItemGsettings(desktop)).resolves.toMatchObject({ processes: 1000 });
  });

  it('keeps the changed values in the dconf database on disk', async () => {
    const database = await readFile(join(desktop.env.XDG_CONFIG_HOME as string, 'dconf', 'user'));
    expect(database.includes(Buffer.from('changed-6'))).toBe(true);
  });

  it('answers systemctl --root is-enabled for the 50 declared units with their built state', async () => {
    await expect(perItemSystemd(desktop)).resolves.toMatchObject({ processes: 50 });
    const { stdout } = await execa('systemctl', ['--root', desktop.root, 'list-unit-files', '--no-legend', '--no-pager', 'bench-*']);
    expect(stdout.trim().split('\n')).toHaveLength(500);
  });

  it('lists 300 user apps from flathub, branch stable, each with its own commit', async () => {
    await expect(perItemFlatpak(desktop)).resolves.toMatchObject({ processes: 1 });
    const { stdout } = await execa('flatpak', ['--user', 'list', '--app', '--columns=application,active,installation'], { env: desktop.env, extendEnv: false });
    const rows = stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(rows).toHaveLength(300);
    expect(new Set(rows.map((row) => row[1])).size).toBe(300);
    expect(rows.every((row) => row[2] === 'user')).toBe(true);
    const config = await readFile(join(desktop.env.XDG_DATA_HOME as string, 'flatpak', 'repo', 'config'), 'utf8');
    expect(config).toContain('[remote "flathub"]');
  });

  it('writes the manifests the check reads', async () => {
    const services = JSON.parse(await readFile(join(desktop.manifests, 'systemd-services.json'), 'utf8'));
    expect(Object.keys(services.services)).toHaveLength(50);
  });

  it('removes its directory and leaves no bus or dconf-service running when closed', async () => {
    const other = await buildDesktop({ apps: 2, keys: 12, schemas: 2, changedKeys: 3, units: 5, declaredUnits: 2 });
    const pidOf = async (name: string) => {
      const { stdout } = await execa(
        'gdbus',
        ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID', name],
        { env: other.env, extendEnv: false },
      );
      return Number(/uint32 (\d+)/.exec(stdout)?.[1]);
    };
    const pids = [await pidOf('org.freedesktop.DBus'), await pidOf('ca.desrt.dconf')];
    expect(pids.every((pid) => pid > 0 && running(pid))).toBe(true);
    await other.close();
    expect(existsSync(other.dir)).toBe(false);
    // dconf-service leaves when its bus goes away; give it a moment.
    for (let i = 0; i < 50 && pids.some(running); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(running)).toEqual([]);
  });
});
