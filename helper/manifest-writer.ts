// The one way anything writes a manifest or an ignore file: every domain's
// capture and every `bkt` command come through here.
//
// What a write guarantees:
// - Only the bytes of what changed change. The file is parsed with jsonc-parser
//   and edited at the offsets of the touched entry; every other byte (key order,
//   unknown keys, `$schema`, inline arrays, the trailing newline or its absence)
//   stays as it was. New text takes the file's own indentation (spaces or tabs,
//   detected), line ending and spacing; a new array entry goes where the array's
//   order puts it (sorted by `sortKey`, or by value for strings) or at the end.
// - Nothing is written unless the result is valid JSON holding exactly the
//   intended value: each edit is also applied to the parsed value, and the
//   edited text must parse back to it. Otherwise the write is refused with an
//   error naming the file, and the file is left untouched.
// - Atomic and durable: the new text goes to a hidden temporary file in the same
//   directory, which is fsynced, given the original's mode (and owner, when
//   run as root), renamed over the original (the target of a symlink), and then
//   the directory is fsynced. A writer killed at any moment leaves the old file
//   or the new one, never a mix; its temporary file (`.NAME.PID-RANDOM.bkt-tmp`,
//   never a `*.json`) is removed by the next write.
// - Writers never interleave: each read-modify-write runs under a
//   proper-lockfile lock on the file (`NAME.lock`, a directory). The file is
//   read again inside the lock and the edits applied to that fresh text; pass a
//   function instead of a list to compute edits from it (index paths computed
//   from an older read may no longer point at the same entry). A lock left by a
//   killed writer is taken over once older than `staleMs`. Right before the
//   rename the file is read once more, and if someone changed it anyway (an
//   editor, or proper-lockfile's rare double takeover of a stale lock, upstream
//   issue #121), the whole read-modify-write starts again.
//
// Why not jsonc-parser's `modify` for the edits: its removal of the last element
// of an array whose `]` follows it directly corrupts the file
// (`["a", "b"]` minus "b" gives `["a""]`), and its range formatter turns inline
// arrays into one line per element. Why not write-file-atomic: it does not fsync
// the directory, and its temporary files (`NAME.json.<number>`) cannot be told
// from a user's own backups, so those a killed writer leaves could never be
// cleaned up safely.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { applyEdits as applyTextEdits, getNodeValue, parseTree, type Edit, type Node, type ParseError } from 'jsonc-parser';
import lockfile from 'proper-lockfile';
import { byCodeUnits, type ManifestEdit } from './domain.js';
import { ManifestError, describeParseError, formatJsonPath, lineColumn } from './manifest.js';

type JsonPath = (string | number)[];

export interface WriteOptions {
  /** The text a missing file starts from (created under the lock); without it a missing file is an error. */
  initialText?: string;
  /** A lock older than this is a killed writer's and is taken over (proper-lockfile's minimum is 2000 ms). */
  staleMs?: number;
  /** How long to wait for another writer's lock before giving up; must exceed staleMs to outlast a killed writer. */
  waitMs?: number;
}

export interface WriteResult {
  changed: boolean;
  before: string;
  after: string;
}

/**
 * Applies the edits to the manifest at `path` under its lock, atomically.
 * `edits` may be a function of the file's current text, called inside the lock.
 */
export async function applyEdits(
  path: string,
  edits: readonly ManifestEdit[] | ((text: string) => readonly ManifestEdit[]),
  options: WriteOptions = {},
): Promise<WriteResult> {
  return rewrite(path, options, (before) => editText(before, typeof edits === 'function' ? edits(before) : edits, path));
}

/** Adds one line to a line-based file (the ignore file), creating it and its directory if missing; a line already there is not added twice. */
export async function appendLine(path: string, line: string, options: Omit<WriteOptions, 'initialText'> = {}): Promise<WriteResult> {
  if (/[\r\n]/.test(line)) throw new ManifestError(path, undefined, '', `cannot add ${JSON.stringify(line)}: it holds a line break`);
  await mkdir(dirname(resolve(path)), { recursive: true });
  return rewrite(path, { ...options, initialText: '' }, (before) => withLine(before, line));
}

