import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ManifestError, formatJsonPath, lineColumn, loadManifest, parseManifest } from '../../helper/manifest.js';
import { loadAllDomains } from '../../helper/registry.js';
import { validatedManifests } from '../../helper/validated.js';

const Example = z.looseObject({ settings: z.array(z.looseObject({ schema: z.string(), key: z.string(), value: z.string() })) });

function errorOf(text: string): ManifestError {
  try {
    parseManifest('/m/gsettings.json', text, Example);
  } catch (error) {
    return error as ManifestError;
  }
  throw new Error('expected a ManifestError');
}

describe('parseManifest', () => {
  it('names the file, line and column of invalid JSON', () => {
    const error = errorOf('{\n  "settings": [\n    {"schema": "a",}\n  ]\n}\n');
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toBe('/m/gsettings.json:3:20: invalid JSON: property name expected');
  });

  it('names the JSON path and position of a value of the wrong type', () => {
    const text = '{\n  "settings": [\n    { "schema": "a", "key": "b", "value": "c" },\n    { "schema": "a", "key": "b", "value": 5 }\n  ]\n}\n';
    const error = errorOf(text);
    expect(error.jsonPath).toBe('settings[1].value');
    expect(error.where).toEqual({ line: 4, column: 43 });
    expect(error.message).toBe('/m/gsettings.json:4:43: settings[1].value: Invalid input: expected string, received number');
  });

  it('points a missing key at the object that lacks it', () => {
    const error = errorOf('{\n  "settings": [\n    { "schema": "a", "value": "c" }\n  ]\n}');
    expect(error.jsonPath).toBe('settings[0].key');
    expect(error.where).toEqual({ line: 3, column: 5 });
  });

  it('rejects an empty file and comments, which are not JSON', () => {
    expect(errorOf('').message).toContain('/m/gsettings.json');
    expect(errorOf('{"settings": [] // note\n}').message).toMatch(/invalid JSON/);
  });

  it('keeps unknown keys in the value', () => {
    const loaded = parseManifest('/m/x.json', '{"settings": [], "mine": 1}', Example);
    expect(loaded.value).toEqual({ settings: [], mine: 1 });
    expect(loaded.positionOf(['mine'])).toEqual({ line: 1, column: 26 });
  });
});

describe('every issue in a file', () => {
  const setting = (value: string) => `    { "schema": "a", "key": "b", "value": ${value} }`;
  const settings = (values: string[]) => `{\n  "settings": [\n${values.map(setting).join(',\n')}\n  ]\n}\n`;

  it('are reported, one line each, in the order of the file', () => {
    const error = errorOf('{\n  "settings": [\n    { "schema": "a", "key": "b", "value": 1 },\n    { "schema": 2, "key": "b", "value": 3 }\n  ]\n}\n');
    expect(error.message).toBe(
      [
        '/m/gsettings.json:3:43: settings[0].value: Invalid input: expected string, received number',
        '/m/gsettings.json:4:17: settings[1].schema: Invalid input: expected string, received number',
        '/m/gsettings.json:4:41: settings[1].value: Invalid input: expected string, received number',
      ].join('\n'),
    );
    expect(error.where).toEqual({ line: 3, column: 43 });
    expect(error.issues).toHaveLength(3);
  });

  it('are shown up to 20, then counted', () => {
    const error = errorOf(settings(Array.from({ length: 25 }, (_, n) => String(n))));
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('/m/gsettings.json:3:43: settings[0].value: Invalid input: expected string, received number');
    expect(lines[19]).toBe('/m/gsettings.json:22:43: settings[19].value: Invalid input: expected string, received number');
    expect(lines[20]).toBe('... and 5 more');
    expect(error.issues).toHaveLength(25);
  });
});

