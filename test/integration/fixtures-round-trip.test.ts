// The real user's manifests load with their domain's schema, and go back to the
// very same bytes on disk after bkt's writer adds an entry and takes it out,
// or changes a value and changes it back: the writer keeps indentation, key order, unknown keys, `$schema` and the
// final newline (or its absence). Every write here is a real one: the lock, the
// temp file, the rename.
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getNodeValue, parseTree, type Node } from 'jsonc-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../helper/manifest.js';
import { applyEdits } from '../../helper/manifest-writer.js';
import { DOMAINS } from '../../helper/registry.js';
import { FIXTURES } from '../harness/cli.js';

let work: string;
const fixtureFiles = (await readdir(FIXTURES)).filter((name) => name.endsWith('.json')).sort();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bkt-round-trip-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The JSON path of every string value in the document but `$schema`, in document order. */
function stringLeaves(node: Node, path: (string | number)[] = []): (string | number)[][] {
  if (node.type === 'string') return path[0] === '$schema' ? [] : [path];
  if (node.type === 'object') return (node.children ?? []).flatMap((property) => (property.children?.[1] ? stringLeaves(property.children[1], [...path, String(property.children[0]?.value)]) : []));
  if (node.type === 'array') return (node.children ?? []).flatMap((child, index) => stringLeaves(child, [...path, index]));
  return [];
}

/** The JSON path of every array in the document, in document order. */
function arrays(node: Node, path: (string | number)[] = []): (string | number)[][] {
  if (node.type === 'object') return (node.children ?? []).flatMap((property) => (property.children?.[1] ? arrays(property.children[1], [...path, String(property.children[0]?.value)]) : []));
  if (node.type === 'array') return [path, ...(node.children ?? []).flatMap((child, index) => arrays(child, [...path, index]))];
  return [];
}

const valueAt = (node: Node, path: (string | number)[]): unknown => path.reduce<unknown>((value, part) => (value as Record<string | number, unknown>)[part], getNodeValue(node));

describe("the real user's manifests", () => {
  it('are all a manifest of a domain bkt knows', () => {
    expect(fixtureFiles.filter((file) => !DOMAINS.some((d) => d.file === file))).toEqual([]);
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(8);
  });

  it.each(fixtureFiles)('%s loads with its schema, and is the same bytes after an entry is added and taken out, and a value changed and changed back', async (name) => {
    const entry = DOMAINS.find((d) => d.file === name)!;
    const file = join(work, name);
    await copyFile(join(FIXTURES, name), file);
    const original = await readFile(file);
    const manifest = await loadManifest(file, (await entry.load()).schema);
    expect(manifest?.text).toBe(original.toString('utf8'));

    const tree = parseTree(original.toString('utf8'))!;
    // Each array gets an entry, which is then taken out again (most are lists; some are empty).
    for (const path of arrays(tree)) {
      const length = (valueAt(tree, path) as unknown[]).length;
      await applyEdits(file, [{ op: 'insert', path, value: 'zz-added-by-the-test' }]);
      expect((valueAt(parseTree(await readFile(file, 'utf8'))!, path) as unknown[]).length).toBe(length + 1);
      const added = (valueAt(parseTree(await readFile(file, 'utf8'))!, path) as unknown[]).indexOf('zz-added-by-the-test');
      await applyEdits(file, [{ op: 'remove', path: [...path, added] }]);
      expect(Buffer.compare(await readFile(file), original), `${name} after adding to ${JSON.stringify(path)} and taking it out`).toBe(0);
    }
    const leaves = stringLeaves(tree);
    if (leaves.length === 0) return;
    // The first, a middle and the last string: edits at the start, inside and at the end of the file.
    for (const path of new Set([leaves[0]!, leaves[leaves.length >> 1]!, leaves[leaves.length - 1]!])) {
      const before = valueAt(tree, path) as string;
      const changed = await applyEdits(file, [{ op: 'set', path, value: `${before}-changed` }]);
      expect(changed.changed).toBe(true);
      expect(JSON.stringify(valueAt(parseTree(await readFile(file, 'utf8'))!, path))).toBe(JSON.stringify(`${before}-changed`));
      await applyEdits(file, [{ op: 'set', path, value: before }]);
      expect(Buffer.compare(await readFile(file), original), `${name} after changing ${JSON.stringify(path)} and back`).toBe(0);
    }

    const unchanged = await applyEdits(file, [{ op: 'set', path: leaves[0]!, value: valueAt(tree, leaves[0]!) }]);
    expect(unchanged.changed).toBe(false);
    expect(Buffer.compare(await readFile(file), original)).toBe(0);
  });
});