/** Takes every line equal to `line` out of a line-based file; a missing file or line is no change. */
export async function removeLine(path: string, line: string, options: Omit<WriteOptions, 'initialText'> = {}): Promise<WriteResult> {
  return rewrite(path, { ...options, initialText: '' }, (before) => withoutLine(before, line));
}

/** Puts `text` in place of the file's content only if that is still `expected` (checked under the lock), e.g. to undo a capture. */
export async function replaceText(path: string, expected: string, text: string, options: Omit<WriteOptions, 'initialText'> = {}): Promise<WriteResult> {
  return rewrite(path, options, (before) => {
    if (before !== expected) throw new ManifestError(path, undefined, '', 'changed since it was read; not written');
    return text;
  });
}

/** The text with `line` added at the end (in the file's line ending), unless an identical line is there already. */
export function withLine(text: string, line: string): string {
  if (text.split(/\r?\n/).includes(line)) return text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return `${text}${text === '' || text.endsWith('\n') ? '' : eol}${line}${eol}`;
}

/** The text without the lines equal to `line` (each removed with its line ending). */
export function withoutLine(text: string, line: string): string {
  return text
    .split(/(?<=\n)/)
    .filter((entry) => entry.replace(/\r?\n$/, '') !== line)
    .join('');
}

// ---------------------------------------------------------------------------
// The text work: pure.

interface Layout {
  /** One level of indentation: '\t' or some spaces. */
  unit: string;
  eol: string;
  /** Between a key and its value, e.g. ': '. */
  colon: string;
  /** Between the entries of a one-line array or object, e.g. ', '. */
  separator: string;
  /** The whole file is on one line: everything new stays on one line. */
  flat: boolean;
}

interface Context {
  text: string;
  tree: Node;
  layout: Layout;
  file: string;
}

/** An edit with its position decided (the insertion index), applied to both the text and the parsed value. */
type Resolved = { op: 'set'; path: JsonPath; value: unknown } | { op: 'remove'; path: JsonPath } | { op: 'insert'; path: JsonPath; index: number; value: unknown };

/**
 * Applies the edits one after another (each path refers to the document as the
 * previous edits left it) and returns the new text. `file` names the file in errors.
 */
export function editText(text: string, edits: readonly ManifestEdit[], file = 'manifest'): string {
  const layout = detectLayout(text, parseStrict(text, file));
  let current = text;
  let intended: unknown = JSON.parse(text);
  for (const edit of edits) {
    const ctx: Context = { text: current, tree: parseStrict(current, file), layout, file };
    const { change, resolved } = plan(ctx, edit);
    if (!change) continue;
    const next = applyTextEdits(current, [change]);
    intended = applyToValue(intended, resolved);
    let parsed: unknown;
    try {
      parsed = JSON.parse(next);
    } catch (error) {
      throw new ManifestError(file, undefined, formatJsonPath(edit.path), `the edit would make invalid JSON (${(error as Error).message}); the file was left as it was`);
    }
    if (!isDeepStrictEqual(parsed, intended)) {
      throw new ManifestError(file, undefined, formatJsonPath(edit.path), 'the edited text would not hold the intended value; the file was left as it was');
    }
    current = next;
  }
  return current;
}

function parseStrict(text: string, file: string): Node {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first) {
    throw new ManifestError(file, lineColumn(text, first.offset), '', `invalid JSON: ${describeParseError(first)}; not changed`);
  }
  if (!tree) throw new ManifestError(file, undefined, '', 'empty file; not changed');
  return tree;
}

