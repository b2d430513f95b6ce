import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureHomebrew, compareHomebrew, declaredFormula, homebrew, normalTap, type LiveFormula, type LiveHomebrew } from '../../helper/domains/homebrew.js';
import { parseManifest } from '../../helper/manifest.js';
import { editText } from '../../helper/manifest-writer.js';
import type { ManifestEdit } from '../../helper/domain.js';

// A sort key is a function: compared on its own below.
const withoutSortKey = (edit: ManifestEdit) => Object.fromEntries(Object.entries(edit).filter(([key]) => key !== 'sortKey'));

const FIXTURE = join(import.meta.dirname, '../../../shared/fixtures/bootc-manifests/homebrew.json');
const fixture = () => parseManifest(FIXTURE, readFileSync(FIXTURE, 'utf8'), homebrew.schema);
const manifestOf = (value: object) => parseManifest('/m/homebrew.json', JSON.stringify(value), homebrew.schema).value;

const formula = (name: string, rest: Partial<LiveFormula> = {}): LiveFormula => ({ name, tap: null, version: '1.0', onRequest: true, aliases: [], ...rest });
function live(formulae: LiveFormula[], taps: string[] = []): LiveHomebrew {
  return { formulae: new Map(formulae.map((f) => [f.name, f])), taps: new Set(taps), unreadable: [] };
}

describe('homebrew manifest', () => {
  it('loads the real manifest, tapped formula included', () => {
    const formulae = fixture().value.formulae ?? [];
    expect(formulae).toHaveLength(21);
    expect(declaredFormula(formulae[18] as string)).toEqual({ name: 'bbrew', tap: 'valkyrie00/bbrew' });
  });

  it('refuses a formula name with two slashes missing or a tap that is not user/repo', () => {
    expect(() => manifestOf({ formulae: ['user/formula'] })).toThrow(/formulae\[0\]/);
    expect(() => manifestOf({ formulae: [{ name: 'x', tap: 'justone' }] })).toThrow(/a tap is "user\/repo"/);
  });
});

describe('normalTap', () => {
  it('reads homebrew/core (and its pre-1.0 name) as no tap, in any case', () => {
    expect(normalTap('homebrew/core')).toBeNull();
    expect(normalTap('Homebrew/homebrew')).toBeNull();
    expect(normalTap(null)).toBeNull();
    expect(normalTap('Valkyrie00/BBrew')).toBe('valkyrie00/bbrew');
  });

  it('keeps the tap of an old receipt that names the formula too', () => {
    expect(normalTap('nissy/mg/mg')).toBe('nissy/mg');
  });
});

describe('compareHomebrew', () => {
  const cases: { name: string; manifest: object; live: LiveHomebrew; items: object[] }[] = [
    {
      name: 'no drift: declared formulae installed, a dependency not declared, the tap of a declared formula',
      manifest: { formulae: ['ripgrep', 'valkyrie00/bbrew/bbrew', { name: 'lefthook', tap: null }] },
      live: live([formula('ripgrep'), formula('bbrew', { tap: 'valkyrie00/bbrew' }), formula('lefthook'), formula('pcre2', { onRequest: false })], ['valkyrie00/bbrew', 'homebrew/core']),
      items: [],
    },
    {
      name: 'a declared formula with no keg is a removal',
      manifest: { formulae: ['ripgrep', 'valkyrie00/bbrew/bbrew'] },
      live: live([]),
      items: [
        { id: 'homebrew:ripgrep', kind: 'removal', key: 'ripgrep', expected: 'installed', detail: 'in manifest, not installed' },
        { id: 'homebrew:valkyrie00/bbrew/bbrew', kind: 'removal', key: 'valkyrie00/bbrew/bbrew', expected: 'installed', detail: 'in manifest, not installed' },
      ],
    },
    {
      name: 'a formula installed on request and not declared is an addition, named with its tap',
      manifest: { formulae: [] },
      live: live([formula('htop', { version: '3.4.1' }), formula('bird', { tap: 'steipete/tap', version: '0.8.0' })], ['steipete/tap']),
      items: [
        { id: 'homebrew:htop', kind: 'addition', key: 'htop', actual: '3.4.1', detail: 'installed on request, not in manifest' },
        { id: 'homebrew:steipete/tap/bird', kind: 'addition', key: 'steipete/tap/bird', actual: '0.8.0', detail: 'installed on request, not in manifest' },
      ],
    },
    {
      name: 'a declared formula installed from another tap is a modification',
      manifest: { formulae: ['bbrew'] },
      live: live([formula('bbrew', { tap: 'valkyrie00/bbrew' })], ['valkyrie00/bbrew']),
      items: [{ id: 'homebrew:bbrew', kind: 'modification', key: 'bbrew', expected: 'bbrew', actual: 'valkyrie00/bbrew/bbrew', detail: 'installed from valkyrie00/bbrew', data: { installed: 'valkyrie00/bbrew/bbrew' } }],
    },
    {
      name: 'a declared name that is an alias of an installed formula is that formula',
      manifest: { formulae: ['python3'] },
      live: live([formula('python@3.13', { aliases: ['python3', 'python'] })]),
      items: [],
    },
    {
      name: 'a declared tap not tapped is a removal; a tap nothing uses is an addition; built-in taps are not drift',
      manifest: { formulae: [], taps: ['hashicorp/tap'] },
      live: live([], ['homebrew/core', 'homebrew/cask', 'someone/extras']),
      items: [
        { id: 'homebrew:tap:hashicorp/tap', kind: 'removal', key: 'tap:hashicorp/tap', expected: 'tapped', detail: 'in manifest, not tapped' },
        { id: 'homebrew:tap:someone/extras', kind: 'addition', key: 'tap:someone/extras', actual: 'tapped', detail: 'tapped, not in manifest' },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(compareHomebrew(manifestOf(c.manifest), c.live)).toEqual(c.items.map((item) => ({ domain: 'homebrew', ...item })));
    });
  }
});

