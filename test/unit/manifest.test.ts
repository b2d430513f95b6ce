import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ManifestError, formatJsonPath, lineColumn, parseManifest } from '../../helper/manifest.js';

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

describe('helpers', () => {
  it('formats JSON paths and positions', () => {
    expect(formatJsonPath(['a', 0, 'b', 12])).toBe('a[0].b[12]');
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
