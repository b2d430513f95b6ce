// bin/bkt, the command npm installs: Node starts without NODE_EXTRA_CA_CERTS
// (Node 20 parses that file before any script runs), and the programs bkt runs
// get it back.
import { chmod, copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { REPO, tempHome } from '../harness/cli.js';

const LAUNCHER = join(REPO, 'bin/bkt');
// A path Node cannot read: Node says so on stderr when it loads the file, which shows whether it did.
const MISSING_CA = '/nonexistent/bkt-test-ca.pem';

let home: { dir: string; env: NodeJS.ProcessEnv };

beforeEach(async () => {
  home = await tempHome('bkt-launcher-');
  return () => rm(home.dir, { recursive: true, force: true });
});

/** Runs `file` with the test's environment and `env`, and no NODE_EXTRA_CA_CERTS unless `env` has one (the test machine may set it). */
function run(file: string, args: string[], env: NodeJS.ProcessEnv) {
  const { NODE_EXTRA_CA_CERTS: _, ...base } = process.env;
  return execa(file, args, { env: { ...base, NO_COLOR: '1', ...home.env, ...env }, extendEnv: false, reject: false, cwd: REPO });
}

describe('bin/bkt', () => {
  it('starts Node without NODE_EXTRA_CA_CERTS, which Node would read first', async () => {
    const direct = await run(process.execPath, [join(REPO, 'bin/bkt.cjs'), '--version'], { NODE_EXTRA_CA_CERTS: MISSING_CA });
    expect(direct.stderr).toContain(`Warning: Ignoring extra certs from \`${MISSING_CA}\``);
    const launched = await run(LAUNCHER, ['--version'], { NODE_EXTRA_CA_CERTS: MISSING_CA });
    expect(launched.exitCode).toBe(0);
    expect(launched.stdout).toMatch(/^\d+\.\d+\.\d+$/);
    expect(launched.stderr).toBe('');
  });

  it('runs through a symbolic link, as npm links it into node_modules/.bin', async () => {
    const bin = join(home.dir, 'bin');
    await mkdir(bin);
    await symlink(LAUNCHER, join(bin, 'bkt'));
    const result = await run(join(bin, 'bkt'), ['drift', 'check', '--manifests', join(home.dir, 'nowhere')], {});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`manifests directory not found: ${join(home.dir, 'nowhere')}`);
  });

  it('copied away from bkt.cjs, says where it looked instead of failing in Node', async () => {
    const copy = join(home.dir, 'bkt');
    await copyFile(LAUNCHER, copy);
    const result = await run(copy, ['--version'], {});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`bkt: cannot find bkt.cjs next to ${copy}; run bkt from its bkt-drift checkout (bin/bkt), or as npm links it`);
  });

  it('gives the programs bkt runs the NODE_EXTRA_CA_CERTS of its caller, and none when it had none (fake fetchbin: the real one cannot be built offline here)', async () => {
    const manifests = join(home.dir, 'manifests');
    await mkdir(manifests);
    await writeFile(join(manifests, 'host-binaries.json'), `${JSON.stringify({ binaries: [{ name: 'bat', source: { type: 'cargo', crate_name: 'bat' } }] }, null, 2)}\n`);
    const record = join(home.env.XDG_DATA_HOME!, 'fetchbin/manifest.json');
    await mkdir(join(home.env.XDG_DATA_HOME!, 'fetchbin'), { recursive: true });
    await writeFile(record, JSON.stringify({ binaries: {} }));
    const bin = join(home.dir, 'bin');
    await mkdir(bin);
    const seen = join(home.dir, 'fetchbin-env');
    // fetchbin is a Node program that downloads: the CA bundle matters to it.
    await writeFile(join(bin, 'fetchbin'), `#!/bin/sh\nprintf '%s|%s\\n' "\${NODE_EXTRA_CA_CERTS-unset}" "\${BKT_NODE_EXTRA_CA_CERTS-unset}" >> "${seen}"\n`);
    await chmod(join(bin, 'fetchbin'), 0o755);
    const path = `${bin}:${process.env.PATH}`;

    const withCa = await run(LAUNCHER, ['sync', 'host-binaries', '--yes', '--manifests', manifests], { PATH: path, NODE_EXTRA_CA_CERTS: MISSING_CA });
    expect(withCa.stdout).toContain('Install bat');
    const without = await run(LAUNCHER, ['sync', 'host-binaries', '--yes', '--manifests', manifests], { PATH: path });
    expect(without.stdout).toContain('Install bat');
    expect(await readFile(seen, 'utf8')).toBe(`${MISSING_CA}|unset\nunset|unset\n`);
  });
});