function detectLayout(text: string, tree: Node): Layout {
  let unit: string | undefined;
  for (const match of text.matchAll(/\n([ \t]+)\S/g)) {
    const indent = match[1] ?? '';
    if (indent.startsWith('\t')) {
      unit = '\t';
      break;
    }
    if (unit === undefined || indent.length < unit.length) unit = indent;
  }
  let colon: string | undefined;
  let separator: string | undefined;
  const visit = (node: Node): void => {
    const children = node.children ?? [];
    if (node.type === 'property') {
      const [key, value] = children;
      const between = key && value ? text.slice(end(key), value.offset) : '';
      if (colon === undefined && between !== '' && !between.includes('\n')) colon = between;
    }
    const [first, second] = children;
    if ((node.type === 'array' || node.type === 'object') && first && second && separator === undefined) {
      const between = text.slice(end(first), second.offset);
      if (!between.includes('\n')) separator = between;
    }
    children.forEach(visit);
  };
  visit(tree);
  return {
    unit: unit ?? '  ',
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    colon: colon ?? ': ',
    separator: separator ?? ', ',
    flat: !text.includes('\n'),
  };
}

function plan(ctx: Context, edit: ManifestEdit): { change: Edit | undefined; resolved: Resolved } {
  switch (edit.op) {
    case 'set':
      return planSet(ctx, edit.path, toJson(ctx, edit.path, edit.value));
    case 'remove':
      return planRemove(ctx, edit.path);
    case 'insert':
      return planInsert(ctx, edit.path, toJson(ctx, edit.path, edit.value), edit.sortKey);
  }
}