describe('keys JSON.parse accepts and a manifest must not have', () => {
  it('a key twice in one object names the second and the line of the first, with the other issues', () => {
    const error = errorOf('{\n  "settings": [\n    { "schema": "a", "key": "b",\n      "value": "c", "key": "d", "value": 4 }\n  ]\n}\n');
    expect(error.message).toBe(
      [
        '/m/gsettings.json:4:21: settings[0].key: duplicate key, first on line 3; keep one',
        '/m/gsettings.json:4:33: settings[0].value: duplicate key, first on line 4; keep one',
        '/m/gsettings.json:4:42: settings[0].value: Invalid input: expected string, received number',
      ].join('\n'),
    );
  });

  it('a key written with escapes is the same key', () => {
    expect(errorOf('{"settings": [], "s\\u0065ttings": []}').message).toBe('/m/gsettings.json:1:18: settings: duplicate key, first on line 1; keep one');
  });

  it('a key twice is found past strings holding colons, quotes and backslashes', () => {
    expect(errorOf('{"settings": [], "note": "a \\"quoted\\": \\\\", "note": "b:c"}').message).toBe('/m/gsettings.json:1:46: note: duplicate key, first on line 1; keep one');
    expect(errorOf('{"settings": [], "note": "\\"", "note": "x"}').message).toBe('/m/gsettings.json:1:32: note: duplicate key, first on line 1; keep one');
  });

  it('the same key in two objects is no duplicate', () => {
    expect(parseManifest('/m/x.json', '{"settings": [{"schema": "a", "key": "b", "value": "c"}, {"schema": "a", "key": "b", "value": "c"}]}', Example).value.settings).toHaveLength(2);
  });

  it('__proto__ is refused wherever it is, even escaped, before any domain sees it', () => {
    const Services = z.looseObject({ services: z.record(z.string(), z.enum(['enabled', 'disabled', 'masked'])) });
    const refuse = (text: string) => () => parseManifest('/m/systemd-services.json', text, Services);
    expect(refuse('{"services": {"__proto__": "masked"}}')).toThrow(/^\/m\/systemd-services\.json:1:15: services\.__proto__: a manifest cannot have the key "__proto__"$/);
    expect(refuse('{\n  "services": {\n    "__proto__": {"x": 1}\n  }\n}')).toThrow(/^\/m\/systemd-services\.json:3:5: services\.__proto__: a manifest cannot have the key "__proto__"$/);
    expect(refuse('{"services": {}, "note": {"__pro\\u0074o__": 1}}')).toThrow('/m/systemd-services.json:1:27: note.__proto__: a manifest cannot have the key "__proto__"');
  });

  it('names of Object.prototype are ordinary keys', () => {
    const loaded = parseManifest('/m/x.json', '{"constructor": 1, "toString": "x", "settings": [{"schema": "hasOwnProperty", "key": "valueOf", "value": "c"}]}', Example);
    expect(loaded.value).toEqual({ constructor: 1, toString: 'x', settings: [{ schema: 'hasOwnProperty', key: 'valueOf', value: 'c' }] });
    expect(() => parseManifest('/m/x.json', '{"settings": [], "constructor": {}}', z.looseObject({ settings: z.array(z.never()), constructor: z.string() }))).toThrow(
      '/m/x.json:1:33: constructor: Invalid input: expected string, received object',
    );
  });
});

