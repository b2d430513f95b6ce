import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseTree, type Node } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import type { ManifestEdit } from '../../helper/domain.js';
import { editText, withLine, withoutLine } from '../../helper/manifest-writer.js';

const FIXTURES = '/work/shared/fixtures/bootc-manifests';
const fixtureNames = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** The lines that differ between two texts: the run between their common first and last lines. */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

const extensionKey = (entry: unknown): string => (typeof entry === 'string' ? entry : (entry as { id: string }).id);

describe('editText with no edits', () => {
  it.each(fixtureNames)('gives %s back byte for byte', (name) => {
    const text = fixture(name);
    expect(editText(text, [])).toBe(text);
  });
});

describe('inserting into arrays', () => {
  it('puts a new formula at its sorted place in homebrew.json, adding one line', () => {
    const before = fixture('homebrew.json');
    const after = editText(before, [{ op: 'insert', path: ['formulae'], value: 'fzf' }]);
    expect(changedLines(before, after)).toEqual({ removed: [], added: ['    "fzf",'] });
    expect(after.indexOf('"fd"')).toBeLessThan(after.indexOf('"fzf"'));
    expect(after.indexOf('"fzf"')).toBeLessThan(after.indexOf('"gh"'));
  });

  it('adds the comma to the old last line when the new formula sorts last', () => {
    const before = fixture('homebrew.json');
    const after = editText(before, [{ op: 'insert', path: ['formulae'], value: 'zsh-autosuggestions' }]);
    expect(changedLines(before, after)).toEqual({ removed: ['    "zoxide"'], added: ['    "zoxide",', '    "zsh-autosuggestions"'] });
  });

  it('puts a formula that sorts first before the first one', () => {
    const before = fixture('homebrew.json');
    const after = editText(before, [{ op: 'insert', path: ['formulae'], value: 'act' }]);
    expect(changedLines(before, after)).toEqual({ removed: [], added: ['    "act",'] });
    expect(JSON.parse(after).formulae[0]).toBe('act');
  });

  it('appends when the array is not sorted', () => {
    const before = fixture('homebrew.json').replace('"atuin",\n    "bash-preexec"', '"bash-preexec",\n    "atuin"');
    const after = editText(before, [{ op: 'insert', path: ['formulae'], value: 'fzf' }]);
    expect(JSON.parse(after).formulae.at(-1)).toBe('fzf');
    expect(changedLines(before, after)).toEqual({ removed: ['    "zoxide"'], added: ['    "zoxide",', '    "fzf"'] });
  });

  it('places an extension object among strings and objects by its sortKey, indented like its neighbours', () => {
    const before = fixture('gnome-extensions.json');
    const value = { id: 'clipboard-indicator@tudmotu.com', enabled: false };
    const after = editText(before, [{ op: 'insert', path: ['extensions'], value, sortKey: extensionKey }]);
    expect(changedLines(before, after)).toEqual({
      removed: [],
      added: ['    {', '      "id": "clipboard-indicator@tudmotu.com",', '      "enabled": false', '    },'],
    });
    const ids = (JSON.parse(after).extensions as unknown[]).map(extensionKey);
    expect(ids.indexOf('clipboard-indicator@tudmotu.com')).toBe(ids.indexOf('caffeine@patapon.info') + 1);
  });

  it('places a plain extension id by the same sortKey', () => {
    const before = fixture('gnome-extensions.json');
    const after = editText(before, [{ op: 'insert', path: ['extensions'], value: 'bluetooth-quick-connect@bjarosze.gmail.com', sortKey: extensionKey }]);
    expect(changedLines(before, after)).toEqual({ removed: [], added: ['    "bluetooth-quick-connect@bjarosze.gmail.com",'] });
    const ids = (JSON.parse(after).extensions as unknown[]).map(extensionKey);
    expect(ids.indexOf('bluetooth-quick-connect@bjarosze.gmail.com')).toBe(ids.indexOf('block-caribou-36@lxylxy123456.ercli.dev') + 1);
  });

  it('appends to an array of strings and objects when no sortKey says how it is ordered', () => {
    const before = fixture('gnome-extensions.json');
    const after = editText(before, [{ op: 'insert', path: ['extensions'], value: 'aaa@example.com' }]);
    expect(JSON.parse(after).extensions.at(-1)).toBe('aaa@example.com');
  });

  it('opens an empty array onto indented lines', () => {
    const before = fixture('appimage-apps.json');
    const after = editText(before, [{ op: 'insert', path: ['apps'], value: { name: 'Obsidian', url: 'https://example.com/o.AppImage', tags: ['notes'] } }]);
    expect(after).toBe(
      '{\n  "apps": [\n    {\n      "name": "Obsidian",\n      "url": "https://example.com/o.AppImage",\n      "tags": [\n        "notes"\n      ]\n    }\n  ]\n}\n',
    );
  });

  it('keeps a one-line array on one line, in its own spacing, changing only that line', () => {
    const before = fixture('flatpak-apps.json');
    const apps = JSON.parse(before).apps as { id: string; overrides?: string[] }[];
    const index = apps.findIndex((app) => app.id === 'com.supermodel3.Supermodel');
    const after = editText(before, [{ op: 'insert', path: ['apps', index, 'overrides'], value: '--device=dri' }]);
    expect(changedLines(before, after)).toEqual({
      removed: ['      "overrides": ["--filesystem=host", "--share=network"]'],
      added: ['      "overrides": ["--device=dri", "--filesystem=host", "--share=network"]'],
    });
  });

  it('creates the array when the manifest has none yet', () => {
    const before = '{\n  "$schema": "x"\n}\n';
    const after = editText(before, [{ op: 'insert', path: ['formulae'], value: 'fd' }]);
    expect(after).toBe('{\n  "$schema": "x",\n  "formulae": [\n    "fd"\n  ]\n}\n');
  });
});

