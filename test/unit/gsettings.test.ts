import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gsettings, manifestValue, type LiveGsettings, type LiveKey } from '../../helper/domains/gsettings.js';
import type { KeyInfo } from '../../helper/gschema.js';
import { formatGVariant, parseGVariant } from '../../helper/gvariant.js';
import { parseManifest } from '../../helper/manifest.js';

const REAL = '/work/shared/fixtures/bootc-manifests/gsettings.json';

const key = (name: string, type: string, defaultText: string, extra: Partial<KeyInfo> = {}): KeyInfo => ({
  name,
  type,
  default: parseGVariant(defaultText, type),
  aliases: {},
  ...extra,
});

const ok = (info: KeyInfo, text: string, userSet = true): LiveKey => ({ state: 'ok', info, value: parseGVariant(text, info.type), userSet });

describe('manifestValue: a manifest value as the key type, as gsettings set reads it', () => {
  const cases: [text: string, info: KeyInfo, result: string][] = [
    ["'adw-gtk3'", key('t', 's', "''"), "'adw-gtk3'"],
    ['"adw-gtk3"', key('t', 's', "''"), "'adw-gtk3'"],
    // a bare word for a string key is that string
    ['adw-gtk3', key('t', 's', "''"), "'adw-gtk3'"],
    ['true', key('t', 's', "''"), "'true'"],
    ["it's", key('t', 's', "''"), `"it's"`],
    // ...but not when it starts with a quote
    ["'adw-gtk3", key('t', 's', "''"), `error: "'adw-gtk3" is not a value of type 's': unterminated string constant at column 1`],
    ['0', key('t', 'u', '0'), 'uint32 0'],
    ['uint32 0', key('t', 'u', '0'), 'uint32 0'],
    ['-1', key('t', 'u', '0'), `error: "-1" is not a value of type 'u': number out of range for type 'u' at column 1`],
    ['nothing', key('t', 'u', '0'), `error: "nothing" is not a value of type 'u': can not parse as value of type 'u' at column 1`],
    ["['<Super>']", key('t', 'as', '@as []'), "['<Super>']"],
    ['<Super>', key('t', 'as', '@as []'), `error: "<Super>" is not a value of type 'as': expected value at column 2`],
    ["'nothing'", key('t', 's', "'blank'", { choices: ['blank', 'nothing'] }), "'nothing'"],
    ["'hibernate'", key('t', 's', "'blank'", { choices: ['blank', 'nothing'] }), `error: "'hibernate'" is out of range: it must be one of 'blank', 'nothing'`],
    ['7200', key('t', 'i', '0', { range: { min: parseGVariant('0', 'i'), max: parseGVariant('3600', 'i') } }), `error: "7200" is out of range: it must be between 0 and 3600`],
  ];
  it.each(cases)('%s', (text, info, result) => {
    const value = manifestValue(text, info);
    expect('value' in value ? formatGVariant(value.value) : `error: ${value.error}`).toBe(result);
  });
});

