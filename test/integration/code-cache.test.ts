// bin/bkt.cjs keeps V8's compiled code of the bundle in $XDG_CACHE_HOME/bkt,
// so that a check does not parse and compile bkt again: which run writes it,
// and that a bad or unwritable cache never changes what bkt prints.
import { chmod, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { bkt, copyFixtures, tempHome } from '../harness/cli.js';

let home: { dir: string; env: NodeJS.ProcessEnv };
let manifests: string;
let cacheDir: string;

beforeEach(async () => {
  home = await tempHome('bkt-code-cache-');
  manifests = await copyFixtures(home.dir, ['host-shims.json']);
  cacheDir = join(home.env.XDG_CACHE_HOME!, 'bkt');
  const shims = join(home.env.HOME!, '.local/toolbox/shims');
  await mkdir(shims, { recursive: true });
  await writeFile(join(shims, 'podman'), '#!/bin/sh\nexec flatpak-spawn --host podman "$@"\n');
  await chmod(join(shims, 'podman'), 0o755);
  return () => rm(home.dir, { recursive: true, force: true });
});

async function codeCache(): Promise<{ name: string; size: number; written: number }> {
  const names = (await readdir(cacheDir)).filter((name) => name.startsWith('code-') && name.endsWith('.v8'));
  expect(names).toHaveLength(1);
  const info = await stat(join(cacheDir, names[0]!));
  return { name: names[0]!, size: info.size, written: info.mtimeMs };
}

const check = () => bkt(['drift', 'check', '--manifests', manifests], home.env);

describe('the code cache', () => {
  it('is written by the first run and used, not written, by the next ones', async () => {
    const first = await check();
    const written = await codeCache();
    const again = await check();
    expect(again.stdout).toBe(first.stdout);
    expect(await codeCache()).toEqual(written);
  });

  it('is written again by a check after a run that loaded no domain (bkt --help) wrote it', async () => {
    expect((await bkt(['--help'], home.env)).exitCode).toBe(0);
    const afterHelp = await codeCache();
    await check();
    const afterCheck = await codeCache();
    // The domains' code now in it.
    expect(afterCheck.size).toBeGreaterThan(afterHelp.size);
    await check();
    expect(await codeCache()).toEqual(afterCheck);
  });

  it('is written again by a check of a domain whose code it lacks, and holds both', async () => {
    await writeFile(join(manifests, 'appimage-apps.json'), '{"apps": []}\n');
    await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    const shimsOnly = await codeCache();
    await bkt(['drift', 'check', 'appimages', '--manifests', manifests], home.env);
    const both = await codeCache();
    expect(both.size).toBeGreaterThan(shimsOnly.size);
    await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    await bkt(['drift', 'check', '--manifests', manifests], home.env);
    expect(await codeCache()).toEqual(both);
  });

  it('that is not V8 data is replaced, and the check prints the same', async () => {
    const first = await check();
    const { name } = await codeCache();
    await writeFile(join(cacheDir, name), Buffer.alloc(4096, 7));
    const again = await check();
    expect(again.stdout).toBe(first.stdout);
    expect(again.exitCode).toBe(first.exitCode);
    expect((await codeCache()).size).not.toBe(4096);
  });

  it('that cannot be written costs nothing but time', async () => {
    await mkdir(home.env.XDG_CACHE_HOME!, { recursive: true });
    // A file where the cache directory would be: nothing can be written under it.
    await writeFile(cacheDir, '');
    const result = await check();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Shims:');
  });
});
