// The homebrew domain on a real Cellar layout in a temp prefix: racks, kegs and
// install receipts shaped like the ones Homebrew 4 writes on Linux, and a
// Taps directory. No brew binary exists on this machine, so apply must say so.
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { homebrew } from '../../helper/domains/homebrew.js';
import { runCheck } from '../../helper/engine.js';
import { environmentFrom } from '../../helper/environment.js';
import { FIXTURES, REPO } from '../harness/cli.js';

let root: string;
let prefix: string;
let manifests: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bkt-homebrew-'));
  prefix = join(root, 'linuxbrew');
  manifests = join(root, 'manifests');
  await mkdir(manifests);
  await cp(join(FIXTURES, 'homebrew.json'), join(manifests, 'homebrew.json'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Keg {
  name: string;
  version: string;
  tap?: string;
  onRequest?: boolean;
  time?: number;
  aliases?: string[];
}

async function pour(keg: Keg) {
  const tap = keg.tap ?? 'homebrew/core';
  const [user, repo] = tap.split('/');
  const receipt = {
    homebrew_version: '4.6.3',
    used_options: [],
    unused_options: [],
    built_as_bottle: true,
    poured_from_bottle: true,
    loaded_from_api: tap === 'homebrew/core',
    installed_as_dependency: !(keg.onRequest ?? true),
    installed_on_request: keg.onRequest ?? true,
    changed_files: [],
    time: keg.time ?? 1_754_731_728,
    source_modified_time: 1_754_000_000,
    compiler: 'gcc-11',
    aliases: keg.aliases ?? [],
    runtime_dependencies: [],
    source: {
      spec: 'stable',
      versions: { stable: keg.version, head: null, version_scheme: 0, compatibility_version: null },
      path: join(prefix, `Homebrew/Library/Taps/${user}/homebrew-${repo}/Formula/${keg.name}.rb`),
      tap_git_head: '1c8432f415933d33372ef3d10392d3f3c4fb68c7',
      tap,
    },
    arch: 'x86_64',
    built_on: { os: 'Linux', os_version: 'Ubuntu 22.04', cpu_family: 'x86_64', glibc_version: '2.35', oldest_cpu_family: 'core2' },
  };
  const dir = join(prefix, 'Cellar', keg.name, keg.version);
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'INSTALL_RECEIPT.json'), `${JSON.stringify(receipt, null, 2)}\n`);
}

async function tap(name: string) {
  const [user, repo] = name.split('/');
  await mkdir(join(prefix, `Homebrew/Library/Taps/${user}/homebrew-${repo}/Formula`), { recursive: true });
}

/** The real user's formulae, all installed, but yq. */
async function userInstallation() {
  const core = ['atuin', 'bash-preexec', 'bat', 'chezmoi', 'direnv', 'dysk', 'eza', 'fd', 'gh', 'glab', 'lefthook', 'ripgrep', 'shellcheck', 'stress-ng', 'tealdeer', 'television', 'trash-cli', 'ugrep', 'zoxide'];
  for (const name of core) await pour({ name, version: '1.0.0' });
  await pour({ name: 'bbrew', version: '2.3.0', tap: 'valkyrie00/bbrew' });
  await tap('valkyrie00/bbrew');
  // Dependencies brew pulled in: never drift.
  await pour({ name: 'pcre2', version: '10.45', onRequest: false });
  await pour({ name: 'oniguruma', version: '6.9.10', onRequest: false });
}

const check = () => runCheck({ manifestsDir: manifests, environment: environmentFrom({ HOME: root, PATH: process.env.PATH, HOMEBREW_PREFIX: prefix }), registry: [homebrew], ignoreFiles: [] });