/** The value as it will read back from the file (what JSON keeps of it). */
function toJson(ctx: Context, path: JsonPath, value: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new ManifestError(ctx.file, undefined, formatJsonPath(path), `cannot write this value as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new ManifestError(ctx.file, undefined, formatJsonPath(path), `cannot write ${String(value)} as JSON`);
  return JSON.parse(text);
}

function planSet(ctx: Context, path: JsonPath, value: unknown): { change: Edit | undefined; resolved: Resolved } {
  const resolved: Resolved = { op: 'set', path, value };
  const { node, depth } = locate(ctx, path);
  if (depth === path.length) {
    if (isDeepStrictEqual(getNodeValue(node), value)) return { change: undefined, resolved };
    const content = render(value, indentAt(ctx.text, node.offset), ctx.layout, inlineAt(ctx, node));
    return { change: { offset: node.offset, length: node.length, content }, resolved };
  }
  const key = path[depth];
  const rest = path.slice(depth + 1);
  const firstIndex = path.findIndex((segment, i) => i >= depth && typeof segment === 'number');
  if (typeof key !== 'string' || firstIndex !== -1) {
    const missing = formatJsonPath(path.slice(0, firstIndex + 1));
    throw new ManifestError(ctx.file, lineColumn(ctx.text, node.offset), formatJsonPath(path), `${missing} does not exist; use insert to add array entries`);
  }
  const nested = rest.reduceRight<unknown>((inner, segment) => Object.fromEntries([[segment, inner]]), value);
  const change = insertChild(ctx, node, (node.children ?? []).length, (indent, inline) => member(key, nested, indent, ctx.layout, inline));
  return { change, resolved };
}

function planRemove(ctx: Context, path: JsonPath): { change: Edit | undefined; resolved: Resolved } {
  const resolved: Resolved = { op: 'remove', path };
  if (path.length === 0) throw new ManifestError(ctx.file, undefined, '', 'cannot remove the whole manifest');
  const { node, depth } = locate(ctx, path);
  // Already gone (another writer may have removed it): nothing to do.
  if (depth < path.length) return { change: undefined, resolved };
  const entry = node.parent?.type === 'property' ? node.parent : node;
  const container = entry.parent;
  if (!container) throw new ManifestError(ctx.file, undefined, formatJsonPath(path), 'cannot remove the whole manifest');
  const children = container.children ?? [];
  return { change: removeChild(children, children.indexOf(entry), container), resolved };
}

function planInsert(ctx: Context, path: JsonPath, value: unknown, sortKey: ((entry: unknown) => string) | undefined): { change: Edit | undefined; resolved: Resolved } {
  const { node, depth } = locate(ctx, path);
  // No array there yet: create it holding the one entry.
  if (depth < path.length) return planSet(ctx, path, [value]);
  if (node.type !== 'array') {
    throw new ManifestError(ctx.file, lineColumn(ctx.text, node.offset), formatJsonPath(path), `is ${describe(node)}, not an array; cannot insert into it`);
  }
  const index = sortedIndex((node.children ?? []).map(getNodeValue), value, sortKey);
  const change = insertChild(ctx, node, index, (indent, inline) => render(value, indent, ctx.layout, inline));
  return { change, resolved: { op: 'insert', path, index, value } };
}

/** The deepest node along `path` and how many segments of it exist. */
function locate(ctx: Context, path: JsonPath): { node: Node; depth: number } {
  let node = ctx.tree;
  for (const [depth, segment] of path.entries()) {
    const here = formatJsonPath(path.slice(0, depth)) || 'the manifest';
    let child: Node | undefined;
    if (typeof segment === 'string') {
      if (node.type !== 'object') throw new ManifestError(ctx.file, lineColumn(ctx.text, node.offset), formatJsonPath(path), `${here} is ${describe(node)}, not an object`);
      const matches = (node.children ?? []).filter((property) => property.children?.[0]?.value === segment);
      if (matches.length > 1) {
        const lines = matches.map((property) => lineColumn(ctx.text, property.offset).line).join(' and ');
        throw new ManifestError(ctx.file, lineColumn(ctx.text, node.offset), formatJsonPath(path), `the key ${JSON.stringify(segment)} appears more than once (lines ${lines}); keep one`);
      }
      child = matches[0]?.children?.[1];
    } else {
      if (node.type !== 'array') throw new ManifestError(ctx.file, lineColumn(ctx.text, node.offset), formatJsonPath(path), `${here} is ${describe(node)}, not an array`);
      if (!Number.isInteger(segment) || segment < 0) throw new ManifestError(ctx.file, undefined, formatJsonPath(path), `${segment} is not an array index`);
      child = node.children?.[segment];
    }
    if (!child) return { node, depth };
    node = child;
  }
  return { node, depth: path.length };
}

function describe(node: Node): string {
  return node.type === 'array' || node.type === 'object' ? `an ${node.type}` : `a ${node.type}`;
}

const byCaseInsensitive = (a: string, b: string): number => byCodeUnits(a.toLowerCase(), b.toLowerCase()) || byCodeUnits(a, b);

/** Where the array's own order puts the value: after its equals when sorted, else at the end. */
function sortedIndex(entries: unknown[], value: unknown, sortKey: ((entry: unknown) => string) | undefined): number {
  const allStrings = typeof value === 'string' && entries.every((entry) => typeof entry === 'string');
  const keyOf = sortKey ?? (allStrings ? (entry: unknown) => entry as string : undefined);
  if (!keyOf) return entries.length;
  const keys = entries.map(keyOf);
  const key = keyOf(value);
  for (const compare of [byCodeUnits, byCaseInsensitive]) {
    if (keys.every((k, i) => i === 0 || compare(keys[i - 1] as string, k) <= 0)) {
      const after = keys.findIndex((k) => compare(k, key) > 0);
      return after === -1 ? keys.length : after;
    }
  }
  return entries.length;
}

const end = (node: Node): number => node.offset + node.length;

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function indentAt(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, offset), offset))?.[0] ?? '';
}

function startsLine(text: string, offset: number): boolean {
  return text.slice(lineStart(text, offset), offset).trim() === '';
}

function oneLine(text: string, node: Node): boolean {
  return !text.slice(node.offset, end(node)).includes('\n');
}

/** The array or object around a node (skipping the property that holds a value). */
function enclosing(node: Node): Node | undefined {
  const parent = node.parent;
  return parent?.type === 'property' ? parent.parent : parent;
}

/** Whether new text at this node stays on one line: in a flat file, a non-empty one-line container, or inside one. */
function inlineAt(ctx: Context, node: Node): boolean {
  if (ctx.layout.flat) return true;
  if ((node.type === 'array' || node.type === 'object') && (node.children ?? []).length > 0) return oneLine(ctx.text, node);
  const outer = enclosing(node);
  return outer !== undefined && oneLine(ctx.text, outer);
}

/** The text of a value, multi-line with its closing bracket at `indent`, or on one line. */
function render(value: unknown, indent: string, layout: Layout, inline: boolean): string {
  let parts: string[];
  let open: string;
  let close: string;
  const inner = inline ? indent : indent + layout.unit;
  if (Array.isArray(value)) {
    parts = value.map((entry) => render(entry, inner, layout, inline));
    [open, close] = ['[', ']'];
  } else if (value !== null && typeof value === 'object') {
    parts = Object.entries(value).map(([key, entry]) => member(key, entry, inner, layout, inline));
    [open, close] = ['{', '}'];
  } else {
    return JSON.stringify(value);
  }
  if (parts.length === 0) return open + close;
  if (inline) return open + parts.join(layout.separator) + close;
  return `${open}${layout.eol}${inner}${parts.join(`,${layout.eol}${inner}`)}${layout.eol}${indent}${close}`;
}

function member(key: string, value: unknown, indent: string, layout: Layout, inline: boolean): string {
  return `${JSON.stringify(key)}${layout.colon}${render(value, indent, layout, inline)}`;
}

/** Inserts an entry at `index` of an array or object, touching no byte of the other entries. */
function insertChild(ctx: Context, container: Node, index: number, entry: (indent: string, inline: boolean) => string): Edit {
  const { text, layout } = ctx;
  const children = container.children ?? [];
  const inline = inlineAt(ctx, container);
  const first = children[0];
  if (!first) {
    const interior = { offset: container.offset + 1, length: container.length - 2 };
    if (inline) return { ...interior, content: entry('', true) };
    const base = indentAt(text, container.offset);
    const inner = base + layout.unit;
    return { ...interior, content: `${layout.eol}${inner}${entry(inner, false)}${layout.eol}${base}` };
  }
  const previous = children[index - 1];
  if (inline) {
    const second = children[1];
    const separator = second ? text.slice(end(first), second.offset) : layout.separator;
    if (!previous) return { offset: first.offset, length: 0, content: entry('', true) + separator };
    return { offset: end(previous), length: 0, content: separator + entry('', true) };
  }
  const neighbour = previous ?? first;
  const indent = startsLine(text, neighbour.offset) ? indentAt(text, neighbour.offset) : indentAt(text, container.offset) + layout.unit;
  if (!previous) return { offset: first.offset, length: 0, content: `${entry(indent, false)},${layout.eol}${indent}` };
  return { offset: end(previous), length: 0, content: `,${layout.eol}${indent}${entry(indent, false)}` };
}

/** Removes the entry with its own comma, so no comma is left dangling. */
function removeChild(children: Node[], index: number, container: Node): Edit {
  const entry = children[index] as Node;
  const previous = children[index - 1];
  const next = children[index + 1];
  if (next) return { offset: entry.offset, length: next.offset - entry.offset, content: '' };
  if (previous) return { offset: end(previous), length: end(entry) - end(previous), content: '' };
  return { offset: container.offset + 1, length: container.length - 2, content: '' };
}

/** The same edit applied to the parsed value: what the edited text must parse back to. */
function applyToValue(root: unknown, edit: Resolved): unknown {
  if (edit.op === 'set' && edit.path.length === 0) return edit.value;
  const steps = edit.op === 'insert' ? edit.path : edit.path.slice(0, -1);
  let holder = root;
  for (const segment of steps) {
    const container = holder as Record<string | number, unknown>;
    // Only a set reaches a missing step: it creates the objects on its way, as planSet does.
    if (!Object.hasOwn(container, segment)) define(container, segment, {});
    holder = container[segment];
  }
  if (edit.op === 'insert') {
    (holder as unknown[]).splice(edit.index, 0, edit.value);
    return root;
  }
  const last = edit.path[edit.path.length - 1] as string | number;
  if (edit.op === 'set') define(holder as Record<string | number, unknown>, last, edit.value);
  else if (Array.isArray(holder)) holder.splice(last as number, 1);
  else delete (holder as Record<string | number, unknown>)[last];
  return root;
}

/** Sets an own property, even one named `__proto__`, as JSON.parse does. */
function define(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

// ---------------------------------------------------------------------------
// The file work: lock, re-read, write atomically.

const TEMP_SUFFIX = '.bkt-tmp';
const DEFAULT_STALE_MS = 10_000;
const DEFAULT_WAIT_MS = 30_000;

async function rewrite(path: string, options: WriteOptions, compute: (before: string) => string): Promise<WriteResult> {
  const target = await canonical(path);
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      stale: staleMs,
      retries: retriesFor(waitMs),
      onCompromised: (error) => {
        lost = error;
      },
    });
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ELOCKED'
        ? `another bkt process held ${target}.lock for over ${Math.round(waitMs / 1000)} s; try again`
        : `cannot take the lock ${target}.lock: ${(error as Error).message}`;
    throw new ManifestError(path, undefined, '', reason);
  }
  try {
    for (let attempt = 1; ; attempt++) {
      const found = await readIfExists(path, target);
      if (found === undefined && options.initialText === undefined) throw new ManifestError(path, undefined, '', 'no such file');
      const before = found ?? (options.initialText as string);
      const after = compute(before);
      // Nothing to change: no write, and a missing file stays missing.
      if (after === before) return { changed: false, before, after };
      await removeLeftoverTemps(path, target);
      const written = await writeAtomic(path, target, after, async () => {
        if (lost) throw new ManifestError(path, undefined, '', `lost the lock while writing (${lost.message}); not written`);
        return (await readIfExists(path, target)) === found;
      });
      if (written) return { changed: true, before, after };
      if (attempt === 3) throw new ManifestError(path, undefined, '', 'kept changing while being written (by something that does not take the lock); not written');
    }
  } finally {
    // A lost lock cannot be released; the error above already says so.
    await release().catch((error: unknown) => {
      if (!lost) throw error;
    });
  }
}

/** Polls quickly at first, then every 100-200 ms, for about `waitMs` in all. */
function retriesFor(waitMs: number): { retries: number; factor: number; minTimeout: number; maxTimeout: number; randomize: boolean } {
  const [minTimeout, factor, maxTimeout] = [5, 1.5, 100];
  let retries = 0;
  for (let waited = 0; waited < waitMs; retries++) waited += Math.min(minTimeout * factor ** retries, maxTimeout);
  return { retries, factor, minTimeout, maxTimeout, randomize: true };
}

/** The real file behind `path` (a manifest may be a symlink into a dotfiles repository). */
async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve(path);
    throw new ManifestError(path, undefined, '', (error as Error).message);
  }
}

async function readIfExists(path: string, target: string): Promise<string | undefined> {
  try {
    return await readFile(target, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ManifestError(path, undefined, '', `cannot read: ${(error as Error).message}`);
  }
}

function tempPattern(target: string): RegExp {
  const name = basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${name}\\.\\d+-[0-9a-f]{8}${TEMP_SUFFIX.replace('.', '\\.')}$`);
}

