// The quick manifest reading agrees with zod: whatever it accepts, zod accepts
// with the same value (keys in the same order); the rest is zod's to judge.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { manifests as benchManifests, syntheticApps, syntheticKeys, syntheticUnits, ISSUE_SIZE } from '../../bench/synthetic.js';
import { quickValidate } from '../../helper/quick-validate.js';
import { DOMAINS } from '../../helper/registry.js';

const FIXTURES = resolve(import.meta.dirname, '../../../shared/fixtures/bootc-manifests');
const fixtures = readdirSync(FIXTURES).map((file) => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as unknown);
const bench = [...benchManifests(syntheticKeys(ISSUE_SIZE), syntheticApps(ISSUE_SIZE), syntheticUnits(ISSUE_SIZE)).values()].map((text) => JSON.parse(text) as unknown);

/** Fails unless the quick reading, when there is one, is zod's value. */
function agrees(schema: $ZodType, value: unknown): boolean {
  const quick = quickValidate(schema, value);
  if (!quick) return false;
  const zod = z.safeParse(schema, value);
  expect(zod.success).toBe(true);
  expect(JSON.stringify(quick.value)).toBe(JSON.stringify(zod.data));
  expect(quick.value).toEqual(zod.data);
  return true;
}

const KEYS = ['$schema', 'apps', 'id', 'remote', 'scope', 'branch', 'commit', 'overrides', 'settings', 'schema', 'key', 'value', 'comment', 'remotes', 'url',
  'filtered', 'extensions', 'enabled', 'shims', 'name', 'binaries', 'source', 'type', 'formulae', 'taps', 'tap', 'repo', 'asset', 'prereleases', 'disabled',
  'units', 'containers', 'image', 'packages', 'extra', '__proto__', 'constructor'];
const leaf = fc.oneof(
  fc.constantFrom('', 'a', 'flathub', 'user', 'system', 'org.gnome.Calculator', '-x', 'a/b', 'owner/name', '𝄞', '\ud800', 'stable', "'a'", 'enabled', 'masked'),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), tie('object')),
  object: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), tie('value'), { maxKeys: 6 }),
})).value;

/** A valid manifest with one value somewhere replaced. */
const mutated = (manifest: unknown) =>
  fc.tuple(fc.nat(), leaf).map(([n, replacement]) => {
    const copy = JSON.parse(JSON.stringify(manifest)) as unknown;
    const slots: [Record<string, unknown>, string][] = [];
    const walk = (v: unknown) => {
      if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) (slots.push([v as Record<string, unknown>, k]), walk(child));
    };
    walk(copy);
    const slot = slots[n % Math.max(slots.length, 1)];
    if (slot) slot[0][slot[1]] = replacement;
    return copy;
  });

describe('the quick manifest reading', () => {
  it("reads the real manifests and the bench's large ones as zod does", () => {
    let quick = 0;
    for (const domain of DOMAINS) for (const manifest of [...fixtures, ...bench]) if (agrees(domain.schema, manifest)) quick++;
    // Not a path that never runs: every valid manifest of these domains is read quickly.
    expect(quick).toBeGreaterThanOrEqual(fixtures.length);
    const gsettings = DOMAINS.find((d) => d.name === 'gsettings')!;
    const flatpak = DOMAINS.find((d) => d.name === 'flatpak')!;
    expect(bench.filter((m) => quickValidate(gsettings.schema, m) || quickValidate(flatpak.schema, m))).toHaveLength(2);
  });

  it('accepts nothing zod refuses, and gives zod its invalid manifests (so the errors are zod’s)', () => {
    for (const domain of DOMAINS) {
      fc.assert(fc.property(json, (value) => void agrees(domain.schema, value)), { numRuns: 300 });
      for (const manifest of [...fixtures, ...bench.filter((m) => JSON.stringify(m).length < 20_000)]) {
        fc.assert(fc.property(mutated(manifest), (value) => void agrees(domain.schema, value)), { numRuns: 100 });
      }
    }
    const flatpak = DOMAINS.find((d) => d.name === 'flatpak')!;
    const gsettings = DOMAINS.find((d) => d.name === 'gsettings')!;
    expect(quickValidate(flatpak.schema, { apps: [{ id: '-x', remote: 'flathub', scope: 'user' }] })).toBeUndefined();
    expect(quickValidate(flatpak.schema, { apps: [{ id: 'a', remote: 'flathub', scope: 'everyone' }] })).toBeUndefined();
    expect(quickValidate(gsettings.schema, { settings: [{ schema: '', key: 'k', value: 'v' }] })).toBeUndefined();
    expect(agrees(gsettings.schema, { settings: [{ schema: '𝄞', key: '\ud800', value: '' }] })).toBe(true);
    expect(quickValidate(flatpak.schema, JSON.parse('{"apps": [], "__proto__": {}}'))).toBeUndefined();
  });
});
