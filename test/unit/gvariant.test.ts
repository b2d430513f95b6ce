import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGVariant, gvariantEqual, GVariantParseError, parseGVariant, type GVariant } from '../../helper/gvariant.js';
import { arbitraryGVariant, arbitraryValueOf } from '../harness/gvariant-arbitrary.js';

// Expected texts are what GLib 2.74 prints for the same input
// (g_variant_print(value, TRUE), as `gsettings get` shows it, then FALSE).
describe('parseGVariant then formatGVariant', () => {
  const cases: [text: string, type: string | undefined, annotated: string, plain: string][] = [
    // strings: both quote styles, escapes, GLib picks the quote
    ["'adw-gtk3'", 's', "'adw-gtk3'", "'adw-gtk3'"],
    ['"adw-gtk3"', 's', "'adw-gtk3'", "'adw-gtk3'"],
    [`"it's"`, undefined, `"it's"`, `"it's"`],
    [`'it\\'s'`, undefined, `"it's"`, `"it's"`],
    [`'say "hi"'`, undefined, `'say "hi"'`, `'say "hi"'`],
    [`'a\\\\b'`, undefined, `'a\\\\b'`, `'a\\\\b'`],
    [`'tab\\there\\nnew'`, undefined, `'tab\\there\\nnew'`, `'tab\\there\\nnew'`],
    [`'\\u00e9\\u200b\\U0001F600'`, undefined, `'é\\u200b😀'`, `'é\\u200b😀'`],
    [`'\\x41'`, undefined, `'x41'`, `'x41'`],
    // numbers, with and without type prefixes
    ['0', 'u', 'uint32 0', '0'],
    ['uint32 0', undefined, 'uint32 0', '0'],
    ['uint32 5', 'u', 'uint32 5', '5'],
    ['int32 5', 'u', 'uint32 5', '5'],
    ['int64 -3', undefined, 'int64 -3', '-3'],
    ['-3', 'x', 'int64 -3', '-3'],
    ['18446744073709551615', 't', 'uint64 18446744073709551615', '18446744073709551615'],
    ['byte 0x10', undefined, 'byte 0x10', '0x10'],
    ['16', 'y', 'byte 0x10', '0x10'],
    ['int16 -7', undefined, 'int16 -7', '-7'],
    ['uint16 7', undefined, 'uint16 7', '7'],
    ['handle 3', undefined, 'handle 3', '3'],
    ['0x1F', undefined, '31', '31'],
    ['010', undefined, '8', '8'],
    ['42', undefined, '42', '42'],
    // doubles as C's %.17g, with ".0" when it would read as an integer
    ['1', 'd', '1.0', '1.0'],
    ['1.5', undefined, '1.5', '1.5'],
    ['0.1', 'd', '0.10000000000000001', '0.10000000000000001'],
    ['1e100', undefined, '1e+100', '1e+100'],
    ['1e-5', undefined, '1.0000000000000001e-05', '1.0000000000000001e-05'],
    ['123456789.0', undefined, '123456789.0', '123456789.0'],
    ['-0.0', undefined, '-0.0', '-0.0'],
    ['inf', undefined, 'inf', 'inf'],
    ['-inf', undefined, '-inf', '-inf'],
    ['nan', undefined, 'nan', 'nan'],
    ['double 2', undefined, '2.0', '2.0'],
    ['0x1p-1074', 'd', '4.9406564584124654e-324', '4.9406564584124654e-324'],
    // booleans, object paths, signatures
    ['true', undefined, 'true', 'true'],
    ['false', 'b', 'false', 'false'],
    ["objectpath '/a/b'", undefined, "objectpath '/a/b'", "'/a/b'"],
    ['"/"', 'o', "objectpath '/'", "'/'"],
    ["signature 'a{sv}'", undefined, "signature 'a{sv}'", "'a{sv}'"],
    // arrays, typed empties, dictionaries, dict entries, tuples, variants
    ["['<Super>']", 'as', "['<Super>']", "['<Super>']"],
    ['["a", \'b\']', undefined, "['a', 'b']", "['a', 'b']"],
    ['@as []', undefined, '@as []', '[]'],
    ['[]', 'as', '@as []', '[]'],
    ['@a{ss} {}', undefined, '@a{ss} {}', '{}'],
    ['{}', 'a{sv}', '@a{sv} {}', '{}'],
    ["{'a': 'b', 'c': 'd'}", 'a{ss}', "{'a': 'b', 'c': 'd'}", "{'a': 'b', 'c': 'd'}"],
    ["{'x': <uint32 1>, 'y': <'s'>}", undefined, "{'x': <uint32 1>, 'y': <'s'>}", "{'x': <uint32 1>, 'y': <'s'>}"],
    ['[1, 2]', 'au', '[uint32 1, 2]', '[1, 2]'],
    ['[1, 2.5]', undefined, '[1.0, 2.5]', '[1.0, 2.5]'],
    ["{1, 'one'}", undefined, "{1, 'one'}", "{1, 'one'}"],
    ['(1, 2)', '(ii)', '(1, 2)', '(1, 2)'],
    ["('a', true)", '(sb)', "('a', true)", "('a', true)"],
    ['(5,)', undefined, '(5,)', '(5,)'],
    ['()', undefined, '()', '()'],
    ["[('a', true), ('b', false)]", 'a(sb)', "[('a', true), ('b', false)]", "[('a', true), ('b', false)]"],
    ['<@as []>', undefined, '<@as []>', '<@as []>'],
    ['<<5>>', undefined, '<<5>>', '<<5>>'],
    // maybes: `just` only where it tells `just nothing` from `nothing`
    ['just 5', undefined, '@mi 5', '5'],
    ["'a'", 'ms', "@ms 'a'", "'a'"],
    ["just 'a'", 'ms', "@ms 'a'", "'a'"],
    ['nothing', 'ms', '@ms nothing', 'nothing'],
    ['@mb nothing', undefined, '@mb nothing', 'nothing'],
    ['just nothing', 'mmi', '@mmi just nothing', 'just nothing'],
    ['5', 'mmi', '@mmi 5', '5'],
    ['[just 5, nothing]', undefined, '[@mi 5, nothing]', '[5, nothing]'],
    ['@mas []', undefined, '@mas []', '[]'],
    // byte strings
    ["b'abc'", undefined, "b'abc'", "b'abc'"],
    [`b"it's"`, undefined, `b"it's"`, `b"it's"`],
    ["b'\\n\\001'", undefined, "b'\\n\\001'", "b'\\n\\001'"],
    ["b'a\\0b'", undefined, "b'a'", "b'a'"],
    ['@ay [0x61, 0x00]', undefined, "b'a'", "b'a'"],
    ['@ay [0x61]', undefined, '[byte 0x61]', '[0x61]'],
    ['@ay []', undefined, '@ay []', '[]'],
    // white space anywhere between tokens
    ["  [ 'a' ,\t'b' ]  ", undefined, "['a', 'b']", "['a', 'b']"],
  ];

  it.each(cases)('%s (type %s)', (text, type, annotated, plain) => {
    const value = parseGVariant(text, type);
    expect(formatGVariant(value)).toBe(annotated);
    expect(formatGVariant(value, { annotate: false })).toBe(plain);
  });
});

