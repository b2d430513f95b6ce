// Our reading of GVariant's serialised form against GLib's own (through
// python3-gi, one process for thousands of values): GLib serialises generated
// values, and reads back those bytes, mangled copies of them and plain random
// bytes as untrusted data, in both byte orders; we must read every one to the
// value GLib prints.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGVariant } from '../../helper/gvariant-binary.js';
import { formatGVariant, gvariantEqual, parseGVariant, type GVariant } from '../../helper/gvariant.js';
import { arbitraryGVariant, arbitraryType } from '../harness/gvariant-arbitrary.js';

const ORACLE = `
import sys, json
from gi.repository import GLib
for line in sys.stdin:
    request = json.loads(line)
    kind = GLib.VariantType.new(request['type'])
    if 'text' in request:
        value = GLib.Variant.parse(kind, request['text'], None, None)
        answer = {'hex': value.get_data_as_bytes().get_data().hex()}
    else:
        value = GLib.Variant.new_from_bytes(kind, GLib.Bytes.new(bytes.fromhex(request['hex'])), False)
        answer = {'little': value.print_(True), 'big': value.byteswap().print_(True)}
    sys.stdout.write(json.dumps(answer) + '\\n')
`;

type Request = { type: string; text: string } | { type: string; hex: string };

function askGLib<T>(requests: Request[]): T[] {
  const result = spawnSync('/usr/bin/python3', ['-c', ORACLE], { input: requests.map((r) => JSON.stringify(r)).join('\n') + '\n', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`python3-gi: ${result.stderr.toString()}`);
  return result.stdout
    .toString()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

/** GLib's printed value and ours agree: the same text, or else (GLib escapes by its own Unicode tables) the same value. */
function same(glib: string, ours: GVariant, type: string): boolean {
  if (formatGVariant(ours) === glib) return true;
  try {
    return gvariantEqual(ours, parseGVariant(glib, type));
  } catch {
    return false;
  }
}

/** Bytes read as `type` by GLib and by us, in both byte orders; the cases where the values differ. */
function disagreements(cases: { type: string; bytes: Uint8Array }[]) {
  const answers = askGLib<{ little: string; big: string }>(cases.map(({ type, bytes }) => ({ type, hex: hex(bytes) })));
  return cases.flatMap(({ type, bytes }, i) => {
    const glib = answers[i]!;
    const little = decodeGVariant(bytes, type);
    const big = decodeGVariant(bytes, type, { bigEndian: true });
    if (same(glib.little, little, type) && same(glib.big, big, type)) return [];
    return [{ type, hex: hex(bytes), glib, ours: { little: formatGVariant(little), big: formatGVariant(big) } }];
  });
}

/** GLib's normal form of each value. */
function serialised(values: { type: string; text: string }[]): Uint8Array[] {
  return askGLib<{ hex: string }>(values).map((answer) => fromHex(answer.hex));
}

const seed = Number(process.env.GVARIANT_SEED) || Date.now();

describe("reading serialised GVariants as GLib does (seed " + seed + ')', () => {
  it('reads the normal form of generated values of every type back to the same value', () => {
    const values = fc.sample(arbitraryGVariant, { numRuns: 2000, seed });
    const bytes = serialised(values.map((value) => ({ type: value.type, text: formatGVariant(value) })));
    const wrong = values.filter((value, i) => !gvariantEqual(decodeGVariant(bytes[i]!, value.type), value));
    expect(wrong.slice(0, 5).map((value) => formatGVariant(value))).toEqual([]);
    expect(disagreements(values.map((value, i) => ({ type: value.type, bytes: bytes[i]! })))).toEqual([]);
  });

  it('reads mangled serialisations as GLib does: bytes changed, cut off or added', () => {
    const values = fc.sample(arbitraryGVariant, { numRuns: 1500, seed: seed + 1 });
    const bytes = serialised(values.map((value) => ({ type: value.type, text: formatGVariant(value) })));
    const edits = fc.sample(fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), { numRuns: values.length, seed });
    const cases = values.map((value, i) => {
      let data = [...bytes[i]!];
      for (const [at, op, byte] of edits[i]!) {
        const p = data.length === 0 ? 0 : at % data.length;
        if (op === 0) data[p] = byte;
        else if (op === 1) data = data.slice(0, p);
        else if (op === 2) data.splice(p, 0, byte);
        else data[data.length - 1 - (at % 4)] = byte;
      }
      return { type: value.type, bytes: new Uint8Array(data.filter((b) => b !== undefined)) };
    });
    expect(disagreements(cases).slice(0, 5)).toEqual([]);
  });

  it('reads the specification’s examples of malformed data, and framing offsets that do not fit, as GLib does', () => {
    const cases = [
      ['i', '073390'],
      ['(yi)', '5566778802010000'],
      ['ab', '010003040001ff8000'],
      ['as', '68656c6c6f20776f726c64000b0c'],
      ['s', '666f6f0062617200'],
      ['mi', '334455667788'],
      ['a(yy)', '0304050607'],
      ['as', '666f6f006261720062617a0004100c'],
      ['as', '666f6f006261720062617a0004000c'],
      ['(ayayayayay)', '030201'],
      ['(ssn)', '78000002'],
      ['(sss)', '6100620063000402'],
      ['(ays)', '0100'],
      ['a{sv}', '6b0000000000000005000000006902'],
    ].map(([type, data]) => ({ type: type!, bytes: fromHex(data!) }));
    expect(disagreements(cases)).toEqual([]);
  });

  it('reads random bytes of random types as GLib does', () => {
    const cases = fc.sample(
      // Few bytes often: framing offsets that do not fit are where GLib's rules are subtle.
      fc.record({ type: arbitraryType(3), bytes: fc.oneof(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 40 })) }),
      { numRuns: 3000, seed: seed + 2 },
    );
    expect(disagreements(cases).slice(0, 5)).toEqual([]);
  });

  it('reads large containers, whose framing offsets are 2 and 4 bytes wide', () => {
    const long = (n: number) => `[${Array.from({ length: n }, (_, i) => `'${'x'.repeat(i % 7)}'`).join(', ')}]`;
    const texts = [
      { type: 'as', text: long(120) },
      { type: 'as', text: long(16000) },
      { type: '(sasi)', text: `('${'y'.repeat(300)}', ${long(50)}, 7)` },
      { type: 'a{sv}', text: `{${Array.from({ length: 100 }, (_, i) => `'k${i}': <${i}>`).join(', ')}}` },
    ];
    const bytes = serialised(texts);
    texts.forEach(({ type, text }, i) => expect(gvariantEqual(decodeGVariant(bytes[i]!, type), parseGVariant(text, type))).toBe(true));
    expect(bytes[1]!.length).toBeGreaterThan(0xffff);
    expect(disagreements(texts.map(({ type }, i) => ({ type, bytes: bytes[i]! })))).toEqual([]);
  });

  it('gives the unit tuple for variants nested past GLib’s depth limit', () => {
    // GLib's parser refuses such a text, so the bytes are made here: each variant is its child, a NUL and 'v'.
    let bytes = [1, 0, 0, 0, 0, 'i'.charCodeAt(0)];
    for (let depth = 0; depth < 130; depth++) bytes = [...bytes, 0, 'v'.charCodeAt(0)];
    const ours = formatGVariant(decodeGVariant(new Uint8Array(bytes), 'v'));
    expect(ours).toContain('<()>');
    expect(ours).not.toContain('1');
    expect(disagreements([{ type: 'v', bytes: new Uint8Array(bytes) }])).toEqual([]);
  });
});
