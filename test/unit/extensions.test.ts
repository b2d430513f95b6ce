import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  captureExtensions,
  compareExtensions,
  extensions,
  formatStringList,
  listsAfter,
  parseStringList,
  stateOf,
  type LiveExtensions,
} from '../../helper/domains/extensions.js';
import { parseManifest } from '../../helper/manifest.js';
import { editText } from '../../helper/manifest-writer.js';
import type { ManifestEdit } from '../../helper/domain.js';

// A sort key is a function: compared on its own below.
const withoutSortKey = (edit: ManifestEdit) => Object.fromEntries(Object.entries(edit).filter(([key]) => key !== 'sortKey'));

const FIXTURE = join(import.meta.dirname, '../../../shared/fixtures/bootc-manifests/gnome-extensions.json');
const fixture = () => parseManifest(FIXTURE, readFileSync(FIXTURE, 'utf8'), extensions.schema);

const manifestOf = (entries: unknown[]) => parseManifest('/m/gnome-extensions.json', JSON.stringify({ extensions: entries }), extensions.schema);

function live(installed: Record<string, 'user' | 'system'>, enabled: string[], disabled: string[] = []): LiveExtensions {
  return { installed: new Map(Object.entries(installed)), enabled, disabled };
}

describe('extensions manifest', () => {
  it('loads the real manifest: bare uuids and {id, enabled}', () => {
    const manifest = fixture();
    expect(manifest.value.extensions).toHaveLength(18);
    expect(manifest.value.extensions[4]).toEqual({ id: 'burn-my-windows@schneegans.github.com', enabled: false });
  });

  it('refuses an entry that is neither a uuid nor an object with an id', () => {
    expect(() => manifestOf([{ enabled: true }])).toThrow(/gnome-extensions\.json:1:\d+: extensions\[0\]/);
    expect(() => manifestOf(['two words@x'])).toThrow(/no spaces or slashes/);
  });
});

describe('stateOf', () => {
  it('follows the shell: disabled-extensions wins over enabled-extensions', () => {
    expect(stateOf({ enabled: ['a'], disabled: [] }, 'a')).toBe('enabled');
    expect(stateOf({ enabled: ['a'], disabled: ['a'] }, 'a')).toBe('disabled');
    expect(stateOf({ enabled: [], disabled: [] }, 'a')).toBe('disabled');
  });
});

describe('compareExtensions', () => {
  const cases: { name: string; entries: unknown[]; live: LiveExtensions; items: object[] }[] = [
    {
      name: 'no drift when installed and enabled as declared (a bare uuid and enabled: true both mean enabled)',
      entries: ['a@x', { id: 'b@x', enabled: true }, { id: 'c@x', enabled: false }],
      live: live({ 'a@x': 'user', 'b@x': 'system', 'c@x': 'user' }, ['a@x', 'b@x']),
      items: [],
    },
    {
      name: 'an object without enabled means enabled',
      entries: [{ id: 'a@x' }],
      live: live({ 'a@x': 'user' }, []),
      items: [{ id: 'extensions:a@x', kind: 'modification', key: 'a@x', expected: 'enabled', actual: 'disabled' }],
    },
    {
      name: 'declared but not installed is a removal, whatever the keys say',
      entries: ['a@x', { id: 'b@x', enabled: false }],
      live: live({}, ['a@x']),
      items: [
        { id: 'extensions:a@x', kind: 'removal', key: 'a@x', expected: 'enabled', detail: 'in manifest, not installed' },
        { id: 'extensions:b@x', kind: 'removal', key: 'b@x', expected: 'disabled', detail: 'in manifest, not installed' },
      ],
    },
    {
      name: 'enabled where the manifest says disabled, and disabled by disabled-extensions where it says enabled',
      entries: [{ id: 'a@x', enabled: false }, 'b@x'],
      live: live({ 'a@x': 'user', 'b@x': 'user' }, ['a@x', 'b@x'], ['b@x']),
      items: [
        { id: 'extensions:a@x', kind: 'modification', key: 'a@x', expected: 'disabled', actual: 'enabled' },
        { id: 'extensions:b@x', kind: 'modification', key: 'b@x', expected: 'enabled', actual: 'disabled' },
      ],
    },
    {
      name: 'installed and enabled but undeclared is an addition; installed and disabled is not drift',
      entries: [],
      live: live({ 'on@x': 'system', 'off@x': 'user', 'listed-off@x': 'user' }, ['on@x', 'listed-off@x'], ['listed-off@x']),
      items: [{ id: 'extensions:on@x', kind: 'addition', key: 'on@x', actual: 'enabled', detail: 'installed (system), enabled, not in manifest', data: { scope: 'system' } }],
    },
    {
      name: 'an enabled uuid that is not installed and not declared is not drift',
      entries: [],
      live: live({}, ['gone@x']),
      items: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(compareExtensions(manifestOf(c.entries).value, c.live)).toEqual(c.items.map((item) => ({ domain: 'extensions', ...item })));
    });
  }

  it('finds the real manifest in sync with a matching system', () => {
    const manifest = fixture();
    const installed: Record<string, 'user'> = {};
    const enabled: string[] = [];
    for (const entry of manifest.value.extensions) {
      const uuid = typeof entry === 'string' ? entry : entry.id;
      installed[uuid] = 'user';
      if (typeof entry === 'string') enabled.push(uuid);
    }
    expect(compareExtensions(manifest.value, live(installed, enabled, ['burn-my-windows@schneegans.github.com']))).toEqual([]);
  });
});

