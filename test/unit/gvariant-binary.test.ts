// The serialised form of GVariant: the examples of GLib's GVariant
// specification (docs/reference/glib/gvariant-specification-1.0.rst), byte for
// byte, and GLib's reading of malformed data. Where GLib reads a non-normal
// example otherwise than the specification says, the test follows GLib (what
// dconf does) and says so; test/integration/gvariant-binary-glib.test.ts checks
// thousands more against GLib itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGVariant, GVariantReader } from '../../helper/gvariant-binary.js';
import { formatGVariant, type GVariant } from '../../helper/gvariant.js';
import { arbitraryType, tupleItems } from '../harness/gvariant-arbitrary.js';

/** Bytes written as in the specification: hex pairs, 'c for a character, \0 for NUL, sp for a space, -- ## @@ for padding. */
function bytes(text: string): Uint8Array {
  return new Uint8Array(
    text
      .trim()
      .split(/\s+/)
      .filter((token) => token !== '')
      .map((token) => {
        if (token === '\\0' || token === '--' || token === '##' || token === '@@') return 0;
        if (token === 'sp') return 0x20;
        if (token.startsWith("'")) return token.charCodeAt(1);
        return parseInt(token, 16);
      }),
  );
}

const read = (type: string, text: string, bigEndian = false) => formatGVariant(decodeGVariant(bytes(text), type, { bigEndian }));

describe('the specification’s examples of the normal form', () => {
  it.each([
    ['s', "'h 'e 'l 'l 'o sp 'w 'o 'r 'l 'd \\0", "'hello world'"],
    ['ms', "'h 'e 'l 'l 'o sp 'w 'o 'r 'l 'd \\0 @@", "@ms 'hello world'"],
    ['ab', '01 00 00 01 01', '[true, false, false, true, true]'],
    ['(si)', "'f 'o 'o \\0 ff ff ff ff 04", "('foo', -1)"],
    // The specification leaves out the array's last framing offset (15) here and the inner array's (04 0d) below: these are the bytes GLib writes.
    ['a(si)', "'h 'i \\0 -- fe ff ff ff 03 ## ## ## 'b 'y 'e \\0 ff ff ff ff 04 09 15", "[('hi', -2), ('bye', -1)]"],
    ['as', "'i \\0 'c 'a 'n \\0 'h 'a 's \\0 's 't 'r 'i 'n 'g 's '? \\0 02 06 0a 13", "['i', 'can', 'has', 'strings?']"],
    ['((ys)as)', "'i 'c 'a 'n \\0 'h 'a 's \\0 's 't 'r 'i 'n 'g 's '? \\0 04 0d 05", "((byte 0x69, 'can'), ['has', 'strings?'])"],
    ['(yy)', '70 80', '(byte 0x70, byte 0x80)'],
    ['(iy)', '60 00 00 00 70 -- -- --', '(96, byte 0x70)'],
    ['(yi)', '70 -- -- -- 60 00 00 00', '(byte 0x70, 96)'],
    ['a(iy)', '60 00 00 00 70 -- -- -- 88 02 00 00 f7 -- -- --', '[(96, byte 0x70), (648, 0xf7)]'],
    ['ay', '04 05 06 07', '[byte 0x04, 0x05, 0x06, 0x07]'],
    ['ai', '04 00 00 00 02 01 00 00', '[4, 258]'],
    ['{si}', "'a sp 'k 'e 'y \\0 -- -- 02 02 00 00 06", "{'a key', 514}"],
  ])('%s: %s is %s', (type, data, shown) => {
    expect(read(type, data)).toBe(shown);
  });

  it('reads the structure of 16-bit integers and strings of its figure: (nsns) [257, "xx", 514, ""]', () => {
    expect(read('(nsns)', "01 01 'x 'x \\0 -- 02 02 \\0 05")).toBe("(int16 257, 'xx', int16 514, '')");
  });

  it('reads the unit tuple from its one byte, and every basic type', () => {
    expect(read('()', '00')).toBe('()');
    expect(read('n', 'ff 7f')).toBe('int16 32767');
    expect(read('q', 'ff ff')).toBe('uint16 65535');
    expect(read('u', 'ff ff ff ff')).toBe('uint32 4294967295');
    expect(read('h', 'ff ff ff ff')).toBe('handle -1');
    expect(read('x', '00 00 00 00 00 00 00 80')).toBe('int64 -9223372036854775808');
    expect(read('t', 'ff ff ff ff ff ff ff ff')).toBe('uint64 18446744073709551615');
    expect(read('d', '00 00 00 00 00 00 f8 3f')).toBe('1.5');
    expect(read('o', "'/ 'a '/ 'b \\0")).toBe("objectpath '/a/b'");
    expect(read('g', "'a '{ 's 'v '} '( 'i 'i ') \\0")).toBe("signature 'a{sv}(ii)'");
    expect(read('v', "'x \\0 \\0 's")).toBe("<'x'>");
    expect(read('mi', '')).toBe('@mi nothing');
    expect(read('a{sv}', "'k \\0 -- -- -- -- -- -- 05 00 00 00 \\0 'i 02 0f")).toBe("{'k': <5>}");
  });
});

describe('big-endian data (a database written on a big-endian machine)', () => {
  it('reads numbers big-endian and framing offsets little-endian, as always', () => {
    expect(read('i', '00 00 01 02', true)).toBe('258');
    expect(read('(yi)', '70 -- -- -- 00 00 00 60', true)).toBe('(byte 0x70, 96)');
    expect(read('ax', '00 00 00 00 00 00 00 01 ff ff ff ff ff ff ff fe', true)).toBe('[int64 1, -2]');
    expect(read('d', '3f f8 00 00 00 00 00 00', true)).toBe('1.5');
    expect(read('a(si)', "'h 'i \\0 -- ff ff ff fe 03 ## ## ## 'b 'y 'e \\0 ff ff ff ff 04 09 15", true)).toBe("[('hi', -2), ('bye', -1)]");
    expect(read('v', "00 00 00 05 \\0 'u", true)).toBe('<uint32 5>');
  });
});

