import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { REPO, bkt, copyFixtures, parseReport, tempHome } from '../harness/cli.js';

let home: { dir: string; env: NodeJS.ProcessEnv };
let manifests: string;
let shimsDir: string;

async function writeShim(name: string, host: string) {
  await writeFile(join(shimsDir, name), `#!/bin/sh\nexec flatpak-spawn --host ${host} "$@"\n`);
  await chmod(join(shimsDir, name), 0o755);
}

beforeEach(async () => {
  home = await tempHome();
  manifests = await copyFixtures(home.dir, ['host-shims.json']);
  shimsDir = join(home.env.HOME!, '.local/toolbox/shims');
  await mkdir(shimsDir, { recursive: true });
  for (const name of ['bootc', 'flatpak', 'journalctl', 'podman', 'rpm-ostree', 'systemctl', 'ujust']) await writeShim(name, name);
  await writeShim('docker', 'podman');
  return () => rm(home.dir, { recursive: true, force: true });
});

describe('bkt drift check on real shims', () => {
  it('exits 0 and says so when the shims match the manifest', async () => {
    const result = await bkt(['drift', 'check', '--manifests', manifests], home.env);
    expect(result.stdout).toContain('No drift');
    expect(result.exitCode).toBe(0);
  });

  it('prints additions, removals and modifications in the RFC form and exits 1', async () => {
    await writeShim('cargo', 'cargo');
    await writeShim('docker', 'docker');
    await rm(join(shimsDir, 'ujust'));
    const result = await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe(
      [
        'Drift Report',
        '============',
        '',
        'Shims:',
        '  + cargo (runs cargo, not in manifest)',
        '  - ujust (in manifest, no shim)',
        '  ~ docker',
        '    manifest: podman',
        '    current:  docker',
        '',
        '3 drift items in 1 domain (1 domain checked).',
      ].join('\n'),
    );
  });

  it('prints a report that matches the JSON Schema, with stable ids', async () => {
    await writeShim('cargo', 'cargo');
    const result = await bkt(['drift', 'check', '--json', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(1);
    const report = parseReport(result.stdout);
    expect(report.domains.shims.additions).toEqual([{ id: 'shims:cargo', key: 'cargo', actual: 'cargo', detail: 'runs cargo, not in manifest', data: { host: 'cargo' } }]);
    expect(report.summary).toEqual({ total_drift: 1, by_type: { additions: 1, removals: 0, modifications: 0 }, ignored: 0, errors: 0 });
  });

  it('applies .bktignore from the repository root and lists unused rules', async () => {
    await writeShim('cargo', 'cargo');
    await writeFile(join(home.dir, '.bktignore'), 'shims:car*  reason="toolbox only"\nshims:nothing-here\n');
    const result = await bkt(['drift', 'check', '--manifests', manifests, '--unused-ignores'], home.env);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('No drift, 1 ignored');
    expect(result.stdout).toContain(`Ignore rules that matched nothing:\n  ${join(home.dir, '.bktignore')}:2: shims:nothing-here`);
  });

  it('reads machine-local rules from $XDG_CONFIG_HOME/bkt/ignore and reports expired ones', async () => {
    await writeShim('cargo', 'cargo');
    const ignore = join(home.env.XDG_CONFIG_HOME!, 'bkt/ignore');
    await mkdir(join(home.env.XDG_CONFIG_HOME!, 'bkt'), { recursive: true });
    await writeFile(ignore, 'shims:cargo expires=2020-01-01\n');
    const result = await bkt(['drift', 'check', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`note: ignore rule expired on 2020-01-01, no longer applied: shims:cargo expires=2020-01-01 (${ignore}:1)`);
  });

  it('treats a bad ignore line as an error naming the file and line, and still reports', async () => {
    await writeFile(join(manifests, '.bktignore'), 'flatpaks:org.gnome.Boxes\n');
    const result = await bkt(['drift', 'check', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(`error: ${join(manifests, '.bktignore')}:1: unknown domain 'flatpaks'`);
    expect(result.stdout).toContain('No drift');
  });
});

describe('bad input', () => {
  it('names the file, line and column of invalid JSON, and exits 2 while other domains still report', async () => {
    await writeFile(join(manifests, 'systemd-services.json'), '{\n  "services": {\n    "tuned.service": "enabled",\n  }\n}\n');
    const result = await bkt(['drift', 'check', '--json', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    const report = parseReport(result.stdout);
    expect(report.domains.shims.status).toBe('ok');
    expect(report.domains.systemd.status).toBe('error');
    expect(report.domains.systemd.error).toBe(`${join(manifests, 'systemd-services.json')}:4:3: invalid JSON: property name expected`);
  });

  it('names the JSON path of a value of the wrong type', async () => {
    const path = join(manifests, 'host-shims.json');
    await writeFile(path, '{\n  "shims": [\n    { "name": "a" },\n    { "name": 7 }\n  ]\n}\n');
    const result = await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(`error: ${path}:4:15: shims[1].name: Invalid input: expected string, received number`);
  });

  it('reports an unreadable manifest as an error for its domain', async () => {
    if (process.getuid?.() === 0) {
      // root reads any file: make the manifest a directory instead, which no one can read as a file.
      await rm(join(manifests, 'host-shims.json'));
      await mkdir(join(manifests, 'host-shims.json'));
    } else {
      await chmod(join(manifests, 'host-shims.json'), 0);
    }
    const result = await bkt(['drift', 'check', 'shims', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/error: .*host-shims\.json: (permission denied|not a file \(a directory\))/);
  });

  it('refuses an unknown domain, a missing manifests directory and an unknown option with exit 2', async () => {
    const unknown = await bkt(['drift', 'check', 'flatpaks', '--manifests', manifests], home.env);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^bkt: unknown domain 'flatpaks' \(known: .*shims/);
    const missing = await bkt(['drift', 'check', '--manifests', join(home.dir, 'nope')], home.env);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`manifests directory not found: ${join(home.dir, 'nope')}`);
    const option = await bkt(['drift', 'check', '--frobnicate'], home.env);
    expect(option.exitCode).toBe(2);
    expect(option.stderr).toContain("unknown option '--frobnicate'");
  });

  it('writes a large report whole, and stops quietly when its reader goes away', async () => {
    for (let n = 0; n < 2000; n++) await writeShim(`extra-tool-${n}`, `extra-tool-${n}`);
    const whole = await bkt(['drift', 'check', '--json', '--manifests', manifests], home.env);
    expect(whole.exitCode).toBe(1);
    expect(parseReport(whole.stdout).domains.shims.additions).toHaveLength(2000);

    const script = `"${process.execPath}" bin/bkt.cjs drift check --json --manifests "${manifests}" | head -c 1 >/dev/null; echo "exit \${PIPESTATUS[0]}"`;
    const piped = await execa('bash', ['-c', script], { env: { ...process.env, ...home.env }, reject: false, cwd: REPO });
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe('exit 1');
  });

  it('validates a manifest again as soon as it changes, after a check kept it as validated', async () => {
    // A manifest written in the last two seconds is not kept as validated: let the copy settle.
    await new Promise((done) => setTimeout(done, 2_100));
    expect((await bkt(['drift', 'check', '--manifests', manifests], home.env)).exitCode).toBe(0);
    const record = JSON.parse(await readFile(join(home.env.XDG_CACHE_HOME!, 'bkt', 'valid-manifests.json'), 'utf8'));
    expect(Object.keys(record.files)).toEqual([join(manifests, 'host-shims.json')]);

    const text = await readFile(join(manifests, 'host-shims.json'), 'utf8');
    await writeFile(join(manifests, 'host-shims.json'), text.replace('"podman"', '42'));
    const result = await bkt(['drift', 'check', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/host-shims\.json:\d+:\d+: shims\[\d+\]\.host: /);
  });

  it('finds the manifests through $BKT_MANIFESTS', async () => {
    const result = await bkt(['drift', 'check'], { ...home.env, BKT_MANIFESTS: manifests }, { cwd: home.dir });
    expect(result.exitCode).toBe(0);
    expect(JSON.stringify(await readFile(join(manifests, 'host-shims.json'), 'utf8'))).toContain('podman');
  });
});

describe('manifests that JSON.parse accepts and bkt must not', () => {
  const check = (...args: string[]) => bkt(['drift', 'check', ...args, '--manifests', manifests], home.env);

  it('reports every schema issue of a file, one line each, not only the first', async () => {
    const path = join(manifests, 'gsettings.json');
    await writeFile(path, '{"settings": [\n  {"schema": "org.gnome.desktop.interface", "key": "gtk-theme", "value": 1},\n  {"schema": "org.gnome.desktop.interface", "key": "clock-format", "value": 2}\n]}\n');
    const result = await check('gsettings');
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(
      [
        `  error: ${path}:2:74: settings[0].value: Invalid input: expected string, received number`,
        `  error: ${path}:3:77: settings[1].value: Invalid input: expected string, received number`,
      ].join('\n'),
    );
  });

  it('refuses a __proto__ key in systemd-services.json, naming its line, with no drift shown for it', async () => {
    const path = join(manifests, 'systemd-services.json');
    for (const value of ['"masked"', '{"x": 1}']) {
      await writeFile(path, `{\n  "services": {\n    "__proto__": ${value}\n  }\n}\n`);
      const result = await check('--json');
      expect(result.exitCode).toBe(2);
      const report = parseReport(result.stdout);
      expect(report.domains.systemd).toMatchObject({ status: 'error', error: `${path}:3:5: services.__proto__: a manifest cannot have the key "__proto__"`, additions: [], removals: [], modifications: [] });
      expect(report.domains.shims.status).toBe('ok');
    }
  });

  it('quotes a unit name in the JSON path, and names a key written twice with the line of the first', async () => {
    const path = join(manifests, 'systemd-services.json');
    await writeFile(path, '{\n  "services": {\n    "cron.service": "running",\n    "ssh.service": "enabled",\n    "ssh.service": "masked"\n  }\n}\n');
    const result = await check('systemd');
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(
      [
        `  error: ${path}:3:21: services["cron.service"]: Invalid option: expected one of "enabled"|"disabled"|"masked"`,
        `  error: ${path}:5:5: services["ssh.service"]: duplicate key, first on line 4; keep one`,
      ].join('\n'),
    );
  });

  it('reports an app listed twice for one installation as an error of the flatpak domain', async () => {
    const path = join(manifests, 'flatpak-apps.json');
    const entry = '{ "id": "org.example.Hello", "remote": "flathub", "scope": "user" }';
    await writeFile(path, `{\n  "apps": [\n    ${entry},\n    ${entry}\n  ]\n}\n`);
    const result = await check('flatpak', '--json');
    expect(result.exitCode).toBe(2);
    const report = parseReport(result.stdout);
    expect(report.domains.flatpak?.status).toBe('error');
    expect(report.domains.flatpak?.error).toBe(`${path}:4:13: apps[1].id: org.example.Hello is listed twice for the user installation (first as apps[0]); keep one`);
    expect(report.domains.flatpak?.removals.map((item: { key: string }) => item.key)).toEqual(['org.example.Hello']);
  });
});