describe('captureExtensions', () => {
  const base = { domain: 'extensions' };
  const manifest = manifestOf(['a@x', { id: 'b@x', enabled: false, note: 'kept' }, 'c@x']).value;
  const cases: { name: string; item: object; edits: object[] }[] = [
    {
      name: 'an enabled addition is inserted as a bare uuid',
      item: { id: 'extensions:bb@x', kind: 'addition', key: 'bb@x', actual: 'enabled' },
      edits: [{ op: 'insert', path: ['extensions'], value: 'bb@x' }],
    },
    {
      name: 'a removal removes the entry',
      item: { id: 'extensions:c@x', kind: 'removal', key: 'c@x', expected: 'enabled' },
      edits: [{ op: 'remove', path: ['extensions', 2] }],
    },
    {
      name: 'a bare uuid found disabled becomes {id, enabled: false}',
      item: { id: 'extensions:a@x', kind: 'modification', key: 'a@x', expected: 'enabled', actual: 'disabled' },
      edits: [{ op: 'set', path: ['extensions', 0], value: { id: 'a@x', enabled: false } }],
    },
    {
      name: 'an object found enabled gets enabled: true, keeping its other keys',
      item: { id: 'extensions:b@x', kind: 'modification', key: 'b@x', expected: 'disabled', actual: 'enabled' },
      edits: [{ op: 'set', path: ['extensions', 1, 'enabled'], value: true }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const edits = captureExtensions({ ...base, ...c.item } as never, manifest);
      expect(edits.map(withoutSortKey)).toEqual(c.edits);
    });
  }

  it('sorts an inserted uuid among bare uuids and objects by their ids', () => {
    const [edit] = captureExtensions({ domain: 'extensions', id: 'extensions:x', kind: 'addition', key: 'x', actual: 'enabled' }, manifest);
    expect(edit?.op === 'insert' && edit.sortKey?.({ id: 'burn@x', enabled: false })).toBe('burn@x');
    expect(edit?.op === 'insert' && edit.sortKey?.('a@x')).toBe('a@x');
  });
});

describe('the enabled-extensions keys', () => {
  it('reads GVariant string arrays in either quoting, and the typed empty array', () => {
    expect(parseStringList("['a@x', \"b@x\"]\n", 'k')).toEqual(['a@x', 'b@x']);
    expect(parseStringList('@as []\n', 'k')).toEqual([]);
    expect(() => parseStringList('[1, 2]', 'dconf read /org/gnome/shell/enabled-extensions')).toThrow(/dconf read \/org\/gnome\/shell\/enabled-extensions: not a list of strings: \[1, 2\]/);
  });

  it('writes lists gsettings reads back', () => {
    expect(formatStringList(['a@x', "it's@x"])).toBe(`['a@x', "it's@x"]`);
    expect(formatStringList([])).toBe('@as []');
  });

  it('enables and disables as gnome-extensions does, keeping every other entry and its order', () => {
    const lists = { 'enabled-extensions': ['a', 'b'], 'disabled-extensions': ['c', 'd'] };
    expect(listsAfter(lists, 'c', 'enabled')).toEqual({ 'enabled-extensions': ['a', 'b', 'c'], 'disabled-extensions': ['d'] });
    expect(listsAfter(lists, 'a', 'disabled')).toEqual({ 'enabled-extensions': ['b'], 'disabled-extensions': ['c', 'd', 'a'] });
    expect(listsAfter(lists, 'a', 'enabled')).toEqual(lists);
  });
});

describe('extensions apply', () => {
  it('cannot install an extension and says where to get it', () => {
    const result = extensions.apply({ id: 'extensions:a@x', domain: 'extensions', kind: 'removal', key: 'a@x', expected: 'enabled' }, fixture(), {} as never);
    expect(result).toEqual({ unsupported: 'a@x is not installed: install it from extensions.gnome.org or your package manager' });
  });
});

describe('capture written into the real manifest', () => {
  it('puts a new extension where the sorted list puts it and a disabled one as an object, changing nothing else', () => {
    const manifest = fixture();
    const added = editText(manifest.text, captureExtensions({ domain: 'extensions', id: 'extensions:clipboard-indicator@tudmotu.com', kind: 'addition', key: 'clipboard-indicator@tudmotu.com', actual: 'enabled' }, manifest.value));
    expect(added).toBe(manifest.text.replace('    "caffeine@patapon.info",\n', '    "caffeine@patapon.info",\n    "clipboard-indicator@tudmotu.com",\n'));
    const disabled = editText(manifest.text, captureExtensions({ domain: 'extensions', id: 'extensions:caffeine@patapon.info', kind: 'modification', key: 'caffeine@patapon.info', expected: 'enabled', actual: 'disabled' }, manifest.value));
    expect(JSON.parse(disabled).extensions[5]).toEqual({ id: 'caffeine@patapon.info', enabled: false });
    expect(disabled.replace(/\{\n\s+"id": "caffeine@patapon.info",\n\s+"enabled": false\n\s+\}/, '"caffeine@patapon.info"')).toBe(manifest.text);
  });
});
