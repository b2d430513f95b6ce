// capture, sync, resolve and undo from the command line, on real shim files
// and real manifests, the interactive resolve typed into a real pseudo-terminal.
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { bkt, copyFixtures, FIXTURES, REPO, tempHome } from '../harness/cli.js';
import { Terminal } from '../harness/terminal.js';

let home: { dir: string; env: NodeJS.ProcessEnv };
let manifests: string;
let shimsDir: string;
let manifestFile: string;
let original: string;

async function writeShim(name: string, host: string) {
  await writeFile(join(shimsDir, name), `#!/bin/sh\nexec flatpak-spawn --host ${host} "$@"\n`);
  await chmod(join(shimsDir, name), 0o755);
}

beforeEach(async () => {
  home = await tempHome('bkt-resolve-');
  manifests = await copyFixtures(home.dir, ['host-shims.json']);
  manifestFile = join(manifests, 'host-shims.json');
  original = await readFile(manifestFile, 'utf8');
  shimsDir = join(home.env.HOME!, '.local/toolbox/shims');
  await mkdir(shimsDir, { recursive: true });
  for (const name of ['bootc', 'flatpak', 'journalctl', 'podman', 'rpm-ostree', 'systemctl']) await writeShim(name, name);
  // Drift of each kind: an extra shim, a missing one (ujust), a changed one.
  await writeShim('docker', 'docker');
  await writeShim('cargo', 'cargo');
  return () => rm(home.dir, { recursive: true, force: true });
});

describe('bkt capture', () => {
  it('--dry-run prints one ▸ line per item and changes nothing', async () => {
    const result = await bkt(['capture', '--dry-run', '--manifests', manifests], home.env);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('▸'))).toEqual([
      '▸ Capture shims:cargo (add to host-shims.json)',
      '▸ Capture shims:ujust (remove from host-shims.json)',
      '▸ Capture shims:docker (update in host-shims.json)',
    ]);
    expect(result.exitCode).toBe(1);
    expect(await readFile(manifestFile, 'utf8')).toBe(original);
  });

  it('writes the live state into the manifest with minimal edits, then no drift remains', async () => {
    const result = await bkt(['capture', 'shims', '--manifests', manifests], home.env);
    expect(result.stdout).toContain('Summary: 3 captured, 0 applied, 0 ignored, 0 skipped.');
    expect(result.stdout).toContain('No drift remains.');
    expect(result.exitCode).toBe(0);
    const after = await readFile(manifestFile, 'utf8');
    // cargo sorted in before docker; docker's host dropped (it runs itself now); ujust gone; no trailing newline, as before.
    expect(after).toBe(
      original
        .replace('  "shims": [\n    {\n      "name": "bootc"\n    },\n', '  "shims": [\n    {\n      "name": "bootc"\n    },\n    {\n      "name": "cargo"\n    },\n')
        .replace('      "name": "docker",\n      "host": "podman"\n', '      "name": "docker"\n')
        .replace(',\n    {\n      "name": "ujust"\n    }\n', '\n'),
    );
    expect(after.endsWith('}')).toBe(true);
  });

  it('leaves the real user manifests byte for byte untouched where nothing drifted', async () => {
    const all = await copyFixtures(join(home.dir, 'all'));
    await writeShim('docker', 'podman');
    await rm(join(shimsDir, 'cargo'));
    await writeShim('ujust', 'ujust');
    const check = await bkt(['drift', 'check', '--json', '--manifests', all], home.env);
    const drifted = new Set(
      Object.values(JSON.parse(check.stdout).domains as Record<string, { manifest: string; additions: unknown[]; removals: unknown[]; modifications: unknown[] }>)
        .filter((d) => d.additions.length + d.removals.length + d.modifications.length > 0)
        .map((d) => d.manifest),
    );
    expect(drifted.has(join(all, 'host-shims.json'))).toBe(false);
    await bkt(['capture', '--manifests', all], home.env);
    for (const file of await readdir(FIXTURES)) {
      if (drifted.has(join(all, file))) continue;
      expect(await readFile(join(all, file), 'utf8'), file).toBe(await readFile(join(FIXTURES, file), 'utf8'));
    }
  });
});

