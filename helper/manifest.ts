// Loading a manifest: strict JSON, validated by the domain's zod schema, with
// every error naming the file, the JSON path and the line:column.
import { readFile } from './fs-async.js';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import * as z from 'zod/mini';
import english from 'zod/v4/locales/en.js';
import type { $ZodType } from 'zod/v4/core';
import type { LoadedManifest } from './domain.js';
import type { ValidatedManifests } from './validated.js';

// zod/mini ships no messages by default; English ones name what was expected.
// Only English is imported: the whole z.locales would add 360 KB to every start.
z.config(english());

export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(
    readonly file: string,
    readonly where: { line: number; column: number } | undefined,
    readonly jsonPath: string,
    readonly reason: string,
  ) {
    const at = where ? `:${where.line}:${where.column}` : '';
    super(`${file}${at}: ${jsonPath ? `${jsonPath}: ` : ''}${reason}`);
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** `settings[3].value` from ['settings', 3, 'value']. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function describeParseError(error: ParseError): string {
  const code = printParseErrorCode(error.error);
  // jsonc-parser's codes are CamelCase identifiers; say them as words.
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/**
 * Parses manifest text (strict JSON) and validates it; throws ManifestError.
 * A `trusted` text passed validation before (see validated.ts) and is only parsed.
 */
export function parseManifest<M>(file: string, text: string, schema: $ZodType<M>, trusted = false): LoadedManifest<M> {
  // JSON.parse is several times faster than building jsonc-parser's tree, which
  // only an error message needs: the tree is built then, once.
  let tree: Node | undefined;
  const treeOf = () => (tree ??= parseTree(text, [], { disallowComments: true, allowTrailingComma: false }) ?? undefined);
  const positionOf = (path: (string | number)[]) => {
    const root = treeOf();
    return root ? positionInTree(text, root, path) : undefined;
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const errors: ParseError[] = [];
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (first) throw new ManifestError(file, lineColumn(text, first.offset), '', `invalid JSON: ${describeParseError(first)}`);
    throw new ManifestError(file, undefined, '', text.trim() ? `invalid JSON: ${(error as Error).message}` : 'empty file');
  }
  // The value is the parsed JSON itself, in the file's key order: the schemas only
  // validate (no defaults, no transforms; a unit test walks them), so a text
  // validated before needs no schema at all.
  const loaded = { path: file, text, value: value as M, positionOf };
  if (trusted) return loaded;
  const result = z.safeParse(schema, value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol');
    const root = treeOf();
    throw new ManifestError(file, positionOf(path) ?? (root && nearestPosition(text, root, path)), formatJsonPath(path), issue?.message ?? 'invalid');
  }
  return loaded;
}

function positionInTree(text: string, tree: Node, path: (string | number)[]) {
  const node = findNodeAtLocation(tree, path);
  return node ? lineColumn(text, node.offset) : undefined;
}

/** A missing key has no position of its own: point at the object that lacks it. */
function nearestPosition(text: string, tree: Node, path: (string | number)[]) {
  for (let n = path.length - 1; n >= 0; n--) {
    const position = positionInTree(text, tree, path.slice(0, n));
    if (position) return position;
  }
  return undefined;
}

/** Reads and validates a manifest file; undefined when the file does not exist (the domain is not managed). */
export async function loadManifest<M>(file: string, schema: $ZodType<M>, validated?: ValidatedManifests): Promise<LoadedManifest<M> | undefined> {
  // Stamped before reading: a write during the read leaves a newer stamp, which is validated again next time.
  const stamp = validated?.stampOf(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ManifestError(file, undefined, '', code === 'EACCES' ? 'permission denied' : (error as Error).message);
  }
  if (!validated || stamp === undefined) return parseManifest(file, text, schema);
  const trusted = validated.has(file, stamp);
  const manifest = parseManifest(file, text, schema, trusted);
  if (!trusted) validated.add(file, stamp);
  return manifest;
}
