// fast-check generators of GVariant types and typed values, for the property
// tests of helper/gvariant.ts and for the round trips through real gsettings.
import fc from 'fast-check';
import type { GVariant } from '../../helper/gvariant.js';

const BASIC = ['b', 'y', 'n', 'q', 'i', 'u', 'x', 't', 'h', 'd', 's', 'o', 'g'] as const;

/** A definite GVariant type string, nested at most `depth` containers deep. */
export function arbitraryType(depth = 3): fc.Arbitrary<string> {
  const basic = fc.constantFrom(...BASIC);
  if (depth === 0) return basic;
  const inner = arbitraryType(depth - 1);
  return fc.oneof(
    { weight: 4, arbitrary: basic },
    { weight: 1, arbitrary: fc.constant('v') },
    { weight: 2, arbitrary: inner.map((t) => `a${t}`) },
    { weight: 1, arbitrary: inner.map((t) => `m${t}`) },
    { weight: 2, arbitrary: fc.array(inner, { maxLength: 3 }).map((ts) => `(${ts.join('')})`) },
    { weight: 2, arbitrary: fc.tuple(basic, inner).map(([k, v]) => `a{${k}${v}}`) },
  );
}

// Numbers a double can hold that GLib's parser refuses: strtod reports the
// subnormals as out of range, so g_variant_print's text of one does not parse back.
const isSubnormal = (x: number) => x !== 0 && Math.abs(x) < 2.2250738585072014e-308;

// Characters whose Unicode category every GLib and Node agree on (what is
// assigned changes between Unicode versions, and GLib escapes the unassigned):
// ASCII and Latin-1 with their controls, combining marks, CJK, emoji, format
// characters, private use, a line separator, and code points never assigned.
const character = fc.oneof(
  fc.constantFrom("'", '"', '\\', '\n', '\t', '\x07', '\x1b', '\x7f', '\u0085', '\u200b', '\u2028', '\ufeff', '\ue000', '\uffff', '\u{E0001}', '\u{50000}'),
  ...[
    [0x01, 0x7f],
    [0xa0, 0x36f],
    [0x4e00, 0x9fa5],
    [0x1f600, 0x1f64f],
  ].map(([min, max]) => fc.integer({ min: min!, max: max! }).map((code) => String.fromCodePoint(code))),
);

/** Text GLib can hold in a string: no NUL; quotes, escapes and odd characters likely. */
export const arbitraryText = fc.array(character, { maxLength: 12 }).map((chars) => chars.join(''));

const objectPath = fc
  .array(fc.stringMatching(/^[A-Za-z0-9_]{1,6}$/), { maxLength: 3 })
  .map((segments) => `/${segments.join('/')}`);

const signature = fc.array(arbitraryType(2).filter((t) => !t.includes('m')), { maxLength: 3 }).map((ts) => ts.join(''));

const int = (type: 'y' | 'n' | 'q' | 'i' | 'h' | 'u', min: number, max: number): fc.Arbitrary<GVariant> =>
  fc.integer({ min, max }).map((value) => ({ kind: 'integer', type, value }));

/** The item types of a tuple type string, e.g. '(ias)' -> ['i', 'as']. */
export function tupleItems(type: string): string[] {
  const items: string[] = [];
  let i = 1;
  while (type[i] !== ')') {
    const start = i;
    while (type[i] === 'a' || type[i] === 'm') i++;
    if (type[i] === '(' || type[i] === '{') {
      let depth = 0;
      do {
        if (type[i] === '(' || type[i] === '{') depth++;
        else if (type[i] === ')' || type[i] === '}') depth--;
        i++;
      } while (depth > 0);
    } else i++;
    items.push(type.slice(start, i));
  }
  return items;
}

/** A value of the given definite type. */
export function arbitraryValueOf(type: string): fc.Arbitrary<GVariant> {
  switch (type[0]) {
    case 'b':
      return fc.boolean().map((value) => ({ kind: 'boolean', type: 'b', value }));
    case 'y':
      return int('y', 0, 255);
    case 'n':
      return int('n', -32768, 32767);
    case 'q':
      return int('q', 0, 65535);
    case 'i':
      return int('i', -(2 ** 31), 2 ** 31 - 1);
    case 'h':
      return int('h', -(2 ** 31), 2 ** 31 - 1);
    case 'u':
      return int('u', 0, 2 ** 32 - 1);
    case 'x':
      return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((value) => ({ kind: 'bigint', type: 'x', value }));
    case 't':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value) => ({ kind: 'bigint', type: 't', value }));
    case 'd':
      return fc
        .oneof(fc.double(), fc.double({ min: -1e6, max: 1e6 }), fc.integer().map((n) => n / 8))
        .filter((x) => !isSubnormal(x))
        .map((value) => ({ kind: 'double', type: 'd', value }));
    case 's':
      return arbitraryText.map((value) => ({ kind: 'string', type: 's', value }));
    case 'o':
      return objectPath.map((value) => ({ kind: 'string', type: 'o', value }));
    case 'g':
      return signature.map((value) => ({ kind: 'string', type: 'g', value }));
    case 'v':
      return arbitraryType(2)
        .chain(arbitraryValueOf)
        .map((value) => ({ kind: 'variant', type: 'v', value }));
    case 'm':
      return fc.option(arbitraryValueOf(type.slice(1)), { nil: null }).map((value) => ({ kind: 'maybe', type, value }));
    case 'a':
      return fc.array(arbitraryValueOf(type.slice(1)), { maxLength: 4 }).map((value) => ({ kind: 'array', type, value }));
    case '(':
      return fc.tuple(...tupleItems(type).map(arbitraryValueOf)).map((value) => ({ kind: 'tuple', type, value }));
    case '{':
      return fc
        .tuple(arbitraryValueOf(type[1]!), arbitraryValueOf(type.slice(2, -1)))
        .map((value) => ({ kind: 'entry', type, value }));
    default:
      throw new Error(`no generator for GVariant type '${type}'`);
  }
}

/** A random type, then a random value of it. */
export const arbitraryGVariant: fc.Arbitrary<GVariant> = arbitraryType().chain(arbitraryValueOf);