describe('the real manifest', () => {
  const text = readFileSync(REAL, 'utf8');
  const manifest = parseManifest(REAL, text, gsettings.schema);

  // This machine has gsettings-desktop-schemas only: no mutter, no shell, no settings-daemon.
  const live: LiveGsettings = {
    searched: ['/usr/share/glib-2.0/schemas'],
    keys: new Map([
      ['org.gnome.desktop.interface cursor-theme', ok(key('cursor-theme', 's', "'Adwaita'"), "'Adwaita'", false)],
      ['org.gnome.desktop.interface gtk-theme', ok(key('gtk-theme', 's', "'Adwaita'"), "'adw-gtk3'")],
      ['org.gnome.desktop.interface icon-theme', ok(key('icon-theme', 's', "'Adwaita'"), '"WhiteSur"')],
      ['org.gnome.mutter overlay-key', { state: 'no-schema' }],
      ['org.gnome.settings-daemon.plugins.power sleep-inactive-ac-timeout', ok(key('sleep-inactive-ac-timeout', 'i', '1200'), '0')],
      ['org.gnome.settings-daemon.plugins.power sleep-inactive-ac-type', ok(key('sleep-inactive-ac-type', 's', "'suspend'", { choices: ['blank', 'suspend', 'shutdown', 'hibernate', 'interactive', 'nothing', 'logout'] }), "'suspend'", false)],
      ['org.gnome.shell.keybindings toggle-overview', { state: 'no-key', file: '/usr/share/glib-2.0/schemas/org.gnome.shell.gschema.xml' }],
    ]),
  };

  it('loads with its $schema and comments', () => {
    expect(manifest.value.settings).toHaveLength(7);
    expect(manifest.value.$schema).toBe('https://wycats.github.io/bootc/gsettings.schema.json');
  });

  it('gives drift for the changed keys only, with the manifest text and the live text', () => {
    expect(gsettings.compare(manifest, live)).toEqual([
      {
        id: 'gsettings:org.gnome.desktop.interface.cursor-theme',
        domain: 'gsettings',
        kind: 'modification',
        key: 'org.gnome.desktop.interface.cursor-theme',
        expected: "'Bibata-Modern-Classic'",
        actual: "'Adwaita'",
        detail: 'the schema default',
        data: { schema: 'org.gnome.desktop.interface', key: 'cursor-theme', type: 's', default: "'Adwaita'", captured: "'Adwaita'" },
      },
      {
        id: 'gsettings:org.gnome.settings-daemon.plugins.power.sleep-inactive-ac-type',
        domain: 'gsettings',
        kind: 'modification',
        key: 'org.gnome.settings-daemon.plugins.power.sleep-inactive-ac-type',
        expected: "'nothing'",
        actual: "'suspend'",
        detail: 'the schema default',
        data: { schema: 'org.gnome.settings-daemon.plugins.power', key: 'sleep-inactive-ac-type', type: 's', default: "'suspend'", captured: "'suspend'" },
      },
    ]);
  });

  it('reports what this machine lacks as problems at the lines of the file', () => {
    const line = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(gsettings.problems!(manifest, live)).toEqual([
      `${REAL}:${line('"org.gnome.mutter"')}:17: settings[3].schema: schema org.gnome.mutter is not installed on this machine (looked in /usr/share/glib-2.0/schemas)`,
      `${REAL}:${line('"toggle-overview"')}:14: settings[6].key: schema org.gnome.shell.keybindings (/usr/share/glib-2.0/schemas/org.gnome.shell.gschema.xml) has no key toggle-overview`,
    ]);
  });

  it('captures the live text into the value of the same setting', () => {
    const [item] = gsettings.compare(manifest, live);
    expect(gsettings.capture(item!, manifest)).toEqual([{ op: 'set', path: ['settings', 0, 'value'], value: "'Adwaita'" }]);
  });
});

describe('compare', () => {
  const manifestOf = (settings: object[]) => parseManifest('/m/gsettings.json', JSON.stringify({ settings }, null, 2), gsettings.schema);

  it('keeps unknown keys in the manifest and compares relocatable schemas by their given path', () => {
    const manifest = manifestOf([{ schema: 'org.example.Profile:/org/example/p/', key: 'name', value: "'x'", extra: true }]);
    expect(manifest.value.settings[0]).toMatchObject({ extra: true });
    const live: LiveGsettings = { searched: [], keys: new Map([['org.example.Profile:/org/example/p/ name', ok(key('name', 's', "''"), "'y'")]]) };
    expect(gsettings.compare(manifest, live).map((item) => [item.id, item.expected, item.actual])).toEqual([
      ['gsettings:org.example.Profile:/org/example/p/.name', "'x'", "'y'"],
    ]);
  });

  it('says which keys could not be read, and compares the rest', () => {
    const manifest = manifestOf([
      { schema: 'org.a', key: 'k', value: '1' },
      { schema: 'org.a', key: 'j', value: '1' },
    ]);
    const live: LiveGsettings = {
      searched: [],
      keys: new Map<string, LiveKey>([
        ['org.a k', { state: 'unreadable', reason: 'gsettings list-recursively org.a: No such schema' }],
        ['org.a j', ok(key('j', 'i', '0'), '2')],
      ]),
    };
    expect(gsettings.problems!(manifest, live)).toEqual(['/m/gsettings.json:5:14: settings[0].key: cannot read org.a.k: gsettings list-recursively org.a: No such schema']);
    expect(gsettings.compare(manifest, live).map((item) => item.id)).toEqual(['gsettings:org.a.j']);
  });

  it('refuses a manifest whose settings are not {schema, key, value}', () => {
    expect(() => manifestOf([{ schema: 'org.a', key: 'k', value: 0 }])).toThrow(/settings\[0\]\.value/);
    expect(() => manifestOf([{ schema: '', key: 'k', value: '0' }])).toThrow(/settings\[0\]\.schema/);
  });
});