describe('removing', () => {
  it('removes the last formula without leaving a dangling comma', () => {
    const before = fixture('homebrew.json');
    const after = editText(before, [{ op: 'remove', path: ['formulae', 20] }]);
    expect(changedLines(before, after)).toEqual({ removed: ['    "yq",', '    "zoxide"'], added: ['    "yq"'] });
  });

  it('removes a middle object entry as whole lines', () => {
    const before = fixture('host-shims.json');
    const after = editText(before, [{ op: 'remove', path: ['shims', 1] }]);
    expect(changedLines(before, after)).toEqual({ removed: ['      "name": "docker",', '      "host": "podman"', '    },', '    {'], added: [] });
    expect(JSON.parse(after).shims.map((shim: { name: string }) => shim.name)).not.toContain('docker');
  });

  it('leaves [] after removing the only entry, and no trailing newline where there was none', () => {
    const before = fixture('toolbox-packages.json');
    const after = editText(before, [{ op: 'remove', path: ['packages', 0] }]);
    expect(after).toBe('{\n  "$schema": "https://wycats.github.io/bootc/toolbox-packages.schema.json",\n  "packages": []\n}');
  });

  it('removes the last entry of a one-line array', () => {
    const before = fixture('flatpak-apps.json');
    const apps = JSON.parse(before).apps as { id: string }[];
    const index = apps.findIndex((app) => app.id === 'com.supermodel3.Supermodel');
    const after = editText(before, [{ op: 'remove', path: ['apps', index, 'overrides', 1] }]);
    expect(changedLines(before, after)).toEqual({
      removed: ['      "overrides": ["--filesystem=host", "--share=network"]'],
      added: ['      "overrides": ["--filesystem=host"]'],
    });
  });

  it('removes the last key of an object and its comma', () => {
    const before = fixture('systemd-services.json');
    const after = editText(before, [{ op: 'remove', path: ['services', 'power-profiles-daemon.service'] }]);
    expect(changedLines(before, after)).toEqual({
      removed: ['    "tuned-ppd.service": "enabled",', '    "power-profiles-daemon.service": "masked"'],
      added: ['    "tuned-ppd.service": "enabled"'],
    });
  });

  it('does nothing when the entry is already gone', () => {
    const before = fixture('systemd-services.json');
    expect(editText(before, [{ op: 'remove', path: ['services', 'cups.service'] }])).toBe(before);
    expect(editText(before, [{ op: 'remove', path: ['services', 'cups.service', 'x'] }])).toBe(before);
  });
});

