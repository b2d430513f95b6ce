// Loading a manifest: strict JSON, validated by the domain's zod schema, with
// every error naming the file, the JSON path and the line:column.
import { readFile } from './fs-async.js';
import { parseTree, printParseErrorCode, visit, type Node, type ParseError } from 'jsonc-parser';
import * as z from 'zod/mini';
import english from 'zod/v4/locales/en.js';
import type { $ZodType } from 'zod/v4/core';
import type { LoadedManifest } from './domain.js';
import type { ValidatedManifests } from './validated.js';

// zod/mini ships no messages by default; English ones name what was expected.
// Only English is imported: the whole z.locales would add 360 KB to every start.
z.config(english());

/** One thing wrong in a manifest: where, the JSON path, and why. */
export interface ManifestIssue {
  where: { line: number; column: number } | undefined;
  jsonPath: string;
  reason: string;
}

/** A message line for an issue at `where` in `file`: `file:line:col: json.path: reason`. */
export function formatIssue(file: string, { where, jsonPath, reason }: ManifestIssue): string {
  const at = where ? `:${where.line}:${where.column}` : '';
  return `${file}${at}: ${jsonPath ? `${jsonPath}: ` : ''}${reason}`;
}

/** A problem with a loaded manifest's value at `path`, as a message line that names the line. */
export function manifestProblem(manifest: LoadedManifest<unknown>, path: (string | number)[], reason: string): string {
  return formatIssue(manifest.path, { where: manifest.positionOf(path), jsonPath: formatJsonPath(path), reason });
}

/** At most this many issues are printed, then how many more there are. */
const SHOWN_ISSUES = 20;

