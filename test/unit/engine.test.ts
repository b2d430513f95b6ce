// The engine over domains made of data: no processes, no files but the manifests
// and ignore files (one made a FIFO by mkfifo).
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { DomainError, DomainUnavailable, type Domain } from '../../helper/domain.js';
import { runCheck } from '../../helper/engine.js';
import { environmentFrom } from '../../helper/environment.js';
import { exitCodeOf, formatHuman } from '../../helper/report.js';

const Names = z.looseObject({ names: z.array(z.string()) });

/** A domain whose live state is a list of names given by the test. */
function namesDomain(name: string, live: () => Promise<string[]>, problems: string[] = []): Domain {
  return {
    name,
    title: name.toUpperCase(),
    file: `${name}.json`,
    schema: Names,
    collect: () => live(),
    compare(manifest, names) {
      const declared = (manifest.value as { names: string[] }).names;
      const have = names as string[];
      return [
        ...have.filter((n) => !declared.includes(n)).map((n) => ({ id: `${name}:${n}`, domain: name, key: n, kind: 'addition' as const })),
        ...declared.filter((n) => !have.includes(n)).map((n) => ({ id: `${name}:${n}`, domain: name, key: n, kind: 'removal' as const })),
      ];
    },
    problems: () => problems,
    capture: () => [],
    apply: () => ({ unsupported: 'test' }),
    watch: () => ({ paths: [] }),
  };
}

async function setup(files: Record<string, string>, ignore = '') {
  const dir = await mkdtemp(join(tmpdir(), 'bkt-engine-'));
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  const ignoreFile = join(dir, 'ignore');
  await writeFile(ignoreFile, ignore);
  return { dir, ignoreFiles: [ignoreFile], environment: environmentFrom({ HOME: dir }) };
}

