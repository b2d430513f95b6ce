// `bkt sync`, `bkt capture` and `bkt drift resolve` for flatpak, end to end:
// the real command, a real flatpak installation built offline, the manifest
// compared byte for byte.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bkt } from '../harness/cli.js';
import { createFlatpakWorld, type FlatpakWorld } from '../harness/flatpak.js';

let world: FlatpakWorld;
let manifests: string;
let manifestFile: string;

const MANIFEST = `{
  "$schema": "../schemas/flatpak-apps.schema.json",
  "apps": [
    {
      "id": "org.example.Extra",
      "remote": "one",
      "scope": "user",
      "branch": "stable"
    },
    {
      "id": "org.example.Hello",
      "remote": "one",
      "scope": "user",
      "branch": "stable",
      "mine": "an unknown key the user keeps"
    }
  ]
}
`;

beforeAll(async () => {
  world = await createFlatpakWorld();
  manifests = join(world.dir, 'repo-root', 'manifests');
  manifestFile = join(manifests, 'flatpak-apps.json');
}, 180_000);
afterAll(() => world?.remove());

beforeEach(async () => {
  await world.reset();
  await mkdir(manifests, { recursive: true });
  await writeFile(manifestFile, MANIFEST);
  await world.flatpak(['install', '--user', '--noninteractive', '-y', 'one', 'org.example.Hello//stable']);
  await world.flatpak(['install', '--user', '--noninteractive', '-y', 'one', 'org.example.Third//stable']);
});

const check = (args: string[] = []) => bkt(['drift', 'check', 'flatpak', '--manifests', manifests, ...args], world.env);

describe('flatpak drift, resolved from the command line', () => {
  it('check reports the hand-installed app and the missing one', async () => {
    const result = await check();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Flatpaks:\n  + org.example.Third (installed, not in manifest)\n  - org.example.Extra (in manifest, not installed)');
  });

  it('sync --yes installs and uninstalls with flatpak, and leaves the manifest byte for byte', async () => {
    const result = await bkt(['sync', 'flatpak', '--yes', '--manifests', manifests], world.env);
    expect(result.stdout).toContain('Summary: 0 captured, 2 applied');
    expect(result.exitCode).toBe(0);
    expect(await world.list()).toEqual(['org.example.Extra one stable user', 'org.example.Hello one stable user']);
    expect(await readFile(manifestFile, 'utf8')).toBe(MANIFEST);
    expect((await check()).exitCode).toBe(0);
  });

  it('sync without a terminal or --yes installs but does not uninstall, and says so', async () => {
    const result = await bkt(['sync', 'flatpak', '--manifests', manifests], world.env);
    expect(result.stdout).toContain('Not confirmed: no terminal to ask on (pass --yes to allow).');
    expect(result.exitCode).toBe(1);
    expect(await world.list()).toEqual(['org.example.Extra one stable user', 'org.example.Hello one stable user', 'org.example.Third one stable user']);
  });

  it('capture writes the system into the manifest with a minimal edit; the unknown key survives', async () => {
    const result = await bkt(['capture', 'flatpak', '--manifests', manifests], world.env);
    expect(result.exitCode).toBe(0);
    const after = await readFile(manifestFile, 'utf8');
    const third = after.slice(after.indexOf('    {\n      "id": "org.example.Third"'));
    // Extra removed, Third added after Hello in sorted order; everything else byte for byte.
    expect(after.startsWith(`{\n  "$schema": "../schemas/flatpak-apps.schema.json",\n  "apps": [\n    {\n      "id": "org.example.Hello",\n      "remote": "one",\n      "scope": "user",\n      "branch": "stable",\n      "mine": "an unknown key the user keeps"\n    },\n`)).toBe(true);
    expect(third).toMatch(/^ {4}\{\n {6}"id": "org\.example\.Third",\n {6}"remote": "one",\n {6}"scope": "user",\n {6}"branch": "stable",\n {6}"commit": "[0-9a-f]{12}"\n {4}\}\n {2}\]\n\}\n$/);
    expect((await check()).exitCode).toBe(0);
    expect(await world.list()).toEqual(['org.example.Hello one stable user', 'org.example.Third one stable user']);
  });

  it('resolve --prefer-manifest --dry-run prints the flatpak commands it would run', async () => {
    const result = await bkt(['drift', 'resolve', '--prefer-manifest', '--dry-run', '--manifests', manifests], world.env);
    const plan = result.stdout.split('\n').filter((line) => line.startsWith('▸'));
    expect(plan).toHaveLength(2);
    expect(plan[0]).toMatch(/^▸ Uninstall org\.example\.Third/);
    expect(plan[1]).toMatch(/^▸ Install org\.example\.Extra/);
    expect(await world.list()).toHaveLength(2);
  });

  it('undo after a sync reinstalls what the sync uninstalled', async () => {
    await bkt(['sync', 'flatpak', '--yes', '--only', 'flatpak:org.example.Third', '--manifests', manifests], world.env);
    expect(await world.list()).toEqual(['org.example.Hello one stable user']);
    const undo = await bkt(['drift', 'undo'], world.env);
    expect(undo.exitCode).toBe(0);
    expect(await world.list()).toEqual(['org.example.Hello one stable user', 'org.example.Third one stable user']);
  });
});
