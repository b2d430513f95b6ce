// `bkt drift check` called in ways that cannot be what the user meant: they get
// exit 2 and a message naming the directory, file or domain, never "No drift".
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { REPO, bkt, copyFixtures, parseReport, tempHome } from '../harness/cli.js';

let home: { dir: string; env: NodeJS.ProcessEnv };
let manifests: string;

beforeEach(async () => {
  home = await tempHome();
  manifests = await copyFixtures(home.dir, ['host-shims.json']);
  const shims = join(home.env.HOME!, '.local/toolbox/shims');
  await mkdir(shims, { recursive: true });
  for (const name of ['bootc', 'flatpak', 'journalctl', 'podman', 'rpm-ostree', 'systemctl', 'ujust']) {
    await writeFile(join(shims, name), `#!/bin/sh\nexec flatpak-spawn --host ${name} "$@"\n`);
    await chmod(join(shims, name), 0o755);
  }
  await writeFile(join(shims, 'docker'), '#!/bin/sh\nexec flatpak-spawn --host podman "$@"\n');
  await chmod(join(shims, 'docker'), 0o755);
  return () => rm(home.dir, { recursive: true, force: true });
});

describe('a check with nothing to check', () => {
  it('refuses a manifests directory with no manifest in it, naming it and the files it looked for', async () => {
    const empty = join(home.dir, 'not-the-manifests');
    await mkdir(empty);
    for (const args of [['drift', 'check'], ['drift', 'check', '--json'], ['capture', '--dry-run']]) {
      const result = await bkt([...args, '--manifests', empty], home.env);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`bkt: no manifests in ${empty}: none of flatpak-apps.json, flatpak-remotes.json,`);
      expect(result.stderr).toContain('(pass --manifests DIR or set BKT_MANIFESTS)');
    }
  });

  it('refuses a domain named on the command line that has no manifest', async () => {
    const result = await bkt(['drift', 'check', 'shims', 'appimages', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`bkt: not managed: appimages (${join(manifests, 'appimage-apps.json')} does not exist)`);
    const managed = await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    expect(managed.exitCode).toBe(0);
  });
});

describe('something else than a file under a manifest name', () => {
  it('is its domain\'s error, read by nothing (a FIFO would hang), while the other domains report', async () => {
    await symlink(join(manifests, 'nowhere.json'), join(manifests, 'appimage-apps.json'));
    await mkdir(join(manifests, 'homebrew.json'));
    await execa('mkfifo', [join(manifests, 'host-binaries.json')]);
    const result = await bkt(['drift', 'check', '--json', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    const report = parseReport(result.stdout);
    expect(report.domains.appimages).toMatchObject({ status: 'error', error: `${join(manifests, 'appimage-apps.json')}: a symbolic link to ${join(manifests, 'nowhere.json')}, which does not exist` });
    expect(report.domains.homebrew).toMatchObject({ status: 'error', error: `${join(manifests, 'homebrew.json')}: not a file (a directory)` });
    expect(report.domains['host-binaries']).toMatchObject({ status: 'error', error: `${join(manifests, 'host-binaries.json')}: not a file (a device, FIFO or socket)` });
    expect(report.domains.shims).toMatchObject({ status: 'ok' });
  });
});

describe('ignore files', () => {
  it('says a directory in place of .bktignore is one, without a line number', async () => {
    await mkdir(join(home.dir, '.bktignore'));
    const result = await bkt(['drift', 'check', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(`error: ${join(home.dir, '.bktignore')}: a directory, where an ignore file is read`);
  });

  it('does not call rules of a domain in error unused', async () => {
    await writeFile(join(home.dir, '.bktignore'), 'shims:cargo\nappimages:Old*\n');
    await writeFile(join(manifests, 'appimage-apps.json'), '{"apps": 3}\n');
    const result = await bkt(['drift', 'check', '--unused-ignores', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(`Ignore rules that matched nothing:\n  ${join(home.dir, '.bktignore')}:1: shims:cargo`);
    expect(result.stdout).not.toContain('appimages:Old*');
  });
});

describe('help', () => {
  it('bkt help drift check shows the help of drift check, with the domains, their manifests and the ignore files', async () => {
    const result = await bkt(['help', 'drift', 'check']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Usage: bkt drift check \[options\] \[domain\.\.\.\]/);
    expect(result.stdout).toMatch(/^ {2}systemd +systemd-services\.json$/m);
    expect(result.stdout).toContain('$XDG_CONFIG_HOME/bkt/ignore');
    const unknown = await bkt(['help', 'drift', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe("bkt: help: no command 'drift nope' (run bkt --help for the list)");
  });

  it('stops quietly when its reader goes away', async () => {
    const piped = await execa('bash', ['-c', `"${process.execPath}" bin/bkt.cjs --help | head -c 1 >/dev/null; echo "exit \${PIPESTATUS[0]}"`], { reject: false, cwd: REPO });
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe('exit 0');
  });
});