export class ManifestError extends Error {
  override name = 'ManifestError';
  /** Every issue found in the file, in the file's order; the first is also `where`, `jsonPath` and `reason`. */
  readonly issues: readonly ManifestIssue[];
  constructor(
    readonly file: string,
    readonly where: { line: number; column: number } | undefined,
    readonly jsonPath: string,
    readonly reason: string,
    further: readonly ManifestIssue[] = [],
  ) {
    const issues = [{ where, jsonPath, reason }, ...further];
    const lines = issues.slice(0, SHOWN_ISSUES).map((issue) => formatIssue(file, issue));
    if (issues.length > SHOWN_ISSUES) lines.push(`... and ${issues.length - SHOWN_ISSUES} more`);
    super(lines.join('\n'));
    this.issues = issues;
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

/** lineColumn for many offsets of one text: the line starts are found once. */
function locator(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
  };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `settings[3].value` from ['settings', 3, 'value']; a key that is not an identifier is quoted: `services["cron.service"]`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (!IDENTIFIER.test(part)) out += `[${JSON.stringify(part)}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/** jsonc-parser's error, in words: 'property name expected'. */
export function describeParseError(error: ParseError): string {
  const code = printParseErrorCode(error.error);
  // jsonc-parser's codes are CamelCase identifiers; say them as words.
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** An issue found in the text itself, by offset: the position is worked out once all are known. */
interface TextIssue {
  offset: number | undefined;
  path: (string | number)[];
  reason: string;
}

/**
 * Whether the parsed text may hold a key a manifest must not have (see
 * keyIssues). In valid JSON every ':' outside a string ends one key, and
 * JSON.parse makes one own key of each distinct key of an object: fewer own
 * keys than colons means an object has a key twice. About 1 ms for 130 KB,
 * where jsonc-parser's visitor takes 10 to 30.
 */
function mayHaveKeyIssues(text: string, value: unknown): boolean {
  let colons = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) colons++;
    // A string: skip to its closing quote, over escaped characters.
    else if (c === 34) for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
  }
  let keys = 0;
  let proto = false;
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    for (const key in node) {
      keys++;
      if (key === '__proto__') proto = true;
      walk((node as { [key: string]: unknown })[key]);
    }
  };
  walk(value);
  return proto || keys !== colons;
}

/**
 * Keys JSON.parse accepts but a manifest must not have: a key twice in one
 * object (JSON.parse keeps the last, a reader of the file sees the first), and
 * `__proto__`, which JSON.parse makes an own key that zod's records skip and
 * any copy of the object turns into its prototype.
 */
function keyIssues(text: string): TextIssue[] {
  const issues: TextIssue[] = [];
  const objects: Map<string, number>[] = [];
  visit(
    text,
    {
      onObjectBegin: () => void objects.push(new Map()),
      onObjectEnd: () => void objects.pop(),
      onObjectProperty(key, offset, _length, startLine, _startCharacter, pathOf) {
        const keys = objects.at(-1);
        const first = keys?.get(key);
        if (key === '__proto__') issues.push({ offset, path: [...pathOf(), key], reason: 'a manifest cannot have the key "__proto__"' });
        else if (first !== undefined) issues.push({ offset, path: [...pathOf(), key], reason: `duplicate key, first on line ${first + 1}; keep one` });
        else keys?.set(key, startLine);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return issues;
}

/**
 * Parses manifest text (strict JSON) and validates it; throws ManifestError with every issue found.
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
    // Only the first: the errors after it mostly follow from it.
    const first = errors[0];
    if (first) throw new ManifestError(file, lineColumn(text, first.offset), '', `invalid JSON: ${describeParseError(first)}`);
    throw new ManifestError(file, undefined, '', text.trim() ? `invalid JSON: ${(error as Error).message}` : 'empty file');
  }
  // The value is the parsed JSON itself, in the file's key order: the schemas only
  // validate (no defaults, no transforms; a unit test walks them), so a text
  // validated before needs no schema at all.
  const loaded = { path: file, text, value: value as M, positionOf };
  if (trusted) return loaded;
  const issues = mayHaveKeyIssues(text, value) ? keyIssues(text) : [];
  const result = z.safeParse(schema, value);
  if (!result.success) {
    const root = treeOf();
    for (const issue of result.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      // A missing key has no node of its own: point at the nearest object that lacks it.
      const node = root && nearestNode(root, path);
      if (issue.code === 'invalid_key') {
        // Its own issues say why ("Invalid key in record" says nothing), at the key rather than its value.
        const key = node?.parent?.children?.[0];
        for (const inner of issue.issues.length ? issue.issues : [issue]) issues.push({ offset: key?.offset ?? node?.offset, path, reason: inner.message });
      } else {
        issues.push({ offset: node?.offset, path, reason: issue.message });
      }
    }
  }
  if (!issues.length) return loaded;
  // In the file's order; an issue without a position last.
  issues.sort((a, b) => (a.offset ?? text.length) - (b.offset ?? text.length));
  const at = locator(text);
  const [first, ...further] = issues.map(
    (issue): ManifestIssue => ({ where: issue.offset === undefined ? undefined : at(issue.offset), jsonPath: formatJsonPath(issue.path), reason: issue.reason }),
  );
  throw new ManifestError(file, first?.where, first?.jsonPath ?? '', first?.reason ?? 'invalid', further);
}

function positionInTree(text: string, tree: Node, path: (string | number)[]) {
  const node = nodeAt(tree, path);
  return node ? lineColumn(text, node.offset) : undefined;
}

/** The value at `path`; of a key written twice, the last, which JSON.parse keeps (jsonc-parser's findNodeAtLocation finds the first). */
function nodeAt(tree: Node, path: (string | number)[]): Node | undefined {
  let node: Node | undefined = tree;
  for (const segment of path) {
    if (typeof segment === 'number') {
      node = node.type === 'array' ? node.children?.[segment] : undefined;
    } else {
      let value: Node | undefined;
      if (node.type === 'object') for (const property of node.children ?? []) if (property.children?.[0]?.value === segment) value = property.children[1];
      node = value;
    }
    if (!node) return undefined;
  }
  return node;
}

function nearestNode(tree: Node, path: (string | number)[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(tree, path.slice(0, n));
    if (node) return node;
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
