// Our parser and printer against GLib's own g_variant_parse and g_variant_print
// (through python3-gi, one process for thousands of texts): the same value and
// the same text for valid input, the same message at the same place for the rest.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGVariant, GVariantParseError, parseGVariant } from '../../helper/gvariant.js';
import { arbitraryGVariant, arbitraryType } from '../harness/gvariant-arbitrary.js';

const ORACLE = `
import sys, json
from gi.repository import GLib
for line in sys.stdin:
    request = json.loads(line)
    try:
        expected = GLib.VariantType.new(request['type']) if request.get('type') else None
        value = GLib.Variant.parse(expected, request['text'], None, None)
        if value is None:
            answer = {'ok': False, 'error': None}
        else:
            answer = {'ok': True, 'type': value.get_type_string(), 'annotated': value.print_(True), 'plain': value.print_(False)}
    except GLib.Error as error:
        answer = {'ok': False, 'error': error.message}
    sys.stdout.write(json.dumps(answer) + '\\n')
`;

interface Request {
  text: string;
  type?: string;
}

// GLib fails without a message (error null) on an escape that is no character (\\U00110000).
type Answer = { ok: true; type: string; annotated: string; plain: string } | { ok: false; error: string | null };

function askGLib(requests: Request[]): Answer[] {
  const result = spawnSync('/usr/bin/python3', ['-c', ORACLE], { input: requests.map((r) => JSON.stringify(r)).join('\n') + '\n', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`python3-gi: ${result.stderr.toString()}`);
  return result.stdout.toString().trim().split('\n').map((line) => JSON.parse(line) as Answer);
}

function askUs({ text, type }: Request): Answer {
  try {
    const value = parseGVariant(text, type);
    return { ok: true, type: value.type, annotated: formatGVariant(value), plain: formatGVariant(value, { annotate: false }) };
  } catch (error) {
    if (!(error instanceof GVariantParseError)) throw error;
    return { ok: false, error: `${error.start}:${error.reason}` };
  }
}

/** GLib's "start-end:reason" (or "start:", or with a second range) as "start:reason". */
function normalise(answer: Answer): Answer {
  if (answer.ok || answer.error === null) return answer;
  const match = /^(\d+)(?:-\d+)?(?:,\d+-\d+)?:(.*)$/s.exec(answer.error);
  return match ? { ok: false, error: `${match[1]}:${match[2]}` } : answer;
}

function disagreements(requests: Request[]): { request: Request; glib: Answer; ours: Answer }[] {
  const answers = askGLib(requests);
  return requests
    .map((request, i) => ({ request, glib: normalise(answers[i]!), ours: askUs(request) }))
    .filter(({ glib, ours }) => (glib.ok || glib.error !== null || ours.ok) && JSON.stringify(glib) !== JSON.stringify(ours));
}

// Pieces of the syntax, to break printed values in likely ways.
const PIECES = ['[', ']', '(', ')', '{', '}', '<', '>', ',', ':', ' ', "'", '"', '\\', '@', '-', '+', '.', '0', '1', '9', 'e', 'x', '0x', 'inf', 'nan'];
const KEYWORDS = ['just', 'nothing', 'true', 'false', 'uint32', 'int64', 'byte', 'b', 'string', 'objectpath', 'signature', 'double', 'handle', '@as', '@mas', '@(ii)', '\\u', '\\U', '\n'];

const mutated = fc
  .tuple(arbitraryGVariant, fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.constantFrom(...PIECES, ...KEYWORDS)), { minLength: 1, maxLength: 3 }))
  .map(([value, annotate, edits]) => {
    let text = formatGVariant(value, { annotate });
    for (const [at, op, piece] of edits) {
      const p = at % (text.length + 1);
      if (op === 0) text = text.slice(0, p) + text.slice(p + 1);
      else if (op === 1) text = text.slice(0, p) + piece + text.slice(p);
      else text = text.slice(0, p) + piece + text.slice(p + piece.length);
    }
    return { text, type: value.type };
  });

const numberLike = fc.array(fc.constantFrom('0', '1', '7', '8', '9', '-', '+', '.', 'e', 'E', 'x', 'X', 'a', 'f', 'p', 'inf', 'nan', 'INF', '00', '0x'), { minLength: 1, maxLength: 7 }).map((a) => a.join(''));

describe("agreement with GLib's own parser and printer", () => {
  // A new seed each run, named in the test title; GVARIANT_SEED replays one.
  const seed = Number(process.env.GVARIANT_SEED) || Date.now();

  it('fails with a message where GLib fails without one', () => {
    const requests = [{ text: "'\\U00110000'" }, { text: "'\\ud800'" }];
    expect(askGLib(requests)).toEqual([
      { ok: false, error: null },
      { ok: false, error: null },
    ]);
    expect(requests.map(askUs)).toEqual([
      { ok: false, error: '3:invalid 8-character unicode escape' },
      { ok: false, error: '3:invalid 4-character unicode escape' },
    ]);
  });

  it(`prints every value as GLib does, which GLib parses back (seed ${seed})`, () => {
    const values = fc.sample(arbitraryGVariant, { numRuns: 3000, seed });
    const requests = values.flatMap((value) => [
      { text: formatGVariant(value), type: value.type },
      { text: formatGVariant(value) },
      { text: formatGVariant(value, { annotate: false }), type: value.type },
    ]);
    expect(disagreements(requests).slice(0, 5)).toEqual([]);
  });

  it(`fails where GLib fails, with its message at its position (seed ${seed})`, () => {
    // Offsets are GLib's byte offsets, so the texts stay ASCII.
    const requests: Request[] = [
      ...fc.sample(mutated, { numRuns: 3000, seed }).flatMap((r) => [r, { text: r.text }]),
      ...fc.sample(fc.tuple(numberLike, fc.constantFrom('y', 'n', 'q', 'i', 'u', 'x', 't', 'h', 'd', undefined)), { numRuns: 2000, seed }).map(([text, type]) => ({ text, type })),
      ...fc.sample(fc.tuple(fc.array(fc.constantFrom(...PIECES, ...KEYWORDS), { maxLength: 8 }), fc.option(arbitraryType(1), { nil: undefined })), { numRuns: 2000, seed }).map(([parts, type]) => ({ text: parts.join(''), type })),
    ].filter((r) => /^[\x01-\x7f]*$/.test(r.text));
    const found = disagreements(requests);
    expect(requests.length).toBeGreaterThan(5000);
    expect(found.slice(0, 5)).toEqual([]);
  });
});