describe('malformed data, read as GLib reads it', () => {
  it.each([
    // Wrong size for a fixed-size value: its default.
    ['i', '07 33 90', '0'],
    // Non-zero padding is ignored.
    ['(yi)', '55 66 77 88 02 01 00 00', '(byte 0x55, 258)'],
    // A boolean other than 0 or 1 is true.
    ['ab', '01 00 03 04 00 01 ff 80 00', '[true, false, true, true, false, true, true, true, false]'],
    // An unterminated string is the empty string.
    ['as', "'h 'e 'l 'l 'o sp 'w 'o 'r 'l 'd \\0 0b 0c", "['', '']"],
    // The specification reads 'foo' up to the embedded NUL; GLib refuses the whole string.
    ['s', "'f 'o 'o \\0 'b 'a 'r \\0", "''"],
    ['s', "'f 'o 'o \\0 'b 'a 'r", "''"],
    ['mi', '33 44 55 66 77 88', '@mi nothing'],
    ['a(yy)', '03 04 05 06 07', '@a(yy) []'],
    // A child whose end lies outside the container, and the one starting there: defaults.
    ['as', "'f 'o 'o \\0 'b 'a 'r \\0 'b 'a 'z \\0 04 10 0c", "['foo', '', '']"],
    // An offset going backwards: the specification reads the third element as 'foo'; GLib frames no element after one out of order.
    ['as', "'f 'o 'o \\0 'b 'a 'r \\0 'b 'a 'z \\0 04 00 0c", "['foo', '', '']"],
    // Members whose framing offsets do not fit: defaults, the others as usual.
    ['(ayayayayay)', '03 02 01', '([byte 0x03], [byte 0x02], [byte 0x01], @ay [], @ay [])'],
    // The specification reads ('x', '', 120); GLib frames no member after the one that ends before it starts.
    ['(ssn)', '78 00 00 02', "('x', '', int16 0)"],
    // A final framing offset past the end: the empty array.
    ['as', "'a \\0 09", '@as []'],
  ])('%s: %s reads as %s', (type, data, shown) => {
    expect(read(type, data)).toBe(shown);
  });

  it('gives strings, object paths and signatures their defaults when invalid', () => {
    expect(read('s', 'c3 28 \\0')).toBe("''");
    expect(read('s', 'ed a0 80 \\0')).toBe("''");
    expect(read('o', "'/ 'a '/ '/ 'b \\0")).toBe("objectpath '/'");
    expect(read('o', "'/ 'a '/ \\0")).toBe("objectpath '/'");
    expect(read('o', "'a \\0")).toBe("objectpath '/'");
    expect(read('g', "'m 's \\0")).toBe("signature ''");
    expect(read('g', "'a \\0")).toBe("signature ''");
    expect(read('s', '')).toBe("''");
  });

  it('gives a variant without a valid definite type the unit tuple', () => {
    expect(read('v', '')).toBe('<()>');
    expect(read('v', "05 00 00 00 'i")).toBe('<()>');
    expect(read('v', "05 00 00 00 \\0 'a")).toBe('<()>');
    expect(read('v', "05 00 00 00 \\0 'a 'i 'i")).toBe('<()>');
    expect(read('v', "05 00 00 \\0 'i")).toBe('<()>');
    expect(read('v', "\\0 'm '*")).toBe('<()>');
    // A variable-size child of no bytes is that type's default.
    expect(read('v', "\\0 'o")).toBe("<objectpath '/'>");
  });

  it('keeps the sign of a NaN, as GLib prints it', () => {
    expect(read('d', '00 00 00 00 00 00 f8 ff')).toBe('-nan');
    expect(read('d', '00 00 00 00 00 00 f8 7f')).toBe('nan');
  });

  it('refuses a type that is not a definite type, or bytes outside the buffer, saying which', () => {
    expect(() => new GVariantReader(new Uint8Array(4)).read('i', 2)).not.toThrow();
    expect(() => new GVariantReader(new Uint8Array(4)).read('i', 2, 4)).toThrow(new RangeError('GVariant bytes 2..6 lie outside the 4-byte buffer'));
    expect(() => decodeGVariant(new Uint8Array(), 'a')).toThrow("not a definite GVariant type: 'a'");
    expect(() => decodeGVariant(new Uint8Array(), 'm*')).toThrow("not a definite GVariant type: 'm*'");
  });
});

/** Whether every part of `value` has the type its container says. */
function wellTyped(value: GVariant, type: string): boolean {
  if (value.type !== type) return false;
  switch (value.kind) {
    case 'variant':
      return wellTyped(value.value, value.value.type);
    case 'maybe':
      return value.value === null || wellTyped(value.value, type.slice(1));
    case 'array':
      return value.value.every((item) => wellTyped(item, type.slice(1)));
    case 'tuple':
      return tupleItems(type).every((item, i) => value.value[i] !== undefined && wellTyped(value.value[i], item)) && value.value.length === tupleItems(type).length;
    case 'entry':
      return wellTyped(value.value[0], type[1]!) && wellTyped(value.value[1], type.slice(2, -1));
    default:
      return true;
  }
}

describe('any bytes of any type', () => {
  it('read to a value of that type, all through, in either byte order, without throwing', () => {
    fc.assert(
      fc.property(arbitraryType(4), fc.uint8Array({ maxLength: 64 }), fc.boolean(), (type, data, bigEndian) => {
        expect(wellTyped(decodeGVariant(data, type, { bigEndian }), type)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