describe('helpers', () => {
  it('formats JSON paths and positions', () => {
    expect(formatJsonPath(['a', 0, 'b', 12])).toBe('a[0].b[12]');
    expect(formatJsonPath(['services', 'cron.service'])).toBe('services["cron.service"]');
    expect(formatJsonPath(['containers', 'my box', 'image'])).toBe('containers["my box"].image');
    expect(formatJsonPath(['getty@tty1.service', '$schema', '_x1', '0', '', 'a"b'])).toBe('["getty@tty1.service"].$schema._x1["0"][""]["a\\"b"]');
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('the real user manifests', () => {
  const dir = join(import.meta.dirname, '../../../shared/fixtures/bootc-manifests');
  it('are all strict JSON', () => {
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      expect(() => parseManifest(file, readFileSync(join(dir, file), 'utf8'), z.looseObject({}))).not.toThrow();
    }
  });
});

describe('manifests validated before', () => {
  const valid = '{"settings": [{"schema": "a", "key": "b", "value": "c"}]}';
  // A clock ten seconds ahead: the files written by the test are then not "just changed".
  const later = () => Date.now() + 10_000;
  const setup = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'bkt-validated-'));
    const file = join(dir, 'gsettings.json');
    writeFileSync(file, text);
    return { cache: join(dir, 'cache'), file };
  };
  // A schema that refuses everything: only a validation would notice.
  const Never = z.never() as never;

  it('keep the file as parsed, in its own key order, whether validated now or before', async () => {
    const { cache, file } = setup('{"settings": [{"value": "c", "extra": 1, "key": "b", "schema": "a"}]}');
    const first = validatedManifests(cache, 'build-1', later);
    const fresh = (await loadManifest(file, Example, first))!.value;
    first.save();
    const again = (await loadManifest(file, Never, validatedManifests(cache, 'build-1', later)))!.value;
    expect(JSON.stringify(fresh)).toBe(JSON.stringify(JSON.parse(readFileSync(file, 'utf8'))));
    expect(JSON.stringify(again)).toBe(JSON.stringify(fresh));
  });

  it('are not validated again while the file and the build stay the same, and are when either changes', async () => {
    const { cache, file } = setup(valid);
    const record = validatedManifests(cache, 'build-1', later);
    await loadManifest(file, Example, record);
    record.save();
    expect(Object.keys(JSON.parse(readFileSync(join(cache, 'valid-manifests.json'), 'utf8')).files)).toEqual([file]);
    expect((await loadManifest(file, Never, validatedManifests(cache, 'build-1', later)))!.value).toEqual(JSON.parse(valid));
    await expect(loadManifest(file, Never, validatedManifests(cache, 'build-2', later))).rejects.toThrow(ManifestError);
    // The same text written again is a new file state: validated again.
    writeFileSync(file, valid);
    await expect(loadManifest(file, Never, validatedManifests(cache, 'build-1', later))).rejects.toThrow(ManifestError);
  });

  it('do not record a file changed in the last seconds, nor one that failed; an unwritable record changes nothing', async () => {
    const { cache, file } = setup(valid);
    const now = validatedManifests(cache, 'build-1');
    await loadManifest(file, Example, now);
    now.save();
    expect(existsSync(join(cache, 'valid-manifests.json'))).toBe(false);

    writeFileSync(file, '{"settings": 1}');
    const failing = validatedManifests(cache, 'build-1', later);
    await expect(loadManifest(file, Example, failing)).rejects.toThrow(ManifestError);
    failing.save();
    expect(existsSync(join(cache, 'valid-manifests.json'))).toBe(false);

    writeFileSync(file, valid);
    writeFileSync(cache, 'a file where the cache directory would be');
    const blocked = validatedManifests(cache, 'build-1', later);
    await loadManifest(file, Example, blocked);
    expect(() => blocked.save()).not.toThrow();
  });
});

describe('the domains schemas', () => {
  // parseManifest hands out the parsed JSON, not zod's output: right only while no schema changes a value.
  const CHANGING = new Set(['transform', 'pipe', 'default', 'prefault', 'catch', 'success', 'nonoptional', 'readonly']);
  const changingParts = (schema: unknown, seen = new Set<unknown>()): string[] => {
    if (typeof schema !== 'object' || schema === null || seen.has(schema)) return [];
    seen.add(schema);
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return Object.values(schema).flatMap((v) => (typeof v === 'object' ? changingParts(v, seen) : []));
    const own = CHANGING.has(def.type as string) ? [def.type as string] : [];
    return [...own, ...Object.values(def).flatMap((v) => (typeof v === 'object' ? changingParts(v, seen) : []))];
  };

  it('only validate: none has a default, a transform or a pipe', async () => {
    expect(changingParts(z.pipe(z.string(), z.transform((s) => s.length)))).toEqual(['pipe', 'transform']);
    for (const domain of await loadAllDomains()) expect(changingParts(domain.schema), domain.name).toEqual([]);
  });
});