describe('runCheck', () => {
  it('reports each domain with its own status; one failure does not hide the others', async () => {
    const registry = [
      namesDomain('ok', async () => ['a', 'extra']),
      namesDomain('gone', async () => {
        throw new DomainUnavailable('tool not installed');
      }),
      namesDomain('broken', async () => {
        throw new DomainError('cannot read the database');
      }),
      namesDomain('unmanaged', async () => ['x']),
      namesDomain('picky', async () => ['a'], ['key b does not exist on this machine']),
    ];
    const { dir, ignoreFiles, environment } = await setup({
      'ok.json': '{"names": ["a", "b"]}',
      'gone.json': '{"names": []}',
      'broken.json': '{"names": []}',
      'picky.json': '{"names": ["a"]}',
    });
    const { report } = await runCheck({ manifestsDir: dir, environment, ignoreFiles, registry, now: new Date('2026-11-25T10:00:00Z') });
    expect(Object.fromEntries(Object.entries(report.domains).map(([n, d]) => [n, [d.status, d.error]]))).toEqual({
      ok: ['ok', null],
      gone: ['unavailable', 'tool not installed'],
      broken: ['error', 'broken: cannot read the database'],
      picky: ['error', 'key b does not exist on this machine'],
    });
    expect(report.unmanaged).toEqual(['unmanaged']);
    expect(report.domains.ok!.additions).toEqual([{ id: 'ok:extra', key: 'extra' }]);
    expect(report.domains.ok!.removals).toEqual([{ id: 'ok:b', key: 'b' }]);
    expect(report.summary).toEqual({ total_drift: 2, by_type: { additions: 1, removals: 1, modifications: 0 }, ignored: 0, errors: 2 });
    expect(exitCodeOf(report)).toBe(2);
  });

  it('collects the domains concurrently', async () => {
    let running = 0;
    let most = 0;
    const slow = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return [];
    };
    const registry = ['a', 'b', 'c'].map((n) => namesDomain(n, slow));
    const { dir, ignoreFiles, environment } = await setup({ 'a.json': '{"names":[]}', 'b.json': '{"names":[]}', 'c.json': '{"names":[]}' });
    await runCheck({ manifestsDir: dir, environment, ignoreFiles, registry });
    expect(most).toBe(3);
  });

  it('filters through ignore rules and counts what it ignored', async () => {
    const registry = [namesDomain('ok', async () => ['keep', 'hide-1', 'hide-2'])];
    const { dir, ignoreFiles, environment } = await setup({ 'ok.json': '{"names": []}' }, 'ok:hide-*\nok:never\n');
    const { report, outcomes } = await runCheck({ manifestsDir: dir, environment, ignoreFiles, registry });
    expect(report.domains.ok!.additions.map((i) => i.key)).toEqual(['keep']);
    expect(report.domains.ok!.ignored).toBe(2);
    expect(report.summary.ignored).toBe(2);
    expect(report.ignore.unused.map((r) => r.rule)).toEqual(['ok:never']);
    expect(outcomes[0]!.items.map((i) => i.key)).toEqual(['keep']);
    expect(exitCodeOf(report)).toBe(1);
  });

  it('says an ignore file that is a FIFO is one, without reading it (a read would wait for a writer forever), and applies the other files', async () => {
    const registry = [namesDomain('ok', async () => ['keep', 'hide'])];
    const { dir, ignoreFiles, environment } = await setup({ 'ok.json': '{"names": []}' }, 'ok:hide\n');
    const fifo = join(dir, 'fifo-ignore');
    execFileSync('mkfifo', [fifo]);
    const { report } = await runCheck({ manifestsDir: dir, environment, ignoreFiles: [fifo, ...ignoreFiles], registry });
    expect(report.ignore.errors).toEqual([{ file: fifo, line: 0, message: 'a device, FIFO or socket, where an ignore file is read' }]);
    expect(report.ignore.files).toEqual(ignoreFiles);
    expect(report.domains.ok!.additions.map((i) => i.key)).toEqual(['keep']);
    expect(formatHuman(report)).toContain(`error: ${fifo}: a device, FIFO or socket, where an ignore file is read\n`);
    expect(exitCodeOf(report)).toBe(2);
  });

  it('lists as unused only rules whose domain was compared in full (or has no manifest)', async () => {
    const registry = [
      namesDomain('ok', async () => ['a']),
      namesDomain('broken', async () => {
        throw new DomainError('cannot read the database');
      }),
      namesDomain('gone', async () => Promise.reject(new DomainUnavailable('no tool'))),
      namesDomain('unmanaged', async () => []),
      namesDomain('other', async () => []),
    ];
    const rules = 'ok:never\nbroken:kept-for-later\ngone:kept-too\nunmanaged:x\nother:y\n*:everywhere\n';
    const { dir, ignoreFiles, environment } = await setup({ 'ok.json': '{"names": ["a"]}', 'broken.json': '{"names": []}', 'gone.json': '{"names": []}', 'other.json': '{"names": []}' }, rules);
    const all = await runCheck({ manifestsDir: dir, environment, ignoreFiles, registry });
    // `*:` could have matched in the broken or unavailable domain.
    expect(all.report.ignore.unused.map((r) => r.rule)).toEqual(['ok:never', 'unmanaged:x', 'other:y']);
    const one = await runCheck({ manifestsDir: dir, environment, ignoreFiles, registry, domains: ['ok'] });
    expect(one.report.ignore.unused.map((r) => r.rule)).toEqual(['ok:never']);
  });

  it('prints the human report in the RFC form', async () => {
    const registry = [namesDomain('ok', async () => ['extra']), namesDomain('gone', async () => Promise.reject(new DomainUnavailable('no tool')))];
    const { dir, ignoreFiles, environment } = await setup({ 'ok.json': '{"names": ["missing"]}', 'gone.json': '{"names": []}' });
    const { report } = await runCheck({ manifestsDir: dir, environment, ignoreFiles, registry });
    expect(formatHuman(report)).toBe(
      ['Drift Report', '============', '', 'OK:', '  + extra', '  - missing', '', 'GONE: unavailable (no tool)', '', '2 drift items in 1 domain (2 domains checked).', ''].join('\n'),
    );
  });
});