describe('homebrew on a real Cellar', () => {
  it('finds the real manifest in sync: dependencies and the tap of a declared formula are not drift', async () => {
    await userInstallation();
    await pour({ name: 'yq', version: '4.45.4' });
    const { report } = await check();
    expect(report.domains.homebrew).toMatchObject({ status: 'ok', additions: [], removals: [], modifications: [] });
  });

  it('reports a formula installed on request and a missing one, from the newest keg of each rack', async () => {
    await userInstallation();
    // An old keg of htop was a dependency; the newest was asked for.
    await pour({ name: 'htop', version: '3.3.0', onRequest: false, time: 1_700_000_000 });
    await pour({ name: 'htop', version: '3.4.1', onRequest: true, time: 1_750_000_000 });
    await pour({ name: 'bird', version: '0.8.0', tap: 'steipete/tap' });
    await tap('steipete/tap');
    await tap('someone/unused');
    const { report } = await check();
    const section = report.domains.homebrew!;
    expect(section.status).toBe('ok');
    expect(section.additions).toEqual([
      { id: 'homebrew:steipete/tap/bird', key: 'steipete/tap/bird', actual: '0.8.0', detail: 'installed on request, not in manifest' },
      { id: 'homebrew:htop', key: 'htop', actual: '3.4.1', detail: 'installed on request, not in manifest' },
      { id: 'homebrew:tap:someone/unused', key: 'tap:someone/unused', actual: 'tapped', detail: 'tapped, not in manifest' },
    ]);
    expect(section.removals).toEqual([{ id: 'homebrew:yq', key: 'yq', expected: 'installed', detail: 'in manifest, not installed' }]);
  });

  it('reports an unreadable receipt as an error naming the file, and still the drift it found', async () => {
    await userInstallation();
    await mkdir(join(prefix, 'Cellar/yq/4.45.4'), { recursive: true });
    await writeFile(join(prefix, 'Cellar/yq/4.45.4/INSTALL_RECEIPT.json'), '{"installed_on_request": tru');
    const { report } = await check();
    const section = report.domains.homebrew!;
    expect(section.status).toBe('error');
    expect(section.error).toContain(`unreadable install receipt ${join(prefix, 'Cellar/yq/4.45.4/INSTALL_RECEIPT.json')}: `);
    expect(section.removals.map((item) => item.key)).toEqual(['yq']);
  });

  it('is an error naming the Taps directory or the Cellar, not formulae or taps missing, when one is a file', async () => {
    await userInstallation();
    const taps = join(prefix, 'Homebrew/Library/Taps');
    await rm(taps, { recursive: true });
    await writeFile(taps, '');
    const tapsAFile = (await check()).report.domains.homebrew!;
    expect(tapsAFile).toMatchObject({ status: 'error', error: `homebrew: cannot read the Taps directory ${taps}: ENOTDIR: not a directory, scandir '${taps}'`, removals: [] });

    const cellar = join(prefix, 'Cellar');
    await rm(cellar, { recursive: true });
    await writeFile(cellar, '');
    const cellarAFile = (await check()).report.domains.homebrew!;
    expect(cellarAFile).toMatchObject({ status: 'error', error: `homebrew: cannot read the Cellar ${cellar}: ENOTDIR: not a directory, scandir '${cellar}'`, removals: [] });
  });

  it('is an error naming the rack, not "in manifest, not installed", when a rack cannot be read', async () => {
    await userInstallation();
    const rack = join(prefix, 'Cellar/ripgrep');
    await chmod(rack, 0o000);
    // Root reads any directory: bkt runs as nobody, in a user namespace of its own.
    await chmod(root, 0o755);
    const result = await execa('unshare', ['--user', process.execPath, join(REPO, 'bin/bkt.cjs'), 'drift', 'check', 'homebrew', '--manifests', manifests], {
      env: { ...process.env, NO_COLOR: '1', HOME: root, HOMEBREW_PREFIX: prefix },
      reject: false,
    });
    // So that a user who is not root can remove it.
    await chmod(rack, 0o755);
    expect(result.stdout).toContain(`Homebrew:\n  error: homebrew: cannot read the rack ${rack}: EACCES: permission denied, scandir '${rack}'\n\n`);
    expect(result.stdout).not.toContain('not installed');
    expect(result.exitCode).toBe(2);
  });

  it('is unavailable without a Cellar', async () => {
    const { report } = await check();
    expect(report.domains.homebrew).toMatchObject({ status: 'unavailable', error: `Homebrew is not installed: no Cellar at ${join(prefix, 'Cellar')}` });
  });

  it('cannot apply without brew, and says where it looked', async () => {
    await userInstallation();
    const { outcomes } = await check();
    const [outcome] = outcomes;
    const item = outcome!.items.find((i) => i.key === 'yq')!;
    const environment = environmentFrom({ HOME: root, PATH: process.env.PATH, HOMEBREW_PREFIX: prefix });
    expect(homebrew.apply(item, outcome!.manifest as never, environment)).toEqual({
      unsupported: `brew is not at ${join(prefix, 'bin/brew')} (set HOMEBREW_PREFIX if Homebrew lives elsewhere)`,
    });
  });
});