describe('parse errors say what and where', () => {
  const cases: [text: string, type: string | undefined, message: string][] = [
    ["['a', 'b'", undefined, "expected ',' or ']' to follow array element at column 10"],
    ["['a' 'b']", undefined, "expected ',' or ']' to follow array element at column 6"],
    ['[1,,2]', undefined, 'expected value at column 4'],
    ['(1)', undefined, "expected ',' after first tuple element at column 3"],
    ["{'a' 1}", undefined, "expected ':' or ',' to follow dictionary entry key at column 6"],
    ['<5', undefined, "expected '>' to follow variant value at column 3"],
    ["'abc", undefined, 'unterminated string constant at column 1'],
    ["'\\u00g0'", undefined, 'invalid 4-character unicode escape at column 4'],
    ["'\\u0000'", undefined, 'invalid 4-character unicode escape at column 4'],
    ["'\\U00110000'", undefined, 'invalid 8-character unicode escape at column 4'],
    // an escape that is no character fails when the string is made, after the syntax
    ["('\\U00110000' 5)", undefined, "expected ',' after first tuple element at column 15"],
    ['1x', undefined, 'invalid character in number at column 2'],
    ['08', undefined, 'invalid character in number at column 2'],
    ['0x', 'i', 'invalid character in number at column 2'],
    ['5.5', 'i', 'invalid character in number at column 2'],
    ['-1', 'u', "number out of range for type 'u' at column 1"],
    ['uint32 -1', undefined, "number out of range for type 'u' at column 8"],
    ['byte 256', undefined, "number out of range for type 'y' at column 6"],
    ['2147483648', 'i', "number out of range for type 'i' at column 1"],
    ['18446744073709551616', 't', 'integer too big for any type at column 1'],
    ['1e999', undefined, 'number too big for any type at column 1'],
    // glibc's strtod reports a decimal subnormal as out of range, so GLib refuses it
    ['4.9e-324', undefined, 'number too big for any type at column 1'],
    ['5 6', undefined, 'expected end of input at column 3'],
    ['@zz 5', undefined, 'invalid type declaration at column 1'],
    ['@a* []', undefined, 'type declarations must be definite at column 1'],
    ['foo 5', undefined, 'unknown keyword at column 1'],
    ['null', undefined, 'unknown keyword at column 1'],
    ['[]', undefined, 'unable to infer type at column 1'],
    ['{}', undefined, 'unable to infer type at column 1'],
    ['nothing', undefined, 'unable to infer type at column 1'],
    ["[1, 'a']", undefined, 'unable to find a common type at column 2'],
    ['{[1]: 2}', undefined, 'dictionary keys must have basic types at column 1'],
    ["'a'", 'u', "can not parse as value of type 'u' at column 1"],
    ['5', 's', "can not parse as value of type 's' at column 1"],
    ["['a']", 'a{ss}', "can not parse as value of type '{ss}' at column 2"],
    ['5', 'a{ss}', "can not parse as value of type 'a{ss}' at column 1"],
    ['(1, 2, 3)', '(ii)', "can not parse as value of type '(ii)' at column 1"],
    ['just just nothing', 'mmi', "can not parse as value of type 'i' at column 11"],
    ["'/a/'", 'o', 'not a valid object path at column 1'],
    ["'m'", 'g', 'not a valid signature at column 1'],
    ['', undefined, 'expected value at column 1'],
    ['[\n 1,\n x]', undefined, 'expected value at line 3, column 2'],
    [`${'['.repeat(129)}${']'.repeat(129)}`, undefined, 'variant nested too deeply at column 129'],
  ];

  it.each(cases)('%s (type %s)', (text, type, message) => {
    let error: unknown;
    try {
      parseGVariant(text, type);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GVariantParseError);
    expect((error as GVariantParseError).message).toBe(message);
  });

  it('carries the offsets, line and column of the offending text', () => {
    const error = (() => {
      try {
        parseGVariant("uint32 'x'");
      } catch (caught) {
        return caught as GVariantParseError;
      }
      throw new Error('parsed');
    })();
    expect(error).toMatchObject({ reason: "can not parse as value of type 'u'", start: 7, end: 10, line: 1, column: 8, text: "uint32 'x'" });
  });

  it('refuses an expected type that is not a definite type string', () => {
    expect(() => parseGVariant('1', 'a')).toThrow(TypeError);
    expect(() => parseGVariant('1', '*')).toThrow("not a definite GVariant type: '*'");
  });
});