/** Under the lock no other writer is mid-write, so any temporary file of ours is a killed writer's. */
async function removeLeftoverTemps(path: string, target: string): Promise<void> {
  const pattern = tempPattern(target);
  const dir = dirname(target);
  for (const name of await readdir(dir)) {
    if (!pattern.test(name)) continue;
    await unlink(join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw new ManifestError(path, undefined, '', `cannot remove a leftover temporary file: ${error.message}`);
    });
  }
}

/** Writes a temporary file, then renames it over the target if `mayRename` still agrees; false when it did not. */
async function writeAtomic(path: string, target: string, text: string, mayRename: () => Promise<boolean>): Promise<boolean> {
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  let original: Stats | undefined;
  try {
    original = await stat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ManifestError(path, undefined, '', (error as Error).message);
  }
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', original ? original.mode & 0o7777 : 0o666);
    try {
      await handle.writeFile(text, 'utf8');
      if (original) {
        // open() applied the umask; give back the exact mode, and the owner when root writes a user's file.
        await handle.chmod(original.mode & 0o7777);
        if (process.getuid?.() === 0) await handle.chown(original.uid, original.gid);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!(await mayRename())) return false;
    await rename(temp, target);
    renamed = true;
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    throw new ManifestError(path, undefined, '', `cannot write: ${(error as Error).message}`);
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return true;
}
