// Our GVariant text against the real gsettings: every value we print, gsettings
// accepts and prints back exactly as we would, through dconf on a private bus.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGVariant, gvariantEqual, parseGVariant, type GVariant } from '../../helper/gvariant.js';
import { runProcess } from '../../helper/run.js';
import { arbitraryValueOf } from '../harness/gvariant-arbitrary.js';
import { startPrivateSession, type PrivateSession } from '../harness/session.js';

const SCHEMA = 'org.example.RoundTrip';
const TYPES = ['s', 'b', 'i', 'u', 'x', 't', 'd', 'as', 'a{ss}', '(ii)', 'ms', 'a(sb)'];
const keyOf = (type: string) => `key-${TYPES.indexOf(type)}`;

const schemaXml = `<schemalist>
  <schema id="${SCHEMA}" path="/org/example/round-trip/">
${TYPES.map((type) => `    <key name="${keyOf(type)}" type="${type}"><default>${escapeXml(formatGVariant(parseGVariant(defaultText(type), type)))}</default></key>`).join('\n')}
  </schema>
</schemalist>
`;

function defaultText(type: string): string {
  return { s: "''", b: 'false', d: '0', ms: 'nothing', '(ii)': '(0, 0)' }[type] ?? (type.startsWith('a') ? '[]' : '0');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

let session: PrivateSession;
const gsettings = async (...args: string[]) => (await runProcess('gsettings', args, { env: session.env })).stdout.replace(/\n$/, '');

beforeAll(async () => {
  session = await startPrivateSession({ schemas: { [`${SCHEMA}.gschema.xml`]: schemaXml } });
});

afterAll(async () => {
  await session?.stop();
});

const typedValue = fc.constantFrom(...TYPES).chain(arbitraryValueOf);

describe('GVariant text through real gsettings and dconf', () => {
  it('gsettings set accepts our text and gsettings get prints what formatGVariant prints', async () => {
    await fc.assert(
      fc.asyncProperty(typedValue, fc.boolean(), async (value: GVariant, annotate) => {
        const key = keyOf(value.type);
        await gsettings('set', SCHEMA, key, formatGVariant(value, { annotate }));
        const shown = await gsettings('get', SCHEMA, key);
        expect(shown).toBe(formatGVariant(value));
        expect(gvariantEqual(parseGVariant(shown, value.type), value)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('dconf dump shows every value as formatGVariant prints it', async () => {
    const values = fc.sample(typedValue, { numRuns: 30, seed: 7 });
    const latest = new Map<string, GVariant>();
    for (const value of values) {
      await gsettings('set', SCHEMA, keyOf(value.type), formatGVariant(value));
      latest.set(keyOf(value.type), value);
    }
    const dump = (await runProcess('dconf', ['dump', '/org/example/round-trip/'], { env: session.env })).stdout;
    const lines = new Map(
      dump
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    expect(lines.size).toBeGreaterThanOrEqual(latest.size);
    for (const [key, value] of latest) {
      // A value equal to the default is still written, so dconf holds every key we set.
      expect(lines.get(key)).toBe(formatGVariant(value));
    }
  });

  it('gsettings reads the same values from quote styles and type prefixes we treat as equal', async () => {
    const forms: [type: string, texts: string[]][] = [
      ['s', ["'adw-gtk3'", '"adw-gtk3"', "string 'adw-gtk3'"]],
      ['u', ['0', 'uint32 0', '0x0', 'int32 0']],
      ['as', ["['<Super>']", '["<Super>"]', "@as ['<Super>']"]],
      ['ms', ["'x'", "just 'x'", '@ms "x"']],
      ['a{ss}', ['{}', '@a{ss} {}']],
    ];
    for (const [type, texts] of forms) {
      const shown = new Set<string>();
      for (const text of texts) {
        await gsettings('set', SCHEMA, keyOf(type), text);
        shown.add(await gsettings('get', SCHEMA, keyOf(type)));
        expect(gvariantEqual(parseGVariant(text, type), parseGVariant(texts[0]!, type))).toBe(true);
      }
      expect([...shown]).toEqual([formatGVariant(parseGVariant(texts[0]!, type))]);
    }
  });
});