describe('output into a pipe', () => {
  /** The exit code of `bkt ARGS | head -c 1`, and what bkt wrote on stderr. */
  async function intoHead(args: string[]) {
    const script = `"${process.execPath}" bin/bkt.cjs ${args.map((a) => `'${a}'`).join(' ')} | head -c 1 >/dev/null; echo "exit \${PIPESTATUS[0]}"`;
    const piped = await execa('bash', ['-c', script], { env: { ...process.env, ...home.env }, reject: false, cwd: REPO });
    return { stdout: piped.stdout, stderr: piped.stderr };
  }

  it('a plan stops quietly when its reader goes away', async () => {
    // Far more than a pipe holds, so that bkt is still writing when head has gone.
    for (let n = 0; n < 2000; n++) await writeShim(`extra-tool-${n}`, `extra-tool-${n}`);
    expect(await intoHead(['sync', '--dry-run', '--manifests', manifests])).toEqual({ stdout: 'exit 1', stderr: '' });
    expect(await intoHead(['capture', '--dry-run', '--manifests', manifests])).toEqual({ stdout: 'exit 1', stderr: '' });
  });

  it('bkt systemd enable stops quietly when its reader goes away', async () => {
    // Long names: more output than a pipe holds from few units.
    const units = Array.from({ length: 400 }, (_, n) => `bkt-${'x'.repeat(200)}-${n}.service`);
    expect(await intoHead(['systemd', 'enable', ...units, '--manifests', manifests])).toEqual({ stdout: 'exit 0', stderr: '' });
    expect(await readFile(join(manifests, 'systemd-services.json'), 'utf8')).toContain(`"${units[399]}": "enabled"`);
  });
});

describe('bkt sync', () => {
  it('does not delete without a confirmation, and says how to give one', async () => {
    const result = await bkt(['sync', 'shims', '--manifests', manifests], home.env);
    expect(result.stdout).toContain('Remove');
    expect(result.stdout).toContain('Not confirmed: no terminal to ask on (pass --yes to allow).');
    expect(result.exitCode).toBe(1);
    expect((await readdir(shimsDir)).sort()).toContain('cargo');
    // what could be done without asking was done
    expect(await readFile(join(shimsDir, 'ujust'), 'utf8')).toContain('exec flatpak-spawn --host ujust "$@"');
    expect(await readFile(join(shimsDir, 'docker'), 'utf8')).toContain('exec flatpak-spawn --host podman "$@"');
  });

  it('--yes brings the system in line with the manifest, which stays untouched', async () => {
    const result = await bkt(['sync', '--yes', '--manifests', manifests], home.env);
    expect(result.stdout).toContain('Summary: 0 captured, 3 applied');
    expect(result.exitCode).toBe(0);
    expect((await readdir(shimsDir)).sort()).toEqual(['bootc', 'docker', 'flatpak', 'journalctl', 'podman', 'rpm-ostree', 'systemctl', 'ujust']);
    expect(await readFile(manifestFile, 'utf8')).toBe(original);
    expect((await bkt(['drift', 'check', '--manifests', manifests], home.env)).exitCode).toBe(0);
  });

  it('Ctrl-C at a confirmation stops the whole run, with exit 130 and one line', async () => {
    const terminal = new Terminal([process.execPath, join(REPO, 'bin/bkt.cjs'), 'sync', 'shims', '--manifests', manifests], { ...home.env, NO_COLOR: '1' });
    await terminal.waitFor(`Remove ${join(shimsDir, 'cargo')} (shim for cargo)?`);
    await terminal.type('\x03');
    expect(await terminal.exitCode()).toBe(130);
    expect(terminal.screen).toMatch(/^bkt: interrupted; nothing more was changed$/m);
    expect(terminal.screen).not.toMatch(/^\s+at /m);
    expect(terminal.screen).not.toContain('Summary:');
    // The steps after the question were not run.
    expect((await readdir(shimsDir)).sort()).toEqual(['bootc', 'cargo', 'docker', 'flatpak', 'journalctl', 'podman', 'rpm-ostree', 'systemctl']);
    expect(await readFile(join(shimsDir, 'docker'), 'utf8')).toContain('--host docker');
  });

  it('--only and --exclude choose items by id', async () => {
    const result = await bkt(['sync', '--dry-run', '--only', 'shims:*', '--exclude', 'shims:cargo', '--manifests', manifests], home.env);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('▸'))).toEqual([
      `▸ Create ${join(shimsDir, 'ujust')} (runs ujust on the host)`,
      `▸ Rewrite ${join(shimsDir, 'docker')} (runs podman on the host)`,
    ]);
  });
});