describe('setting', () => {
  it('appends a new unit to systemd-services.json services', () => {
    const before = fixture('systemd-services.json');
    const after = editText(before, [{ op: 'set', path: ['services', 'cups.service'], value: 'disabled' }]);
    expect(changedLines(before, after)).toEqual({
      removed: ['    "power-profiles-daemon.service": "masked"'],
      added: ['    "power-profiles-daemon.service": "masked",', '    "cups.service": "disabled"'],
    });
  });

  it('changes an existing unit in place, keeping its position', () => {
    const before = fixture('systemd-services.json');
    const after = editText(before, [{ op: 'set', path: ['services', 'tuned.service'], value: 'masked' }]);
    expect(changedLines(before, after)).toEqual({ removed: ['    "tuned.service": "enabled",'], added: ['    "tuned.service": "masked",'] });
    expect(Object.keys(JSON.parse(after).services)).toEqual(Object.keys(JSON.parse(before).services));
  });

  it('leaves the text alone when the value is already the same', () => {
    const before = fixture('systemd-services.json');
    expect(editText(before, [{ op: 'set', path: ['services', 'tuned.service'], value: 'enabled' }])).toBe(before);
  });

  it('changes one key deep inside distrobox.json', () => {
    const before = fixture('distrobox.json');
    const after = editText(before, [{ op: 'set', path: ['containers', 'bootc-dev', 'init'], value: true }]);
    expect(changedLines(before, after)).toEqual({ removed: ['      "init": false,'], added: ['      "init": true,'] });
  });

  it('replaces a one-line array with a one-line array', () => {
    const before = fixture('flatpak-apps.json');
    const apps = JSON.parse(before).apps as { id: string }[];
    const index = apps.findIndex((app) => app.id === 'com.supermodel3.Supermodel');
    const after = editText(before, [{ op: 'set', path: ['apps', index, 'overrides'], value: ['--share=ipc'] }]);
    expect(changedLines(before, after)).toEqual({
      removed: ['      "overrides": ["--filesystem=host", "--share=network"]'],
      added: ['      "overrides": ["--share=ipc"]'],
    });
  });

  it('creates the objects on the way to a new key', () => {
    const before = fixture('distrobox.json');
    const after = editText(before, [{ op: 'set', path: ['containers', 'fedora', 'image'], value: 'registry.fedoraproject.org/fedora-toolbox:42' }]);
    expect(after).toBe(before.replace(/\n    }\n  }\n}$/, '\n    },\n    "fedora": {\n      "image": "registry.fedoraproject.org/fedora-toolbox:42"\n    }\n  }\n}'));
  });

  it.each(fixtureNames)('keeps %s ending with a newline or not, as it did', (name) => {
    const before = fixture(name);
    const after = editText(before, [{ op: 'set', path: ['x-bkt-note'], value: 'kept' }]);
    expect(after.endsWith('\n')).toBe(before.endsWith('\n'));
    expect(after.endsWith('}\n') || after.endsWith('}')).toBe(true);
    expect(JSON.parse(after)['x-bkt-note']).toBe('kept');
  });
});

describe("the file's own layout", () => {
  const homebrew = fixture('homebrew.json');
  const reindent = (text: string, unit: string) => text.replace(/^((?: {2})+)/gm, (spaces) => unit.repeat(spaces.length / 2));

  it.each([
    ['four spaces', '    '],
    ['tabs', '\t'],
  ])('indents new entries with %s when the file does', (_, unit) => {
    const before = reindent(homebrew, unit);
    expect(changedLines(before, editText(before, [{ op: 'insert', path: ['formulae'], value: 'fzf' }]))).toEqual({
      removed: [],
      added: [`${unit}${unit}"fzf",`],
    });
    expect(changedLines(before, editText(before, [{ op: 'set', path: ['casks'], value: ['ghostty'] }]))).toEqual({
      removed: [],
      added: [`${unit}],`, `${unit}"casks": [`, `${unit}${unit}"ghostty"`],
    });
  });

  it('opens an empty array with tabs in a tab-indented file', () => {
    const before = '{\n\t"apps": []\n}';
    expect(editText(before, [{ op: 'insert', path: ['apps'], value: { name: 'x' } }])).toBe('{\n\t"apps": [\n\t\t{\n\t\t\t"name": "x"\n\t\t}\n\t]\n}');
  });

  it('writes CRLF line endings into a CRLF file', () => {
    const before = homebrew.replace(/\n/g, '\r\n');
    const after = editText(before, [{ op: 'insert', path: ['formulae'], value: 'fzf' }, { op: 'remove', path: ['formulae', 0] }]);
    expect(after.replace(/\r\n/g, '')).not.toContain('\n');
    expect(after).toContain('\r\n    "fzf",\r\n');
  });

  it('keeps a one-line file on one line, with its own spacing', () => {
    const before = '{"formulae":["bat","fd"],"taps":{}}';
    const after = editText(before, [
      { op: 'insert', path: ['formulae'], value: 'eza' },
      { op: 'set', path: ['taps', 'x/y'], value: { pinned: [1] } },
    ]);
    expect(after).toBe('{"formulae":["bat","eza","fd"],"taps":{"x/y":{"pinned":[1]}}}');
  });
});

