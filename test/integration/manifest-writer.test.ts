import { spawn } from 'node:child_process';
import { chmod, copyFile, lstat, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestEdit } from '../../helper/domain.js';
import { appendLine, applyEdits, editText, removeLine, replaceText } from '../../helper/manifest-writer.js';

const HOMEBREW = '/work/shared/fixtures/bootc-manifests/homebrew.json';
let work: string;
let child: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bkt-manifest-writer-'));
  child = join(work, 'writer-child.mjs');
  // The child runs the real writer code in its own node process.
  await build({
    entryPoints: [new URL('./manifest-writer-child.ts', import.meta.url).pathname],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function manifestCopy(name: string, mode = 0o644): Promise<{ dir: string; file: string; original: string }> {
  const dir = await mkdtemp(join(work, `${name}-`));
  const file = join(dir, 'homebrew.json');
  await copyFile(HOMEBREW, file);
  await chmod(file, mode);
  return { dir, file, original: await readFile(file, 'utf8') };
}

const insert = (value: string): ManifestEdit => ({ op: 'insert', path: ['formulae'], value });
const names = (prefix: string, count: number) => Array.from({ length: count }, (_, n) => `${prefix}-${String(n).padStart(4, '0')}`);
const modeOf = async (file: string) => (await stat(file)).mode & 0o7777;

function run(args: string[]): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>; kill(): void; lines: string[]; firstLine: Promise<void> } {
  const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let resolveFirst: () => void = () => undefined;
  const firstLine = new Promise<void>((resolve) => (resolveFirst = resolve));
  let pending = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > 0) resolveFirst();
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    proc.on('close', (code, signal) => {
      resolveFirst();
      resolve({ code, signal, stderr });
    });
  });
  return { done, kill: () => proc.kill('SIGKILL'), lines, firstLine };
}

describe('applyEdits on a real file', () => {
  it('writes the minimal edit, keeps the mode, and leaves no temporary file or lock behind', async () => {
    const { dir, file, original } = await manifestCopy('mode', 0o640);
    const result = await applyEdits(file, [insert('fzf')]);
    expect(result).toEqual({ changed: true, before: original, after: editText(original, [insert('fzf')]) });
    expect(await readFile(file, 'utf8')).toBe(result.after);
    expect(await modeOf(file)).toBe(0o640);
    expect(await readdir(dir)).toEqual(['homebrew.json']);
  });

  it('does not touch the file when nothing changes', async () => {
    const { file, original } = await manifestCopy('same');
    const before = (await stat(file)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const result = await applyEdits(file, [{ op: 'set', path: ['formulae', 0], value: 'atuin' }]);
    expect(result).toEqual({ changed: false, before: original, after: original });
    expect((await stat(file)).mtimeMs).toBe(before);
  });

  it('writes through a symlinked manifest, leaving the link a link', async () => {
    const { dir, file } = await manifestCopy('link');
    const link = join(dir, 'linked.json');
    await symlink(file, link);
    await applyEdits(link, [insert('fzf')]);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(file, 'utf8')).formulae).toContain('fzf');
  });

  it('refuses a manifest that is not valid JSON, naming file and line, and leaves it untouched', async () => {
    const { dir, file } = await manifestCopy('broken');
    const broken = '{\n  "formulae": ["bat",]\n}\n';
    await writeFile(file, broken);
    await expect(applyEdits(file, [insert('fzf')])).rejects.toThrow(`${file}:2:22: invalid JSON: value expected; not changed`);
    expect(await readFile(file, 'utf8')).toBe(broken);
    expect(await readdir(dir)).toEqual(['homebrew.json']);
  });

  it('computes edits from the text read inside the lock when given a function', async () => {
    const { file, original } = await manifestCopy('fresh');
    let seen: string | undefined;
    await applyEdits(file, (text) => {
      seen = text;
      const last = (JSON.parse(text).formulae as string[]).length - 1;
      return [{ op: 'remove', path: ['formulae', last] }];
    });
    expect(seen).toBe(original);
    expect(JSON.parse(await readFile(file, 'utf8')).formulae).not.toContain('zoxide');
  });

  it('says a missing manifest is missing, and creates one from initialText when asked', async () => {
    const dir = await mkdtemp(join(work, 'missing-'));
    const file = join(dir, 'systemd-services.json');
    const set: ManifestEdit = { op: 'set', path: ['services', 'cups.service'], value: 'disabled' };
    await expect(applyEdits(file, [set])).rejects.toThrow(`${file}: no such file`);
    await applyEdits(file, [set], { initialText: '{\n  "services": {}\n}\n' });
    expect(await readFile(file, 'utf8')).toBe('{\n  "services": {\n    "cups.service": "disabled"\n  }\n}\n');
  });

  it('lets no write of twenty at once in one process be lost', async () => {
    const { file, original } = await manifestCopy('inprocess');
    const values = names('p', 20);
    await Promise.all(values.map((value) => applyEdits(file, [insert(value)])));
    expect(await readFile(file, 'utf8')).toBe(editText(original, values.map(insert)));
  });
});

