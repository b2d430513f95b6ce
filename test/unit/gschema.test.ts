import { describe, expect, it } from 'vitest';
import { SchemaFileError, parseSchemaFile } from '../../helper/gschema-xml.js';
import { effectiveValue, inRange, resolveKeys, type KeyInfo, type ResolveContext } from '../../helper/gschema.js';
import { formatGVariant, parseGVariant } from '../../helper/gvariant.js';
import { parseKeyfile } from '../../helper/keyfile.js';

/** Keyfiles as GSettings reads them: values as written (GVariant text). */
const parseKeyFile = (text: string) => parseKeyfile(text, { unescape: false });

const FILE = `<?xml version="1.0" encoding="UTF-8"?>
<schemalist gettext-domain="example">
  <enum id="org.example.Mode">
    <value nick="blank" value="0"/>
    <value nick="suspend" value="1"/>
  </enum>
  <flags id="org.example.Days">
    <value nick="mon" value="1"/>
    <value nick="tue" value="2"/>
  </flags>
  <schema id="org.example.Base" path="/org/example/base/">
    <key name="size" type="i">
      <default>10</default>
      <range min="1" max="100"/>
      <summary>Size</summary>
    </key>
    <key name="name" type="s"><default l10n="messages" context="name">'Base &amp; co'</default></key>
  </schema>
  <schema id="org.example.Derived" path="/org/example/derived/" extends="org.example.Base">
    <override name="size">20</override>
    <key name="mode" enum="org.example.Mode"><default>'suspend'</default></key>
    <key name="days" flags="org.example.Days"><default>['mon']</default></key>
    <key name="font" type="s">
      <default>'Sans'</default>
      <choices><choice value="Sans"/><choice value="Serif"/></choices>
      <aliases><alias value="sans-serif" target="Sans"/></aliases>
    </key>
    <key name="shortcut" type="as"><default><![CDATA[['<Super>a']]]></default></key>
    <child name="sub" schema="org.example.Sub"/>
  </schema>
  <schema id="org.example.Relocatable">
    <key name="x" type="b"><default>true</default></key>
  </schema>
</schemalist>
`;

const parsed = parseSchemaFile(FILE, 'org.example.gschema.xml');
const byId = (id: string) => parsed.schemas.find((s) => s.id === id)!;
const context: ResolveContext = { enumNicks: (id, kind) => (kind === 'enum' ? parsed.enums[id] : parsed.flags[id]), desktops: [] };
const text = (keys: Map<string, KeyInfo>, name: string) => formatGVariant(keys.get(name)!.default);

describe('parseSchemaFile', () => {
  it('reads schemas, keys, defaults, ranges, choices, aliases, overrides, enums and flags', () => {
    expect(parsed.enums).toEqual({ 'org.example.Mode': ['blank', 'suspend'] });
    expect(parsed.flags).toEqual({ 'org.example.Days': ['mon', 'tue'] });
    expect(parsed.schemas.map((s) => [s.id, s.path, s.extends])).toEqual([
      ['org.example.Base', '/org/example/base/', undefined],
      ['org.example.Derived', '/org/example/derived/', 'org.example.Base'],
      ['org.example.Relocatable', undefined, undefined],
    ]);
    expect(byId('org.example.Base').keys).toEqual([
      { name: 'size', type: 'i', default: '10', range: { min: '1', max: '100' }, aliases: {} },
      { name: 'name', type: 's', default: "'Base & co'", aliases: {} },
    ]);
    const derived = byId('org.example.Derived');
    expect(derived.overrides).toEqual({ size: '20' });
    expect(derived.keys).toEqual([
      { name: 'mode', enum: 'org.example.Mode', default: "'suspend'", aliases: {} },
      { name: 'days', flags: 'org.example.Days', default: "['mon']", aliases: {} },
      { name: 'font', type: 's', default: "'Sans'", choices: ['Sans', 'Serif'], aliases: { 'sans-serif': 'Sans' } },
      { name: 'shortcut', type: 'as', default: "['<Super>a']", aliases: {} },
    ]);
  });

  it('refuses a file that is not well-formed XML, naming it', () => {
    expect(() => parseSchemaFile('<schemalist><schema id="a">', 'broken.gschema.xml')).toThrow(SchemaFileError);
    expect(() => parseSchemaFile('<schemalist><schema id="a">', 'broken.gschema.xml')).toThrow(/^broken\.gschema\.xml: not a schema file: /);
  });
});

describe('parseKeyfile without unescaping', () => {
  it('reads groups of raw values, as GLib keyfiles are written', () => {
    const file = parseKeyFile(
      [
        '# comment',
        '[org.example.Base]',
        "name='a=b'",
        'size = 5',
        'name[de]=ignored',
        '',
        '[org/example/derived]',
        "font='Serif'\r",
        '[org.example.Base]',
        'size=6',
      ].join('\n'),
    );
    expect([...file].map(([group, entries]) => [group, Object.fromEntries(entries)])).toEqual([
      ['org.example.Base', { name: "'a=b'", size: '6' }],
      ['org/example/derived', { font: "'Serif'" }],
    ]);
  });
});