describe('gvariantEqual compares typed values', () => {
  const same: [string, string, string][] = [
    ["'a'", '"a"', 's'],
    ['0', 'uint32 0', 'u'],
    ['0x10', '16', 'u'],
    ['1', '1.0', 'd'],
    ["['<Super>']", '["<Super>"]', 'as'],
    ["{'a': 'b'}", '{"a": "b"}', 'a{ss}'],
    ["'x'", "just 'x'", 'ms'],
    ['[]', '@as []', 'as'],
    ['nan', 'nan', 'd'],
    ['<1>', '<int32 1>', 'v'],
  ];
  it.each(same)('%s equals %s as %s', (a, b, type) => {
    expect(gvariantEqual(parseGVariant(a, type), parseGVariant(b, type))).toBe(true);
  });

  const different: [string, string | undefined, string, string | undefined][] = [
    ["'a'", 's', "'b'", 's'],
    ['0', 'u', '0', 'i'],
    ['<1>', undefined, '<uint32 1>', undefined],
    ['0.0', 'd', '-0.0', 'd'],
    ['nothing', 'ms', "''", 'ms'],
    ["['a', 'b']", 'as', "['b', 'a']", 'as'],
    ["['a']", 'as', "['a', 'a']", 'as'],
    ['just nothing', 'mmi', 'nothing', 'mmi'],
  ];
  it.each(different)('%s (%s) differs from %s (%s)', (a, typeA, b, typeB) => {
    expect(gvariantEqual(parseGVariant(a, typeA), parseGVariant(b, typeB))).toBe(false);
  });
});