describe('replaceText and the ignore file', () => {
  it('replaces the text only while it is still what the caller read', async () => {
    const { file, original } = await manifestCopy('replace');
    const edited = editText(original, [insert('fzf')]);
    await expect(replaceText(file, edited, original)).rejects.toThrow(`${file}: changed since it was read; not written`);
    await replaceText(file, original, edited);
    expect(await readFile(file, 'utf8')).toBe(edited);
  });

  it('creates the ignore file and its directory, adds a rule once, and takes it out again', async () => {
    const file = join(await mkdtemp(join(work, 'ignore-')), 'bkt', '.bktignore');
    await appendLine(file, 'flatpak:org.gnome.Boxes');
    const again = await appendLine(file, 'flatpak:org.gnome.Boxes');
    await appendLine(file, 'systemd:cups.service');
    expect(again.changed).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('flatpak:org.gnome.Boxes\nsystemd:cups.service\n');
    await removeLine(file, 'flatpak:org.gnome.Boxes');
    expect(await readFile(file, 'utf8')).toBe('systemd:cups.service\n');
  });
});

describe('separate writer processes', () => {
  it('two processes inserting 50 formulae each into one file lose none', async () => {
    const { file, original } = await manifestCopy('two');
    const [a, b] = [run(['insert', file, 'a', '50']), run(['insert', file, 'b', '50'])];
    const results = await Promise.all([a.done, b.done]);
    expect(results.map((r) => [r.code, r.stderr])).toEqual([
      [0, ''],
      [0, ''],
    ]);
    // Sorted insertion makes the end result independent of the interleaving.
    const all = [...names('a', 50), ...names('b', 50)];
    expect(await readFile(file, 'utf8')).toBe(editText(original, all.map(insert)));
  });

  it('two processes appending 50 ignore rules each lose none', async () => {
    const file = join(await mkdtemp(join(work, 'ignore-two-')), '.bktignore');
    const results = await Promise.all([run(['append', file, 'flatpak:a', '50']).done, run(['append', file, 'flatpak:b', '50']).done]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.sort()).toEqual([...names('flatpak:a', 50), ...names('flatpak:b', 50)]);
  });

  it('writers killed with SIGKILL at random moments leave the old or the new file, valid, with its mode', { timeout: 240_000 }, async () => {
    // Four files side by side, each with its own writer, for 80 kills in the time of 20 lock takeovers.
    const files = await Promise.all([0o604, 0o640, 0o644, 0o600].map(async (mode, i) => ({ ...(await manifestCopy(`kill${i}`, mode)), mode })));
    const texts = files.map((f) => f.original);
    let leftovers = 0;
    for (let round = 0; round < 20; round++) {
      const prefix = `k${String(round).padStart(2, '0')}`;
      await Promise.all(
        files.map(async ({ dir, file, mode }, i) => {
          const writer = run(['forever', file, prefix]);
          await writer.firstLine;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
          writer.kill();
          const exit = await writer.done;
          expect(exit.signal, exit.stderr).toBe('SIGKILL');
          const reported = writer.lines.length;

          const now = await readFile(file, 'utf8');
          const written = (JSON.parse(now).formulae as string[]).filter((f) => f.startsWith(`${prefix}-`));
          // Every write it reported is there, and at most the one it was killed in after its rename.
          expect([reported, reported + 1]).toContain(written.length);
          expect(now).toBe(editText(texts[i] as string, names(prefix, written.length).map(insert)));
          expect(await modeOf(file)).toBe(mode);
          const others = (await readdir(dir)).filter((entry) => entry !== 'homebrew.json' && entry !== 'homebrew.json.lock');
          expect(others.every((entry) => /^\.homebrew\.json\.\d+-[0-9a-f]{8}\.bkt-tmp$/.test(entry))).toBe(true);
          leftovers += others.length;
          texts[i] = now;
        }),
      );
    }
    // The next write takes over the killed writer's lock and clears what it left.
    for (const { dir, file } of files) {
      await applyEdits(file, [insert('fzf')], { staleMs: 2000 });
      expect(await readdir(dir)).toEqual(['homebrew.json']);
    }
    console.log(`manifest-writer: 80 SIGKILLs, ${leftovers} of them during a write (temporary file left, cleared by the next write)`);
  });
});