describe('refusals', () => {
  it('names the file, line and column of invalid JSON', () => {
    expect(() => editText('{\n  "formulae": ["a",]\n}\n', [], 'homebrew.json')).toThrow(/^homebrew\.json:2:20: invalid JSON: value expected; not changed$/);
  });

  it('refuses to insert into something that is not an array', () => {
    expect(() => editText(fixture('systemd-services.json'), [{ op: 'insert', path: ['services'], value: 'x' }], 'systemd-services.json')).toThrow(
      'systemd-services.json:3:15: services: is an object, not an array; cannot insert into it',
    );
  });

  it('refuses to set an array entry that does not exist', () => {
    expect(() => editText(fixture('homebrew.json'), [{ op: 'set', path: ['formulae', 21], value: 'x' }], 'homebrew.json')).toThrow(
      'homebrew.json:3:15: formulae[21]: formulae[21] does not exist; use insert to add array entries',
    );
  });

  it('refuses to edit a key the file holds twice', () => {
    const before = '{\n  "services": {\n    "a.service": "enabled",\n    "a.service": "masked"\n  }\n}\n';
    expect(() => editText(before, [{ op: 'set', path: ['services', 'a.service'], value: 'disabled' }], 'systemd-services.json')).toThrow(
      /the key "a\.service" appears more than once \(lines 3 and 4\)/,
    );
  });

  it('refuses a value JSON cannot hold', () => {
    expect(() => editText(fixture('homebrew.json'), [{ op: 'set', path: ['formulae', 0], value: undefined }], 'homebrew.json')).toThrow(
      'homebrew.json: formulae[0]: cannot write undefined as JSON',
    );
  });
});

describe('withLine', () => {
  it('adds a line, ending the last one first when it had no newline', () => {
    expect(withLine('', 'flatpak:org.gnome.Boxes')).toBe('flatpak:org.gnome.Boxes\n');
    expect(withLine('# ignores\nsystemd:cups.service', 'flatpak:org.gnome.Boxes')).toBe('# ignores\nsystemd:cups.service\nflatpak:org.gnome.Boxes\n');
  });

  it('does not add a line that is already there, and keeps CRLF files CRLF', () => {
    expect(withLine('a\r\nb\r\n', 'b')).toBe('a\r\nb\r\n');
    expect(withLine('a\r\n', 'b')).toBe('a\r\nb\r\n');
  });
});

describe('withoutLine', () => {
  it('takes out every copy of the line with its line ending, and nothing else', () => {
    expect(withoutLine('a\nsystemd:cups.service\nb\nsystemd:cups.service', 'systemd:cups.service')).toBe('a\nb\n');
    expect(withoutLine('a\r\nb\r\n', 'a')).toBe('b\r\n');
    expect(withoutLine('systemd:cups.service.d\n', 'systemd:cups.service')).toBe('systemd:cups.service.d\n');
  });
});

// ---------------------------------------------------------------------------
// Random sequences of edits on the real manifests.