describe('properties', () => {
  const roundTrips = (text: string, type: string | undefined, value: GVariant) => gvariantEqual(parseGVariant(text, type), value);

  it('formatting then parsing with the type gives the same value', () => {
    fc.assert(fc.property(arbitraryGVariant, (value) => roundTrips(formatGVariant(value), value.type, value)), { numRuns: 2000 });
  });

  it('the annotated text alone says its type', () => {
    fc.assert(fc.property(arbitraryGVariant, (value) => roundTrips(formatGVariant(value), undefined, value)), { numRuns: 2000 });
  });

  it('the plain text parses back given the type', () => {
    fc.assert(fc.property(arbitraryGVariant, (value) => roundTrips(formatGVariant(value, { annotate: false }), value.type, value)), { numRuns: 2000 });
  });

  it('formatting is canonical: the text of the parsed text is the same text', () => {
    fc.assert(
      fc.property(arbitraryGVariant, (value) => {
        const text = formatGVariant(value);
        expect(formatGVariant(parseGVariant(text))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('doubles print with 17 significant digits and parse back bit for bit', () => {
    fc.assert(
      fc.property(arbitraryValueOf('d'), (value) => {
        const text = formatGVariant(value);
        expect(Object.is(parseGVariant(text).value, value.value)).toBe(true);
        const digits = text.replace(/^-|e.*$/g, '').replace(/\.0$/, '').replace('.', '').replace(/^0+/, '');
        if (Number.isFinite(value.value)) expect(digits.length).toBeLessThanOrEqual(17);
      }),
      { numRuns: 2000 },
    );
  });

  it('common texts read without the general parser give its values (a leading space takes the parser)', () => {
    const reading = (text: string, type?: string) => {
      try {
        return parseGVariant(text, type);
      } catch (error) {
        return (error as GVariantParseError).reason;
      }
    };
    const same = (text: string, type?: string) => expect(reading(text, type)).toEqual(reading(` ${text}`, type));
    for (const type of ['s', 'b', 'i', 'u', 'd', 'as']) {
      fc.assert(
        fc.property(arbitraryValueOf(type), (value) => {
          for (const text of [formatGVariant(value), formatGVariant(value, { annotate: false })]) {
            same(text, type);
            if (text !== '[]') same(text);
          }
        }),
        { numRuns: 300 },
      );
    }
    for (const [text, type] of [['-0.0', 'd'], ['-0', 'd'], ['0.5', undefined], ['[]', 'as'], ["['', 'b c']", undefined], ['uint32 4294967295', 'u']] as const) same(text, type);
    expect(Object.is(parseGVariant('-0.0', 'd').value, -0)).toBe(true);
    expect(() => parseGVariant('[]')).toThrow(GVariantParseError);
    expect(() => parseGVariant('uint32 4294967296')).toThrow(GVariantParseError);
  });

  it('a string in either quote style is the same value', () => {
    fc.assert(
      fc.property(arbitraryValueOf('s'), (value) => {
        const text = formatGVariant(value);
        const inner = text.slice(1, -1);
        // Swap the quote: escape the new one, unescape the old one.
        const quote = text[0] === "'" ? '"' : "'";
        const swapped = inner.replace(/\\(.)|(["'])/gsu, (match: string, escaped?: string, bare?: string): string =>
          escaped !== undefined && escaped === text[0] ? escaped : bare === quote ? `\\${bare}` : match,
        );
        expect(gvariantEqual(parseGVariant(`${quote}${swapped}${quote}`, 's'), value)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