describe('bkt drift resolve', () => {
  it('refuses to ask without a terminal, instead of hanging', async () => {
    const result = await bkt(['drift', 'resolve', '--manifests', manifests], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('asks about each item on a terminal, and there is none here; pass --prefer-manifest or --prefer-system');
  });

  it('--prefer-system captures everything, --prefer-manifest --dry-run plans the applies', async () => {
    const plan = await bkt(['drift', 'resolve', '--prefer-manifest', '--dry-run', '--manifests', manifests], home.env);
    expect(plan.stdout).toContain(`▸ Remove ${join(shimsDir, 'cargo')} (shim for cargo)`);
    const result = await bkt(['drift', 'resolve', '--prefer-system', '--manifests', manifests], home.env);
    expect(result.stdout).toContain('Summary: 3 captured');
    expect(result.exitCode).toBe(0);
  });

  it('asks item by item on a real terminal: capture, apply, ignore, and reports what remains', async () => {
    const terminal = new Terminal([process.execPath, join(REPO, 'bin/bkt.cjs'), 'drift', 'resolve', '--manifests', manifests], { ...home.env, NO_COLOR: '1' });
    await terminal.waitFor('[1/3] + shims: cargo (runs cargo, not in manifest)');
    await terminal.waitFor('[c]apture  [a]pply  [s]kip  [i]gnore  [q]uit');
    await terminal.type('i\r');
    await terminal.waitFor('[2/3] - shims: ujust (in manifest, no shim)');
    await terminal.type('a\r');
    await terminal.waitFor('[3/3] ~ shims: docker');
    await terminal.type('c\r');
    await terminal.waitFor('No drift remains.');
    expect(await terminal.exitCode()).toBe(0);
    expect(terminal.screen).toContain(`▸ Ignore shims:cargo (rule in ${join(home.dir, '.bktignore')})`);
    expect(terminal.screen).toContain('Summary: 1 captured, 1 applied, 1 ignored, 0 skipped.');
    expect(await readFile(join(home.dir, '.bktignore'), 'utf8')).toBe('shims:cargo\n');
    expect(await readFile(join(shimsDir, 'ujust'), 'utf8')).toContain('--host ujust');
    expect(await readFile(manifestFile, 'utf8')).toContain('"name": "docker"\n    },');
  });

  it('skipping leaves the drift and the exit code says so', async () => {
    const terminal = new Terminal([process.execPath, join(REPO, 'bin/bkt.cjs'), 'drift', 'resolve', '--manifests', manifests], { ...home.env, NO_COLOR: '1' });
    await terminal.waitFor('[1/3]');
    await terminal.type('s\r');
    await terminal.waitFor('[2/3]');
    await terminal.type('q\r');
    await terminal.waitFor('3 drift items remain');
    expect(await terminal.exitCode()).toBe(1);
    expect(terminal.screen).toContain('Summary: 0 captured, 0 applied, 0 ignored, 3 skipped.');
    expect(await readFile(manifestFile, 'utf8')).toBe(original);
  });
});

describe('Ctrl-C in bkt drift resolve', () => {
  it('at an item stops with exit 130 and one line, nothing changed', async () => {
    const terminal = new Terminal([process.execPath, join(REPO, 'bin/bkt.cjs'), 'drift', 'resolve', '--manifests', manifests], { ...home.env, NO_COLOR: '1' });
    await terminal.waitFor('[c]apture  [a]pply  [s]kip  [i]gnore  [q]uit');
    await terminal.type('\x03');
    expect(await terminal.exitCode()).toBe(130);
    expect(terminal.screen).toContain('bkt: interrupted; nothing was changed');
    expect(terminal.screen).not.toMatch(/^\s+at /m);
    expect(await readFile(manifestFile, 'utf8')).toBe(original);
  });

  it('at a confirmation keeps what was done in the journal, for bkt drift undo, and does nothing more', async () => {
    await writeShim('zed', 'zed');
    const terminal = new Terminal([process.execPath, join(REPO, 'bin/bkt.cjs'), 'drift', 'resolve', '--manifests', manifests], { ...home.env, NO_COLOR: '1' });
    await terminal.waitFor('[1/4] + shims: cargo');
    await terminal.type('c\r');
    await terminal.waitFor('[2/4] + shims: zed');
    await terminal.type('a\r');
    await terminal.waitFor('[3/4] - shims: ujust');
    await terminal.type('a\r');
    await terminal.waitFor('[4/4] ~ shims: docker');
    await terminal.type('c\r');
    await terminal.waitFor(`Remove ${join(shimsDir, 'zed')} (shim for zed)?`);
    await terminal.type('\x03');
    expect(await terminal.exitCode()).toBe(130);
    expect(terminal.screen).toContain('✓ Captured shims:cargo into host-shims.json');
    expect(terminal.screen).toContain('bkt: interrupted; nothing more was changed (1 item resolved before: bkt drift undo reverts what it changed)');
    expect(terminal.screen).not.toMatch(/^\s+at /m);
    expect(await readdir(shimsDir)).toContain('zed');
    expect(await readdir(shimsDir)).not.toContain('ujust');
    const captured = await readFile(manifestFile, 'utf8');
    expect(captured).toContain('"name": "cargo"');
    // docker was to be captured after the question: its manifest entry still names podman.
    expect(captured).toContain('"host": "podman"');

    const undo = await bkt(['drift', 'undo'], home.env);
    expect(undo.stdout).toContain(`✓ Restored ${manifestFile} as it was before capturing shims:cargo`);
    expect(await readFile(manifestFile, 'utf8')).toBe(original);
  });
});

describe('bkt drift undo', () => {
  it('reverts the last resolution, then the one before', async () => {
    await bkt(['capture', '--only', 'shims:docker', '--manifests', manifests], home.env);
    const captured = await readFile(manifestFile, 'utf8');
    expect(captured).not.toBe(original);
    await bkt(['sync', '--yes', '--only', 'shims:cargo', '--manifests', manifests], home.env);
    expect(await readdir(shimsDir)).not.toContain('cargo');

    const first = await bkt(['drift', 'undo'], home.env);
    expect(first.stdout).toContain(`✓ Create ${join(shimsDir, 'cargo')}`);
    expect(await readFile(join(shimsDir, 'cargo'), 'utf8')).toContain('--host cargo');

    const second = await bkt(['drift', 'undo'], home.env);
    expect(second.stdout).toContain(`✓ Restored ${manifestFile} as it was before capturing shims:docker`);
    expect(await readFile(manifestFile, 'utf8')).toBe(original);

    expect((await bkt(['drift', 'undo'], home.env)).stdout).toContain('Nothing to undo.');
  });

  it('reverts everything the last command resolved at once, newest first', async () => {
    const capture = await bkt(['capture', '--manifests', manifests], home.env);
    expect(capture.exitCode).toBe(0);
    expect(await readFile(manifestFile, 'utf8')).not.toBe(original);

    const undo = await bkt(['drift', 'undo'], home.env);
    expect(undo.exitCode).toBe(0);
    const restored = undo.stdout.split('\n').filter((line) => line.startsWith('✓ Restored'));
    expect(restored).toEqual([
      `✓ Restored ${manifestFile} as it was before capturing shims:docker`,
      `✓ Restored ${manifestFile} as it was before capturing shims:ujust`,
      `✓ Restored ${manifestFile} as it was before capturing shims:cargo`,
    ]);
    expect(undo.stdout).toContain('Undid the 3 resolutions of the last command.');
    expect(await readFile(manifestFile, 'utf8')).toBe(original);
    expect((await bkt(['drift', 'undo'], home.env)).stdout).toContain('Nothing to undo.');
  });

  it('with a journal that cannot be written, capture changes nothing and says why', async () => {
    const state = join(home.dir, 'state-is-a-file');
    await writeFile(state, '');
    const result = await bkt(['capture', '--manifests', manifests], { ...home.env, XDG_STATE_HOME: state });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`bkt: cannot write the journal ${join(state, 'bkt/journal.jsonl')}: ENOTDIR: not a directory, mkdir '${join(state, 'bkt')}'`);
    expect(await readFile(manifestFile, 'utf8')).toBe(original);
  });

  it('a journal that cannot be read is one line naming it, exit 2', async () => {
    const journal = join(home.env.HOME!, '.local/state/bkt/journal.jsonl');
    await mkdir(journal, { recursive: true });
    const result = await bkt(['drift', 'undo'], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`bkt: cannot read the journal ${journal}: EISDIR: illegal operation on a directory, read`);
  });

  it('refuses to undo a capture over later edits of the manifest', async () => {
    await bkt(['capture', '--only', 'shims:docker', '--manifests', manifests], home.env);
    await writeFile(manifestFile, `${await readFile(manifestFile, 'utf8')}\n`);
    const result = await bkt(['drift', 'undo'], home.env);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('changed since; nothing was changed');
  });
});