describe('captureHomebrew', () => {
  const manifest = manifestOf({ formulae: ['bat', { name: 'bbrew', tap: 'valkyrie00/bbrew' }, 'fd', { name: 'x/y/tool' }], taps: ['a/b'] });
  const item = (rest: object) => ({ domain: 'homebrew', id: 'homebrew:k', ...rest }) as never;
  const cases: { name: string; item: object; edits: object[] }[] = [
    { name: 'an addition is inserted as the name brew installs', item: { kind: 'addition', key: 'steipete/tap/bird', actual: '0.8.0' }, edits: [{ op: 'insert', path: ['formulae'], value: 'steipete/tap/bird' }] },
    { name: 'a removal removes the entry, found by its tap and name', item: { kind: 'removal', key: 'valkyrie00/bbrew/bbrew' }, edits: [{ op: 'remove', path: ['formulae', 1] }] },
    { name: 'a bare name installed from a tap is rewritten with the tap', item: { kind: 'modification', key: 'fd', data: { installed: 'me/fork/fd' } }, edits: [{ op: 'set', path: ['formulae', 2], value: 'me/fork/fd' }] },
    { name: 'an object with a tap gets the installed tap', item: { kind: 'modification', key: 'valkyrie00/bbrew/bbrew', data: { installed: 'other/bbrew/bbrew' } }, edits: [{ op: 'set', path: ['formulae', 1, 'tap'], value: 'other/bbrew' }] },
    { name: 'an object installed from homebrew/core loses its tap', item: { kind: 'modification', key: 'valkyrie00/bbrew/bbrew', data: { installed: 'bbrew' } }, edits: [{ op: 'remove', path: ['formulae', 1, 'tap'] }] },
    { name: 'an object whose name carries the tap gets the new full name', item: { kind: 'modification', key: 'x/y/tool', data: { installed: 'tool' } }, edits: [{ op: 'set', path: ['formulae', 3, 'name'], value: 'tool' }] },
    { name: 'a tap addition is inserted into taps', item: { kind: 'addition', key: 'tap:c/d' }, edits: [{ op: 'insert', path: ['taps'], value: 'c/d' }] },
    { name: 'a tap removal removes it', item: { kind: 'removal', key: 'tap:a/b' }, edits: [{ op: 'remove', path: ['taps', 0] }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const edits = captureHomebrew(item(c.item), manifest);
      expect(edits.map(withoutSortKey)).toEqual(c.edits);
    });
  }

  it('keeps the real manifest sorted: a new formula sorts by its written name', () => {
    const [edit] = captureHomebrew(item({ kind: 'addition', key: 'htop' }), fixture().value);
    expect(edit?.op === 'insert' && edit.sortKey?.({ name: 'valkyrie00/bbrew/bbrew' })).toBe('valkyrie00/bbrew/bbrew');
  });
});

describe('capture written into the real manifest', () => {
  it('inserts a new formula in sorted place and removes one, changing nothing else', () => {
    const manifest = fixture();
    const item = (rest: object) => ({ domain: 'homebrew', id: 'homebrew:k', ...rest }) as never;
    const added = editText(manifest.text, captureHomebrew(item({ kind: 'addition', key: 'htop', actual: '3.4.1' }), manifest.value));
    expect(added).toBe(manifest.text.replace('    "glab",\n', '    "glab",\n    "htop",\n'));
    const removed = editText(manifest.text, captureHomebrew(item({ kind: 'removal', key: 'valkyrie00/bbrew/bbrew' }), manifest.value));
    expect(removed).toBe(manifest.text.replace('    "valkyrie00/bbrew/bbrew",\n', ''));
  });
});