describe('resolveKeys', () => {
  const base = resolveKeys(byId('org.example.Base'), undefined, [], context);
  const derived = resolveKeys(byId('org.example.Derived'), base, [], context);

  it('gives enum keys type s with their nicks as choices, flags keys type as', () => {
    expect(derived.get('mode')).toMatchObject({ type: 's', choices: ['blank', 'suspend'] });
    expect(derived.get('days')).toMatchObject({ type: 'as', choices: ['mon', 'tue'] });
    expect(text(derived, 'days')).toBe("['mon']");
  });

  it("takes the base schema's keys for extends, with the derived schema's <override>", () => {
    expect([...derived.keys()]).toEqual(['size', 'name', 'mode', 'days', 'font', 'shortcut']);
    expect(text(base, 'size')).toBe('10');
    expect(text(derived, 'size')).toBe('20');
    expect(derived.get('size')!.range).toEqual({ min: parseGVariant('1', 'i'), max: parseGVariant('100', 'i') });
  });

  it('applies vendor override files in order, a later one winning, skipping values that do not fit the key', () => {
    const files = [
      parseKeyFile("[org.example.Base]\nsize=30\nname='first'\n"),
      parseKeyFile("[org.example.Base]\nsize=40\nname=5\n[org.example.Other]\nsize=1\n"),
      parseKeyFile('[org.example.Base]\nsize=500\n'),
    ];
    const keys = resolveKeys(byId('org.example.Base'), undefined, files, context);
    expect([text(keys, 'size'), text(keys, 'name')]).toEqual(['40', "'first'"]);
  });

  it("uses the first current desktop's own group over the plain one", () => {
    const files = [parseKeyFile('[org.example.Base]\nsize=30\n[org.example.Base:KDE]\nsize=31\n[org.example.Base:GNOME]\nsize=32\n')];
    const on = (desktops: string[]) => text(resolveKeys(byId('org.example.Base'), undefined, files, { ...context, desktops }), 'size');
    expect([on([]), on(['GNOME']), on(['ubuntu', 'GNOME', 'KDE']), on(['KDE', 'GNOME']), on(['XFCE'])]).toEqual(['30', '32', '32', '31', '30']);
  });

  it('resolves only the wanted keys, and leaves out a key whose default does not fit it', () => {
    const schema = { ...byId('org.example.Base'), keys: [...byId('org.example.Base').keys, { name: 'bad', type: 'u', default: '-1', aliases: {} }] };
    expect([...resolveKeys(schema, undefined, [], context).keys()]).toEqual(['size', 'name']);
    expect([...resolveKeys(schema, undefined, [], context, new Set(['name', 'bad'])).keys()]).toEqual(['name']);
  });
});

describe('effectiveValue: what GSettings shows for a stored value', () => {
  const base = resolveKeys(byId('org.example.Base'), undefined, [], context);
  const derived = resolveKeys(byId('org.example.Derived'), base, [], context);
  const cases: [key: string, stored: string | undefined, shown: string, userSet: boolean][] = [
    ['size', undefined, '20', false],
    ['size', '50', '50', true],
    ['size', 'int32 50', '50', true],
    // another type than the key's: ignored
    ['size', 'uint32 50', '20', false],
    ['size', "'50'", '20', false],
    // out of range: ignored
    ['size', '101', '20', false],
    ['mode', "'blank'", "'blank'", true],
    ['mode', "'hibernate'", "'suspend'", false],
    ['days', "['tue', 'mon']", "['tue', 'mon']", true],
    ['days', "['wed']", "['mon']", false],
    // an alias reads as its target
    ['font', "'sans-serif'", "'Sans'", true],
    ['font', "'Mono'", "'Sans'", false],
    ['shortcut', '@as []', '@as []', true],
    ['shortcut', "'<Super>b'", "['<Super>a']", false],
  ];
  it.each(cases)('%s stored as %s shows %s', (key, stored, shown, userSet) => {
    // dconf holds typed values: the text is what `dconf read` prints for one.
    const result = effectiveValue(derived.get(key)!, stored === undefined ? undefined : parseGVariant(stored));
    expect([formatGVariant(result.value), result.userSet]).toEqual([shown, userSet]);
  });

  it('checks ranges and choices item by item inside containers', () => {
    const info = { choices: ['a', 'b'] };
    expect(inRange(info, parseGVariant("[('a', <'b'>)]", 'a(sv)'))).toBe(true);
    expect(inRange(info, parseGVariant("[('a', <'c'>)]", 'a(sv)'))).toBe(false);
    expect(inRange(info, parseGVariant('nothing', 'ms'))).toBe(true);
    expect(inRange({ range: { min: parseGVariant('0', 'd'), max: parseGVariant('1', 'd') } }, parseGVariant('1.5', 'd'))).toBe(false);
  });
});
