import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isValidUnitName,
  mangleUnitName,
  parseUnitArgument,
  replaceInstance,
  unitInstance,
  unitNameKind,
  unitTemplate,
} from '../../helper/systemd/unit-name.js';

describe('unit names as systemd defines them', () => {
  it.each([
    ['tuned.service', 'plain'],
    ['getty@tty1.service', 'instance'],
    ['getty@.service', 'template'],
    ['user@1000.service', 'instance'],
    ['a@b@c.service', 'instance'],
    ['dev-disk-by\\x2dlabel-root.device', 'plain'],
    ['systemd-fsck@dev-disk-by\\x2duuid-1234.service', 'instance'],
    ['-.mount', 'plain'],
    ['foo:bar_baz.socket', 'plain'],
    ['tuned', undefined],
    ['tuned.services', undefined],
    ['.service', undefined],
    ['@foo.service', undefined],
    ['my app.service', undefined],
    ['é.service', undefined],
    [`${'a'.repeat(247)}.service`, 'plain'],
    [`${'a'.repeat(248)}.service`, undefined],
  ])('%s is %s', (name, kind) => {
    expect(unitNameKind(name)).toBe(kind);
  });

  it('takes templates and instances apart and together', () => {
    expect(unitTemplate('getty@tty1.service')).toBe('getty@.service');
    expect(unitTemplate('getty@.service')).toBe('getty@.service');
    expect(unitTemplate('tuned.service')).toBeUndefined();
    expect(unitInstance('a@b@c.service')).toBe('b@c');
    expect(unitInstance('getty@.service')).toBeUndefined();
    expect(replaceInstance('getty@.service', 'tty2')).toBe('getty@tty2.service');
    expect(replaceInstance('getty@tty1.service', 'tty2')).toBe('getty@tty2.service');
    expect(replaceInstance('getty@.service', 'a b')).toBeUndefined();
    expect(replaceInstance('tuned.service', 'x')).toBeUndefined();
  });
});

describe('unit names given on the command line', () => {
  it.each([
    ['tuned', 'tuned.service'],
    ['tuned.service', 'tuned.service'],
    ['tuned.socket', 'tuned.socket'],
    ['getty@tty1', 'getty@tty1.service'],
    ['getty@', 'getty@.service'],
    ['org.gnome.Shell', 'org.gnome.Shell.service'],
    ['dev-disk-by\\x2dlabel-root.device', 'dev-disk-by\\x2dlabel-root.device'],
  ])('%s names %s', (argument, name) => {
    expect(parseUnitArgument(argument)).toEqual({ ok: true, name });
  });

  it.each([
    ['', 'invalid unit name "": it is empty'],
    ['tuned*', 'invalid unit name "tuned*": patterns are not accepted here; name each unit'],
    ['/home', 'invalid unit name "/home": a path is not a unit name; for a mount unit use `systemd-escape --path --suffix=mount PATH`'],
    ['my app', 'invalid unit name "my app": the character " " is not allowed; escaped, the name is "my\\x20app.service" (see systemd-escape)'],
    ['café.service', 'invalid unit name "café.service": the character "é" is not allowed; escaped, the name is "caf\\xc3\\xa9.service" (see systemd-escape)'],
    ['@foo.service', 'invalid unit name "@foo.service": the name before "@" is empty'],
    ['.service', 'invalid unit name ".service": the name before the suffix is empty'],
    ['home@x.mount', 'invalid unit name "home@x.mount": .mount units cannot be templates or instances'],
    [`${'a'.repeat(250)}`, `invalid unit name "${'a'.repeat(250)}": it is 258 characters long; systemd allows 255`],
  ])('%j is refused', (argument, error) => {
    expect(parseUnitArgument(argument)).toEqual({ ok: false, error });
  });

  it('accepts every valid unit name unchanged', () => {
    const char = fc.constantFrom(...'abcXYZ019:-_.\\');
    const stem = fc.string({ unit: char, minLength: 1, maxLength: 20 });
    const name = fc
      .tuple(stem, fc.option(fc.string({ unit: char, maxLength: 10 }), { nil: undefined }), fc.constantFrom('service', 'socket', 'timer', 'target', 'path'))
      .map(([prefix, instance, type]) => (instance === undefined ? `${prefix}.${type}` : `${prefix}@${instance}.${type}`));
    fc.assert(
      fc.property(name, (unit) => {
        expect(isValidUnitName(unit)).toBe(true);
        expect(parseUnitArgument(unit)).toEqual({ ok: true, name: unit });
      }),
    );
  });

  it('suggests, for any refused character, an escaped name systemd accepts', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (text) => {
        const result = parseUnitArgument(`x${text}`);
        const suggestion = !result.ok && /escaped, the name is "(.*)" \(see systemd-escape\)$/.exec(result.error)?.[1];
        if (suggestion && suggestion.length <= 255) expect(isValidUnitName(suggestion)).toBe(true);
      }),
    );
    expect(mangleUnitName('a/b c')).toBe('a-b\\x20c');
  });
});