/** The text of each entry of the container at `path`, as it stands in the file. */
function entryTexts(text: string, path: (string | number)[]): string[] {
  let node: Node | undefined = parseTree(text);
  for (const segment of path) {
    node = typeof segment === 'string' ? node?.children?.find((p) => p.children?.[0]?.value === segment)?.children?.[1] : node?.children?.[segment];
  }
  return (node?.children ?? []).map((child) => text.slice(child.offset, child.offset + child.length));
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byCaseInsensitive = (a: string, b: string): number => byCodeUnit(a.toLowerCase(), b.toLowerCase()) || byCodeUnit(a, b);

/** The specification of an insert: after its equals in a sorted array, else at the end. */
function expectedIndex(keys: string[], key: string | undefined): number {
  if (key === undefined) return keys.length;
  for (const compare of [byCodeUnit, byCaseInsensitive]) {
    if (keys.every((k, i) => i === 0 || compare(keys[i - 1] as string, k) <= 0)) {
      const after = keys.findIndex((k) => compare(k, key) > 0);
      return after === -1 ? keys.length : after;
    }
  }
  return keys.length;
}

interface ArrayCase {
  file: string;
  path: string[];
  value: fc.Arbitrary<unknown>;
  sortKey?: (entry: unknown) => string;
}

const name = fc.string({ unit: 'binary', maxLength: 12 });
const arrayCases: ArrayCase[] = [
  { file: 'homebrew.json', path: ['formulae'], value: name },
  { file: 'gnome-extensions.json', path: ['extensions'], value: fc.oneof(name, fc.record({ id: name, enabled: fc.boolean() })), sortKey: extensionKey },
  {
    file: 'flatpak-apps.json',
    path: ['apps'],
    value: fc.record({ id: name, remote: fc.constant('flathub'), overrides: fc.array(name, { maxLength: 2 }) }),
    sortKey: (entry) => (entry as { id: string }).id,
  },
  { file: 'appimage-apps.json', path: ['apps'], value: fc.record({ name, url: name }), sortKey: (entry) => (entry as { name: string }).name },
];

type Step = { op: 'insert'; value: unknown } | { op: 'remove'; at: number } | { op: 'set'; at: number; value: unknown };

describe('random sequences of edits (property)', () => {
  it.each(arrayCases)('keep $file valid and every untouched entry byte-identical', ({ file, path, value, sortKey }) => {
    const original = fixture(file);
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ op: fc.constant('insert' as const), value }),
      fc.record({ op: fc.constant('remove' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('set' as const), at: fc.nat(), value }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        let text = original;
        // The array as it should be, each entry with its original text while untouched.
        const entries: { value: unknown; original?: string }[] = [];
        const values = JSON.parse(original)[path[0] as string] as unknown[];
        entryTexts(original, path).forEach((entryText, i) => entries.push({ value: values[i], original: entryText }));
        const keyOf = (entry: unknown): string | undefined => (sortKey ? sortKey(entry) : typeof entry === 'string' ? entry : undefined);
        for (const s of steps) {
          let edit: ManifestEdit;
          if (s.op === 'insert') {
            edit = sortKey ? { op: 'insert', path, value: s.value, sortKey } : { op: 'insert', path, value: s.value };
            const keys = entries.map((e) => keyOf(e.value));
            const index = keys.every((k) => k !== undefined) ? expectedIndex(keys as string[], keyOf(s.value)) : entries.length;
            entries.splice(index, 0, { value: s.value });
          } else if (entries.length === 0) {
            continue;
          } else if (s.op === 'remove') {
            const at = s.at % entries.length;
            edit = { op: 'remove', path: [...path, at] };
            entries.splice(at, 1);
          } else {
            const at = s.at % entries.length;
            edit = { op: 'set', path: [...path, at], value: s.value };
            entries[at] = { value: s.value };
          }
          text = editText(text, [edit]);
        }
        expect(JSON.parse(text)[path[0] as string]).toEqual(entries.map((e) => e.value));
        const texts = entryTexts(text, path);
        entries.forEach((entry, i) => {
          if (entry.original !== undefined) expect(texts[i]).toBe(entry.original);
        });
        // Everything before the array (the `$schema` line) is untouched.
        const head = original.slice(0, original.indexOf(`"${path[0]}"`));
        expect(text.startsWith(head)).toBe(true);
        expect(text.endsWith('\n')).toBe(original.endsWith('\n'));
      }),
      { numRuns: 150 },
    );
  });

  it('keep systemd-services.json valid, in key order, every untouched unit byte-identical', () => {
    const original = fixture('systemd-services.json');
    const unit = fc.constantFrom('tuned.service', 'tuned-ppd.service', 'power-profiles-daemon.service', 'cups.service', 'sshd.service', 'a"b\\c.service');
    const state = fc.constantFrom('enabled', 'disabled', 'masked');
    const step = fc.oneof(fc.record({ unit, state }), fc.record({ unit, state: fc.constant(undefined) }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        let text = original;
        const units = new Map<string, { state: string; original?: string }>();
        const services = JSON.parse(original).services as Record<string, string>;
        const texts = entryTexts(original, ['services']);
        Object.entries(services).forEach(([u, s], i) => units.set(u, { state: s, original: texts[i] }));
        for (const { unit: u, state: s } of steps) {
          if (s === undefined) {
            text = editText(text, [{ op: 'remove', path: ['services', u] }]);
            units.delete(u);
          } else {
            text = editText(text, [{ op: 'set', path: ['services', u], value: s }]);
            const old = units.get(u);
            units.set(u, old?.state === s ? old : { state: s });
          }
        }
        const parsed = JSON.parse(text).services as Record<string, string>;
        expect(Object.entries(parsed)).toEqual([...units].map(([u, { state: s }]) => [u, s]));
        const after = entryTexts(text, ['services']);
        [...units.values()].forEach((entry, i) => {
          if (entry.original !== undefined) expect(after[i]).toBe(entry.original);
        });
        expect(text.startsWith('{\n  "$schema": "../schemas/systemd-services.schema.json",\n  "services": {')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
