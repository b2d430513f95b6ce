// The GVariant text format as GLib reads and writes it (g_variant_parse and
// g_variant_print, glib/gvariant-parser.c and glib/gvariant.c), in plain
// TypeScript: gsettings values are compared as typed values in process, never
// by spawning `gsettings` per key, and never as text ('a' equals "a").
//
// Parsing follows GLib's two steps: the text becomes a syntax tree, then the
// tree becomes a value of the expected type, or, with no type given, of the
// type GLib infers from the tree (numbers default to int32, strings to 's').

/** A typed GVariant value. `type` is its full GVariant type string. */
export type GVariant =
  | { kind: 'boolean'; type: 'b'; value: boolean }
  /** byte, int16, uint16, int32, handle, uint32 */
  | { kind: 'integer'; type: 'y' | 'n' | 'q' | 'i' | 'h' | 'u'; value: number }
  /** int64, uint64 */
  | { kind: 'bigint'; type: 'x' | 't'; value: bigint }
  | { kind: 'double'; type: 'd'; value: number }
  /** string, object path, signature */
  | { kind: 'string'; type: 's' | 'o' | 'g'; value: string }
  | { kind: 'variant'; type: 'v'; value: GVariant }
  | { kind: 'maybe'; type: string; value: GVariant | null }
  | { kind: 'array'; type: string; value: GVariant[] }
  | { kind: 'tuple'; type: string; value: GVariant[] }
  | { kind: 'entry'; type: string; value: [GVariant, GVariant] };

/** A text that is not a GVariant (of the expected type); says where, like GLib does. */
export class GVariantParseError extends Error {
  override name = 'GVariantParseError';
  /** 1-based line and column of `start` in the text. */
  readonly line: number;
  readonly column: number;
  constructor(
    /** What is wrong, without the position: "expected ']' ...". */
    readonly reason: string,
    /** 0-based offsets of the offending part of the text. */
    readonly start: number,
    readonly end: number,
    readonly text: string,
  ) {
    const before = text.slice(0, start);
    const line = before.split('\n').length;
    const column = start - (before.lastIndexOf('\n') + 1) + 1;
    super(`${reason} at ${text.includes('\n') ? `line ${line}, ` : ''}column ${column}`);
    this.line = line;
    this.column = column;
  }
}

// ---------------------------------------------------------------------------
// Type strings

const BASIC_TYPE_CHARS = 'bynqiuxthdsog';
// GLib's nesting limit (G_VARIANT_MAX_RECURSION_DEPTH).
const MAX_DEPTH = 128;

/**
 * Scans one complete type starting at `start` (variant_type_string_scan_internal):
 * its end index and nesting depth, or null when the text there is no type.
 */
function scanType(type: string, start: number, limit = MAX_DEPTH): { end: number; depth: number } | null {
  const c = type[start];
  if (c === undefined) return null;
  if (c === '(') {
    let i = start + 1;
    let depth = 0;
    while (type[i] !== ')') {
      const item = limit === 0 ? null : scanType(type, i, limit - 1);
      if (!item) return null;
      i = item.end;
      depth = Math.max(depth, item.depth + 1);
    }
    return { end: i + 1, depth };
  }
  if (c === '{') {
    const key = type[start + 1];
    if (limit === 0 || key === undefined || !(BASIC_TYPE_CHARS + '?').includes(key)) return null;
    const value = scanType(type, start + 2, limit - 1);
    return value && type[value.end] === '}' ? { end: value.end + 1, depth: value.depth + 1 } : null;
  }
  if (c === 'a' || c === 'm') {
    const element = limit === 0 ? null : scanType(type, start + 1, limit - 1);
    return element && { end: element.end, depth: element.depth + 1 };
  }
  return (BASIC_TYPE_CHARS + 'vr*?').includes(c) ? { end: start + 1, depth: 1 } : null;
}

/** A single complete type string, definite or not ('*', '?' and 'r' are allowed). */
export function isValidTypeString(type: string): boolean {
  return scanType(type, 0)?.end === type.length;
}

/** A type string that names exactly one type (no '*', '?' or 'r'). */
export function isDefiniteTypeString(type: string): boolean {
  return isValidTypeString(type) && !/[*?r]/.test(type);
}

/** The item types of a tuple type string. */
function tupleItemTypes(type: string): string[] {
  const items: string[] = [];
  let i = 1;
  while (type[i] !== ')') {
    const end = scanType(type, i)!.end;
    items.push(type.slice(i, end));
    i = end;
  }
  return items;
}

// ---------------------------------------------------------------------------
// Tokens (token_stream_prepare)

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlnum = (c: string | undefined) => isAlpha(c) || isDigit(c);

class TokenStream {
  /** Start, end and text of the current token; null when none has been read. */
  private token: { start: number; end: number; text: string } | null = null;
  /** Where scanning continues. */
  pos = 0;

  constructor(readonly text: string) {}

  /** Reads the next token if needed; false at the end of the input. */
  prepare(): boolean {
    if (this.token) return true;
    const text = this.text;
    let pos = this.pos;
    while (pos < text.length && isSpace(text[pos])) pos++;
    if (pos >= text.length) {
      this.pos = pos;
      return false;
    }
    const c = text[pos]!;
    let end = pos + 1;
    if ('-+.0123456789'.includes(c)) {
      end = pos;
      while (end < text.length && (isAlnum(text[end]) || '-+.'.includes(text[end]!))) end++;
    } else if (c === 'b' && (text[pos + 1] === "'" || text[pos + 1] === '"')) {
      end = scanQuoted(text, pos + 1);
    } else if (c >= 'a' && c <= 'z') {
      end = pos;
      while (end < text.length && isAlnum(text[end])) end++;
    } else if (c === "'" || c === '"') {
      end = scanQuoted(text, pos);
    } else if (c === '@') {
      // A type: up to a space, comma, colon, '>' or ']', or an unmatched ')' or '}'.
      let brackets = 0;
      for (end = pos + 1; end < text.length; end++) {
        const d = text[end]!;
        if (d === ',' || d === ':' || d === '>' || d === ']' || isSpace(d)) break;
        if (d === '(' || d === '{') brackets++;
        else if ((d === ')' || d === '}') && brackets-- === 0) break;
      }
    }
    this.token = { start: pos, end, text: text.slice(pos, end) };
    this.pos = end;
    return true;
  }

  get start(): number {
    return this.prepare() ? this.token!.start : this.pos;
  }

  get current(): string {
    return this.prepare() ? this.token!.text : '';
  }

  next(): void {
    this.token = null;
  }

  peek(first: string): boolean {
    return this.prepare() && this.text[this.token!.start] === first;
  }

  isKeyword(): boolean {
    return this.prepare() && this.token!.end - this.token!.start >= 2 && isAlpha(this.text[this.token!.start]) && isAlpha(this.text[this.token!.start + 1]);
  }

  isNumeric(): boolean {
    return this.prepare() && '-+.0123456789'.includes(this.text[this.token!.start]!);
  }

  consume(token: string): boolean {
    if (this.current !== token || token === '') return false;
    this.next();
    return true;
  }

  /** Fails at the start of the current token, or at the end of the input. */
  require(token: string, purpose: string): void {
    if (!this.consume(token)) throw this.error(`expected '${token}'${purpose}`);
  }

  error(reason: string, wholeToken = false): GVariantParseError {
    const start = this.start;
    const end = wholeToken && this.token ? this.token.end : start;
    return new GVariantParseError(reason, start, end, this.text);
  }
}

/** End of a quoted token whose quote is at `quote` (a backslash escapes the next character). */
function scanQuoted(text: string, quote: number): number {
  const q = text[quote];
  let end = quote + 1;
  for (; end < text.length; end++) {
    if (text[end] === q) return end + 1;
    if (text[end] === '\\' && ++end >= text.length) break;
  }
  return text.length;
}

// ---------------------------------------------------------------------------
// Syntax tree

interface Source {
  start: number;
  end: number;
}

type Ast = Source &
  (
    | { node: 'array'; children: Ast[] }
    | { node: 'tuple'; children: Ast[] }
    | { node: 'variant'; child: Ast }
    /** `entry` is a lone dictionary entry `{k, v}` rather than a dictionary `{k: v, ...}`. */
    | { node: 'dict'; keys: Ast[]; values: Ast[]; entry: boolean }
    /** `invalid`: an escape that is no character, an error once the string is made. */
    | { node: 'string'; value: string; invalid?: { reason: string; start: number; end: number } }
    | { node: 'bytestring'; bytes: number[] }
    | { node: 'number'; token: string }
    | { node: 'boolean'; value: boolean }
    | { node: 'maybe'; child: Ast | null }
    | { node: 'typedecl'; type: string; child: Ast }
  );

// Ast minus its source, as each parse function builds it.
type AstBody = Ast extends infer T ? (T extends Ast ? Omit<T, 'start' | 'end'> : never) : never;

function parseValue(stream: TokenStream, depth: number): Ast {
  if (depth === 0) throw stream.error('variant nested too deeply');
  const start = stream.start;
  const ast = parseBody(stream, depth) as Ast;
  ast.start = start;
  ast.end = stream.pos;
  return ast;
}

function parseBody(stream: TokenStream, depth: number): AstBody {
  if (stream.peek('[')) return parseArray(stream, depth);
  if (stream.peek('(')) return parseTuple(stream, depth);
  if (stream.peek('<')) {
    stream.next();
    const child = parseValue(stream, depth - 1);
    stream.require('>', ' to follow variant value');
    return { node: 'variant', child };
  }
  if (stream.peek('{')) return parseDictionary(stream, depth);
  if (stream.consume('true')) return { node: 'boolean', value: true };
  if (stream.consume('false')) return { node: 'boolean', value: false };
  if (stream.isNumeric() || stream.current === 'inf' || stream.current === 'nan') {
    const token = stream.current;
    stream.next();
    return { node: 'number', token };
  }
  if (stream.peek('n') || stream.peek('j')) {
    if (stream.consume('just')) return { node: 'maybe', child: parseValue(stream, depth - 1) };
    if (stream.consume('nothing')) return { node: 'maybe', child: null };
    throw stream.error('unknown keyword', true);
  }
  if (stream.peek('@') || stream.isKeyword()) return parseTypeDecl(stream, depth);
  if (stream.peek("'") || stream.peek('"')) return parseString(stream);
  if (/^b['"]/.test(stream.current)) return parseByteString(stream);
  throw stream.error('expected value');
}

function parseArray(stream: TokenStream, depth: number): AstBody {
  stream.next();
  const children: Ast[] = [];
  while (!stream.consume(']')) {
    if (children.length > 0) stream.require(',', " or ']' to follow array element");
    children.push(parseValue(stream, depth - 1));
  }
  return { node: 'array', children };
}

function parseTuple(stream: TokenStream, depth: number): AstBody {
  stream.next();
  const children: Ast[] = [];
  while (!stream.consume(')')) {
    if (children.length > 1) stream.require(',', " or ')' to follow tuple element");
    children.push(parseValue(stream, depth - 1));
    // A one-item tuple needs its comma: (5,)
    if (children.length === 1) stream.require(',', ' after first tuple element');
  }
  return { node: 'tuple', children };
}

function parseDictionary(stream: TokenStream, depth: number): AstBody {
  stream.next();
  if (stream.consume('}')) return { node: 'dict', keys: [], values: [], entry: false };
  const keys = [parseValue(stream, depth - 1)];
  const entry = stream.consume(',');
  if (!entry) stream.require(':', " or ',' to follow dictionary entry key");
  const values = [parseValue(stream, depth - 1)];
  if (entry) {
    stream.require('}', ' at end of dictionary entry');
    return { node: 'dict', keys, values, entry: true };
  }
  while (!stream.consume('}')) {
    stream.require(',', " or '}' to follow dictionary entry");
    keys.push(parseValue(stream, depth - 1));
    stream.require(':', ' to follow dictionary entry key');
    values.push(parseValue(stream, depth - 1));
  }
  return { node: 'dict', keys, values, entry: false };
}

const KEYWORD_TYPES: Record<string, string> = {
  boolean: 'b',
  byte: 'y',
  int16: 'n',
  uint16: 'q',
  int32: 'i',
  handle: 'h',
  uint32: 'u',
  int64: 'x',
  uint64: 't',
  double: 'd',
  string: 's',
  objectpath: 'o',
  signature: 'g',
};

function parseTypeDecl(stream: TokenStream, depth: number): AstBody {
  const token = stream.current;
  let type: string;
  if (token.startsWith('@')) {
    type = token.slice(1);
    if (!isValidTypeString(type)) throw stream.error('invalid type declaration', true);
    if (scanType(type, 0)!.depth > depth) throw stream.error('type declaration recurses too deeply', true);
    if (!isDefiniteTypeString(type)) throw stream.error('type declarations must be definite', true);
  } else {
    const keyword = KEYWORD_TYPES[token];
    if (keyword === undefined) throw stream.error('unknown keyword', true);
    type = keyword;
  }
  stream.next();
  return { node: 'typedecl', type, child: parseValue(stream, depth - 1) };
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

function parseString(stream: TokenStream): AstBody {
  const start = stream.start;
  const token = stream.current;
  const quote = token[0]!;
  if (token.length >= 2 && token.endsWith(quote) && !token.includes('\\')) {
    stream.next();
    return { node: 'string', value: token.slice(1, -1) };
  }
  let out = '';
  let invalid: { reason: string; start: number; end: number } | undefined;
  let i = 1;
  for (;;) {
    const c = token[i];
    if (c === undefined) throw new GVariantParseError('unterminated string constant', start, start + token.length, stream.text);
    if (c === quote) break;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = token[++i];
    if (e === undefined) throw new GVariantParseError('unterminated string constant', start, start + token.length, stream.text);
    if (e === 'u' || e === 'U') {
      const length = e === 'u' ? 4 : 8;
      const digits = token.slice(i + 1, i + 1 + length);
      const valid = /^[0-9A-Fa-f]*/.exec(digits)![0].length;
      const code = valid === length ? parseInt(digits, 16) : 0;
      if (code === 0) throw new GVariantParseError(`invalid ${length}-character unicode escape`, start + i + 1, start + i + 1 + valid, stream.text);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        // Not a character: GLib reads on and fails only when it makes the string (without saying why).
        invalid ??= { reason: `invalid ${length}-character unicode escape`, start: start + i + 1, end: start + i + 1 + length };
      } else out += String.fromCodePoint(code);
      i += 1 + length;
    } else {
      out += SIMPLE_ESCAPES[e] ?? e;
      i++;
    }
  }
  stream.next();
  return invalid ? { node: 'string', value: out, invalid } : { node: 'string', value: out };
}

function parseByteString(stream: TokenStream): AstBody {
  const start = stream.start;
  const token = stream.current;
  const quote = token[1]!;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let i = 2;
  for (;;) {
    const c = token[i];
    if (c === undefined) throw new GVariantParseError('unterminated string constant', start, start + token.length, stream.text);
    if (c === quote) break;
    if (c !== '\\') {
      const codePoint = token.codePointAt(i)!;
      const char = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(char));
      i += char.length;
      continue;
    }
    const e = token[++i];
    if (e === undefined) throw new GVariantParseError('unterminated string constant', start, start + token.length, stream.text);
    if (e >= '0' && e <= '7') {
      // Up to three octal digits.
      let value = 0;
      for (let n = 0; n < 3 && token[i]! >= '0' && token[i]! <= '7'; n++) value = (value << 3) | (token.charCodeAt(i++) - 48);
      bytes.push(value & 0xff);
    } else if (Object.hasOwn(SIMPLE_ESCAPES, e)) {
      bytes.push(...encoder.encode(SIMPLE_ESCAPES[e]!));
      i++;
    } else {
      // Any other escaped character stands for itself.
      const char = String.fromCodePoint(token.codePointAt(i)!);
      bytes.push(...encoder.encode(char));
      i += char.length;
    }
  }
  stream.next();
  // GLib keeps the bytes as a C string: they end at the first NUL, which it then appends.
  const nul = bytes.indexOf(0);
  return { node: 'bytestring', bytes: [...(nul < 0 ? bytes : bytes.slice(0, nul)), 0] };
}

// ---------------------------------------------------------------------------
// Type inference (patterns, as in GLib): a type string that may also hold
// '*' (anything), 'N' (some number type), 'S' (some string type) and a
// leading 'M' (maybe or not).

function patternOf(ast: Ast): string {
  switch (ast.node) {
    case 'array':
      return ast.children.length === 0 ? 'Ma*' : `Ma${commonPattern(ast.children)}`;
    case 'tuple':
      return `M(${ast.children.map(patternOf).join('')})`;
    case 'variant':
      return 'Mv';
    case 'dict': {
      if (ast.keys.length === 0) return 'Ma{**}';
      const key = commonPattern(ast.keys);
      const keyChar = key[0] === 'M' ? key[1]! : key[0]!;
      if (!'bynqiuxthdsogNS'.includes(keyChar)) throw astError(ast, 'dictionary keys must have basic types');
      return `M${ast.entry ? '' : 'a'}{${keyChar}${patternOf(ast.values[0]!)}}`;
    }
    case 'string':
      return 'MS';
    case 'bytestring':
      return 'May';
    case 'number': {
      const t = ast.token;
      return t.includes('.') || (!t.startsWith('0x') && t.includes('e')) || t.includes('inf') || t.includes('nan') ? 'Md' : 'MN';
    }
    case 'boolean':
      return 'Mb';
    case 'maybe':
      return ast.child ? `m${patternOf(ast.child)}` : 'm*';
    case 'typedecl':
      return ast.type;
  }
}

/** The pattern that fits every item, or an error naming the first pair that has none. */
function commonPattern(items: Ast[]): string {
  let pattern = patternOf(items[0]!);
  for (let i = 1; i < items.length; i++) {
    const next = patternOf(items[i]!);
    const merged = coalesce(pattern, next);
    if (merged === null) {
      const j = items.findIndex((item) => coalesce(patternOf(item), next) === null);
      const first = items[j < 0 || j >= i ? i : j]!;
      throw new GVariantParseError('unable to find a common type', first.start, first.end, '');
    }
    pattern = merged;
  }
  return pattern;
}

interface Cursor {
  s: string;
  i: number;
}

/** Copies one whole item (with its array/maybe prefixes) from a pattern. */
function copyItem(from: Cursor): string {
  let out = '';
  while ('amM'.includes(from.s[from.i] ?? '-')) out += from.s[from.i++];
  let brackets = 0;
  do {
    const c = from.s[from.i++] ?? '';
    if (c === '(' || c === '{') brackets++;
    else if (c === ')' || c === '}') brackets--;
    out += c;
  } while (brackets > 0);
  return out;
}

/** The most general pattern that is both a subpattern of `left` and of `right` (pattern_coalesce). */
function coalesce(left: string, right: string): string | null {
  const l: Cursor = { s: left, i: 0 };
  const r: Cursor = { s: right, i: 0 };
  let out = '';
  while (l.i < left.length && r.i < right.length) {
    if (left[l.i] === right[r.i]) {
      out += left[l.i];
      l.i++;
      r.i++;
      continue;
    }
    let progressed = false;
    for (const [one, other] of [
      [l, r],
      [r, l],
    ] as const) {
      const o = one.s[one.i]!;
      const t = other.s[other.i]!;
      if (o === '*' && t !== ')') {
        out += copyItem(other);
        one.i++;
      } else if (o === 'M' && t === 'm') {
        out += t;
        other.i++;
      } else if (o === 'M' && t !== 'm' && t !== '*') {
        one.i++;
      } else if (o === 'N' && 'ynqiuxthd'.includes(t)) {
        out += t;
        other.i++;
        one.i++;
      } else if (o === 'S' && 'sog'.includes(t)) {
        out += t;
        other.i++;
        one.i++;
      } else continue;
      progressed = true;
      break;
    }
    if (!progressed) break;
  }
  return l.i < left.length || r.i < right.length ? null : out;
}

/** The value of a tree whose type nobody gave: GLib's defaults are no maybe, 's' and 'i'. */
function resolve(ast: Ast): GVariant {
  let type = '';
  for (const c of patternOf(ast)) {
    if (c === '*') throw astError(ast, 'unable to infer type');
    if (c === 'M') continue;
    type += c === 'S' ? 's' : c === 'N' ? 'i' : c;
  }
  return valueOf(ast, type);
}

// ---------------------------------------------------------------------------
// Values

// Errors found after parsing carry no text; parseGVariant adds it.
function astError(ast: Source, reason: string): GVariantParseError {
  return new GVariantParseError(reason, ast.start, ast.end, '');
}

function typeError(ast: Source, type: string): GVariantParseError {
  return astError(ast, `can not parse as value of type '${type}'`);
}

function valueOf(ast: Ast, type: string): GVariant {
  if (ast.node === 'typedecl') return valueOf(ast.child, type);
  if (ast.node === 'maybe') {
    if (type[0] !== 'm') throw typeError(ast, type);
    return { kind: 'maybe', type, value: ast.child ? valueOf(ast.child, type.slice(1)) : null };
  }
  // Any other value fits a maybe type too, as `just` that value.
  const depth = /^m*/.exec(type)![0].length;
  let value = baseValueOf(ast, type.slice(depth));
  for (let k = depth - 1; k >= 0; k--) value = { kind: 'maybe', type: type.slice(k), value };
  return value;
}

function baseValueOf(ast: Exclude<Ast, { node: 'typedecl' | 'maybe' }>, type: string): GVariant {
  switch (ast.node) {
    case 'array': {
      if (type[0] !== 'a') throw typeError(ast, type);
      return { kind: 'array', type, value: ast.children.map((child) => valueOf(child, type.slice(1))) };
    }
    case 'tuple': {
      if (type[0] !== '(') throw typeError(ast, type);
      // Item by item, so that the first bad item is the one reported.
      const items = tupleItemTypes(type);
      const value = ast.children.map((child, i) => {
        if (i >= items.length) throw typeError(ast, type);
        return valueOf(child, items[i]!);
      });
      if (value.length !== items.length) throw typeError(ast, type);
      return { kind: 'tuple', type, value };
    }
    case 'variant':
      if (type !== 'v') throw typeError(ast, type);
      return { kind: 'variant', type, value: resolve(ast.child) };
    case 'dict':
      return dictionaryValue(ast, type);
    case 'string':
      return stringValue(ast, type);
    case 'bytestring':
      if (type !== 'ay') throw typeError(ast, type);
      return { kind: 'array', type, value: ast.bytes.map((b) => ({ kind: 'integer', type: 'y', value: b })) };
    case 'number':
      return numberValue(ast, type);
    case 'boolean':
      if (type !== 'b') throw typeError(ast, type);
      return { kind: 'boolean', type, value: ast.value };
  }
}

function dictionaryValue(ast: Extract<Ast, { node: 'dict' }>, type: string): GVariant {
  const entryOf = (entryType: string, i: number): GVariant => {
    const keyType = entryType[1]!;
    const valueType = entryType.slice(2, -1);
    return { kind: 'entry', type: entryType, value: [valueOf(ast.keys[i]!, keyType), valueOf(ast.values[i]!, valueType)] };
  };
  if (ast.entry) {
    if (type[0] !== '{') throw typeError(ast, type);
    return entryOf(type, 0);
  }
  if (!type.startsWith('a{')) throw typeError(ast, type);
  return { kind: 'array', type, value: ast.keys.map((_, i) => entryOf(type.slice(1), i)) };
}

const OBJECT_PATH = /^\/(?:[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*)?$/;

/** A D-Bus signature: zero or more complete definite types, no maybes. */
function isSignature(text: string): boolean {
  if (!/^[ybnqiuxthdvasog(){}]*$/.test(text)) return false;
  for (let i = 0; i < text.length; ) {
    const item = scanType(text, i);
    if (!item) return false;
    i = item.end;
  }
  return true;
}

function stringValue(ast: Extract<Ast, { node: 'string' }>, type: string): GVariant {
  if (type === 's') {
    if (ast.invalid) throw new GVariantParseError(ast.invalid.reason, ast.invalid.start, ast.invalid.end, '');
    return { kind: 'string', type, value: ast.value };
  }
  if (type === 'o') {
    if (ast.invalid || !OBJECT_PATH.test(ast.value)) throw astError(ast, 'not a valid object path');
    return { kind: 'string', type, value: ast.value };
  }
  if (type === 'g') {
    if (ast.invalid || !isSignature(ast.value)) throw astError(ast, 'not a valid signature');
    return { kind: 'string', type, value: ast.value };
  }
  throw typeError(ast, type);
}

const UINT64_MAX = (1n << 64n) - 1n;

/** g_ascii_strtoull(text, &end, 0): decimal, 0x hex or 0 octal, with a sign; wraps like C. */
function strtoull(text: string): { value: bigint; end: number; overflow: boolean } {
  let i = 0;
  let negative = false;
  if (text[i] === '-' || text[i] === '+') negative = text[i++] === '-';
  let base = 10n;
  if (text[i] === '0') {
    if (text[i + 1] === 'x' || text[i + 1] === 'X') {
      i += 2;
      base = 16n;
    } else base = 8n;
  }
  const digitsStart = i;
  let value = 0n;
  let overflow = false;
  for (; i < text.length; i++) {
    const c = text[i]!;
    const digit = isDigit(c) ? BigInt(c.charCodeAt(0) - 48) : isAlpha(c) ? BigInt(c.toUpperCase().charCodeAt(0) - 55) : 99n;
    if (digit >= base) break;
    if (value * base + digit > UINT64_MAX) overflow = true;
    else value = value * base + digit;
  }
  if (i === digitsStart) {
    // No digits: "0x" alone reads as 0 and stops at the x; anything else stops at once.
    return { value: 0n, end: base === 16n ? digitsStart - 1 : 0, overflow: false };
  }
  // glibc's strtoull: too big is UINT64_MAX whatever the sign; a negative number wraps.
  if (overflow) return { value: UINT64_MAX, end: i, overflow };
  return { value: negative ? -value & UINT64_MAX : value, end: i, overflow };
}

const FLOAT_PREFIX =
  /^[+-]?(?:inf(?:inity)?|nan|0x(?:[0-9a-f]+(?:\.[0-9a-f]*)?|\.[0-9a-f]+)(?:p[+-]?\d+)?|(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)/i;

/** g_ascii_strtod: the longest prefix that is a C double, its value, and whether it was out of range. */
function strtod(text: string): { value: number; end: number; outOfRange: boolean } {
  const match = FLOAT_PREFIX.exec(text);
  if (!match) return { value: 0, end: 0, outOfRange: false };
  const literal = match[0];
  const negative = literal[0] === '-';
  const body = literal.replace(/^[+-]/, '').toLowerCase();
  if (body.startsWith('inf')) return { value: negative ? -Infinity : Infinity, end: literal.length, outOfRange: false };
  if (body === 'nan') return { value: negative ? negativeNaN() : NaN, end: literal.length, outOfRange: false };
  const parsed = body.startsWith('0x') ? hexFloat(body.slice(2)) : decimalFloat(body);
  return { value: negative ? -parsed.value : parsed.value, end: literal.length, outOfRange: parsed.outOfRange };
}

const MIN_NORMAL = 2.2250738585072014e-308;

// glibc's strtod reports overflow, and an inexact result below the smallest
// normal double (a decimal one always is), as out of range.
function decimalFloat(text: string): { value: number; outOfRange: boolean } {
  const value = Number(text);
  return { value, outOfRange: !Number.isFinite(value) || (value !== 0 && value < MIN_NORMAL) };
}

function hexFloat(text: string): { value: number; outOfRange: boolean } {
  const [mantissa = '', exponent = '0'] = text.split('p');
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = BigInt(`0x${whole}${fraction}`);
  const e2 = Number(exponent) - 4 * fraction.length;
  // Multiples of 2^-1074 below the smallest normal are exact subnormals.
  if (digits !== 0n && Math.log2(Number(digits)) + e2 < -1022) {
    const shift = BigInt(e2 + 1074);
    const exact = shift >= 0n || digits % (1n << -shift) === 0n;
    const units = shift >= 0n ? digits << shift : digits >> -shift;
    return { value: Number(units) * 2 ** -1074, outOfRange: !exact };
  }
  const value = Number(digits) * 2 ** Math.max(e2, -1022) * 2 ** Math.min(e2 + 1022, 0);
  return { value, outOfRange: !Number.isFinite(value) };
}

const FLOAT_BYTES = new DataView(new ArrayBuffer(8));

/** NaN with its sign bit set, for "-nan" (GLib prints the sign back). */
function negativeNaN(): number {
  FLOAT_BYTES.setUint32(0, 0xfff80000);
  FLOAT_BYTES.setUint32(4, 0);
  return FLOAT_BYTES.getFloat64(0);
}

function signBit(x: number): boolean {
  FLOAT_BYTES.setFloat64(0, x);
  return (FLOAT_BYTES.getUint32(0) & 0x80000000) !== 0;
}

const INTEGER_RANGES: Record<string, { min: bigint; max: bigint }> = {
  y: { min: 0n, max: 255n },
  n: { min: -(1n << 15n), max: (1n << 15n) - 1n },
  q: { min: 0n, max: (1n << 16n) - 1n },
  i: { min: -(1n << 31n), max: (1n << 31n) - 1n },
  h: { min: -(1n << 31n), max: (1n << 31n) - 1n },
  u: { min: 0n, max: (1n << 32n) - 1n },
  x: { min: -(1n << 63n), max: (1n << 63n) - 1n },
  t: { min: 0n, max: UINT64_MAX },
};

function numberValue(ast: Extract<Ast, { node: 'number' }>, type: string): GVariant {
  const token = ast.token;
  const invalidAt = (offset: number) => new GVariantParseError('invalid character in number', ast.start + offset, ast.start + offset + 1, '');
  if (type === 'd') {
    const parsed = strtod(token);
    if (parsed.outOfRange) throw astError(ast, 'number too big for any type');
    if (parsed.end !== token.length) throw invalidAt(parsed.end);
    return { kind: 'double', type, value: parsed.value };
  }
  const range = INTEGER_RANGES[type];
  let negative = token[0] === '-';
  const digits = negative ? token.slice(1) : token;
  const parsed = strtoull(digits);
  if (parsed.overflow && parsed.value === UINT64_MAX) throw astError(ast, 'integer too big for any type');
  if (parsed.value === 0n) negative = false;
  if (parsed.end !== digits.length) throw invalidAt(parsed.end + (token[0] === '-' ? 1 : 0));
  if (!range) throw typeError(ast, type);
  const value = negative ? -parsed.value : parsed.value;
  if (value < range.min || value > range.max) throw astError(ast, `number out of range for type '${type}'`);
  if (type === 'x' || type === 't') return { kind: 'bigint', type, value };
  return { kind: 'integer', type: type as 'y' | 'n' | 'q' | 'i' | 'h' | 'u', value: Number(value) };
}

// ---------------------------------------------------------------------------
// Public API

/**
 * Parses GVariant text as g_variant_parse(type, text) does. With `type` (a
 * definite type string, e.g. a key's type from its schema) the text must fit
 * it; without, the type is inferred and must be unambiguous (`@as []`, not `[]`).
 */
export function parseGVariant(text: string, type?: string): GVariant {
  const quick = quickParse(text, type);
  if (quick) return quick;
  if (type !== undefined && !isDefiniteTypeString(type)) throw new TypeError(`not a definite GVariant type: '${type}'`);
  // GLib reads a C string: a NUL ends the input.
  const input = text.includes('\0') ? text.slice(0, text.indexOf('\0')) : text;
  const stream = new TokenStream(input);
  try {
    const ast = parseValue(stream, MAX_DEPTH);
    const value = type === undefined ? resolve(ast) : valueOf(ast, type);
    if (stream.prepare()) throw new GVariantParseError('expected end of input', stream.start, stream.start, input);
    return value;
  } catch (error) {
    if (error instanceof GVariantParseError && error.text !== input) throw new GVariantParseError(error.reason, error.start, error.end, input);
    throw error;
  }
}

const SIMPLE_STRING = /^(?:'[^'\\\0]*'|"[^"\\\0]*")$/;
const SIMPLE_INTEGER = /^-?(?:0|[1-9][0-9]{0,9})$/;
const SIMPLE_UINT32 = /^uint32 (?:0|[1-9][0-9]{0,9})$/;
const SIMPLE_DOUBLE = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;
/** `['a', 'b']` as g_variant_print writes a string array (no quote or backslash inside). */
const SIMPLE_STRING_ARRAY = /^\[(?:'[^'\\\0]*'(?:, '[^'\\\0]*')*)?\]$/;
const QUOTED_ITEM = /'([^']*)'/g;

/**
 * The texts most settings hold (a plain quoted string, true or false, a small
 * decimal int32 or uint32, `uint32 N` as dconf stores one, a plain decimal
 * double, a list of plain strings as g_variant_print writes it) read without
 * the general parser, with its result; undefined for anything else. A check
 * reads thousands of these (defaults, dconf's values, the manifest's), and
 * the general parser is most of the gsettings domain's time.
 */
function quickParse(text: string, type: string | undefined): GVariant | undefined {
  if ((type === undefined || type === 's') && SIMPLE_STRING.test(text)) return { kind: 'string', type: 's', value: text.slice(1, -1) };
  if ((type === undefined || type === 'b') && (text === 'true' || text === 'false')) return { kind: 'boolean', type: 'b', value: text === 'true' };
  if ((type === undefined || type === 'i' || type === 'u') && SIMPLE_INTEGER.test(text)) {
    const integerType = type ?? 'i';
    const value = Number(text) || 0;
    const range = INTEGER_RANGES[integerType]!;
    if (value >= range.min && value <= range.max) return { kind: 'integer', type: integerType, value };
  }
  if ((type === undefined || type === 'u') && SIMPLE_UINT32.test(text)) {
    const value = Number(text.slice(7));
    if (value <= INTEGER_RANGES.u!.max) return { kind: 'integer', type: 'u', value };
  }
  // strtod of these digits is Number's reading of them, -0 included.
  if ((type === undefined || type === 'd') && SIMPLE_DOUBLE.test(text)) return { kind: 'double', type: 'd', value: Number(text) };
  if (type === 'd' && SIMPLE_INTEGER.test(text)) return { kind: 'double', type: 'd', value: Number(text) };
  // Without a type, `[]` is an error (no type to infer): left to the parser.
  if ((type === 'as' || (type === undefined && text !== '[]')) && SIMPLE_STRING_ARRAY.test(text)) {
    const items: GVariant[] = [];
    for (const match of text.matchAll(QUOTED_ITEM)) items.push({ kind: 'string', type: 's', value: match[1]! });
    return { kind: 'array', type: 'as', value: items };
  }
  return undefined;
}

/** Equality of typed values, as g_variant_equal: same type, same value (doubles bit for bit, NaN equals NaN). */
export function gvariantEqual(a: GVariant, b: GVariant): boolean {
  if (a.type !== b.type) return false;
  switch (a.kind) {
    case 'boolean':
    case 'integer':
    case 'bigint':
    case 'string':
      return a.value === b.value;
    case 'double':
      return Object.is(a.value, b.value);
    case 'variant':
      return gvariantEqual(a.value, b.value as GVariant);
    case 'maybe': {
      const other = b.value as GVariant | null;
      return a.value === null || other === null ? a.value === other : gvariantEqual(a.value, other);
    }
    case 'array':
    case 'tuple':
    case 'entry': {
      const other = b.value as GVariant[];
      return a.value.length === other.length && a.value.every((item, i) => gvariantEqual(item, other[i]!));
    }
  }
}

export interface FormatOptions {
  /**
   * Prefix types where the text alone would not say them (`uint32 5`, `@as []`),
   * as g_variant_print(value, TRUE), which is what `gsettings get` and
   * `dconf dump` print. Default true.
   */
  annotate?: boolean;
}

/** Prints a value as GLib's g_variant_print does; the text parses back to an equal value. */
export function formatGVariant(value: GVariant, options: FormatOptions = {}): string {
  return print(value, options.annotate ?? true);
}

const INTEGER_KEYWORDS: Record<string, string> = { n: 'int16', q: 'uint16', h: 'handle', u: 'uint32', x: 'int64', t: 'uint64' };

function print(v: GVariant, annotate: boolean): string {
  switch (v.kind) {
    case 'maybe':
      return (annotate ? `@${v.type} ` : '') + printMaybe(v);
    case 'array': {
      if (v.type === 'ay') {
        const bytestring = printByteString(v.value.map((b) => b.value as number));
        if (bytestring !== null) return bytestring;
      }
      const dictionary = v.type[1] === '{';
      if (v.value.length === 0) return `${annotate ? `@${v.type} ` : ''}${dictionary ? '{}' : '[]'}`;
      // Only the first item carries a type annotation: it decides the others'.
      const items = v.value.map((item, i) => {
        const first = annotate && i === 0;
        if (!dictionary) return print(item, first);
        const [key, val] = item.value as [GVariant, GVariant];
        return `${print(key, first)}: ${print(val, first)}`;
      });
      return dictionary ? `{${items.join(', ')}}` : `[${items.join(', ')}]`;
    }
    case 'tuple': {
      const items = v.value.map((item) => print(item, annotate));
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    }
    case 'entry':
      return `{${print(v.value[0], annotate)}, ${print(v.value[1], annotate)}}`;
    case 'variant':
      // A variant's content is of any type, so it always says its type.
      return `<${print(v.value, true)}>`;
    case 'boolean':
      return v.value ? 'true' : 'false';
    case 'string':
      if (v.type === 's') return printString(v.value);
      return `${annotate ? (v.type === 'o' ? 'objectpath ' : 'signature ') : ''}'${v.value}'`;
    case 'integer':
      if (v.type === 'y') return `${annotate ? 'byte ' : ''}0x${v.value.toString(16).padStart(2, '0')}`;
      // int32 is what a bare number means, so it is never annotated.
      return `${annotate && v.type !== 'i' ? `${INTEGER_KEYWORDS[v.type]} ` : ''}${v.value}`;
    case 'bigint':
      return `${annotate ? `${INTEGER_KEYWORDS[v.type]} ` : ''}${v.value}`;
    case 'double':
      return printDouble(v.value);
  }
}

/** `just` only where needed to tell `just nothing` from `nothing`; otherwise the innermost value alone. */
function printMaybe(v: Extract<GVariant, { kind: 'maybe' }>): string {
  if (v.value === null) return 'nothing';
  const depth = /^m*/.exec(v.type)![0].length;
  let element: GVariant | null = v;
  let i = 0;
  for (; i < depth && element !== null; i++) element = (element as Extract<GVariant, { kind: 'maybe' }>).value;
  if (element === null) return 'just '.repeat(i - 1) + 'nothing';
  return print(element, false);
}

// g_unichar_isprint: everything but controls, format characters, unassigned code points and surrogates.
const NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cn}\p{Cs}]$/u;
const C_ESCAPES: Record<string, string> = { '\x07': 'a', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't', '\v': 'v' };

function printString(text: string): string {
  // Single quotes unless the text holds one.
  const quote = text.includes("'") ? '"' : "'";
  let out = quote;
  for (const c of text) {
    if (c === quote || c === '\\') out += '\\';
    if (!NOT_PRINTABLE.test(c)) {
      out += c;
      continue;
    }
    const code = c.codePointAt(0)!;
    const simple = C_ESCAPES[c];
    if (simple) out += `\\${simple}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

/** b'...' when the bytes are a C string (one NUL, at the end), else null (printed as an array). */
function printByteString(bytes: number[]): string | null {
  if (bytes.length === 0 || bytes.indexOf(0) !== bytes.length - 1) return null;
  const content = bytes.slice(0, -1);
  let escaped = '';
  for (const b of content) {
    const simple = C_ESCAPES[String.fromCharCode(b)];
    if (simple && b !== 7) escaped += `\\${simple}`;
    else if (b === 0x5c) escaped += '\\\\';
    else if (b === 0x22) escaped += '\\"';
    else if (b < 0x20 || b >= 0x7f) escaped += `\\${b.toString(8).padStart(3, '0')}`;
    else escaped += String.fromCharCode(b);
  }
  return content.includes(0x27) ? `b"${escaped}"` : `b'${escaped}'`;
}

/** printf("%.17g") then ".0" when the result would read as an integer, as GLib prints a double. */
function printDouble(x: number): string {
  if (Number.isNaN(x)) return signBit(x) ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const text = formatG17(x);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

const TEN_16 = 10n ** 16n;
const TEN_17 = 10n ** 17n;

/** C's "%.17g", exactly: 17 significant digits rounded half to even from the exact binary value. */
function formatG17(x: number): string {
  const sign = signBit(x) ? '-' : '';
  const abs = Math.abs(x);
  if (abs === 0) return `${sign}0`;
  FLOAT_BYTES.setFloat64(0, abs);
  const hi = FLOAT_BYTES.getUint32(0);
  const lo = FLOAT_BYTES.getUint32(4);
  const exponentBits = hi >>> 20;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (exponentBits === 0) e2 = -1074;
  else {
    mantissa |= 1n << 52n;
    e2 = exponentBits - 1075;
  }
  let e10 = Math.floor(Math.log10(abs));
  let digits: bigint;
  for (;;) {
    let num = e2 >= 0 ? mantissa << BigInt(e2) : mantissa;
    let den = e2 >= 0 ? 1n : 1n << BigInt(-e2);
    const scale = e10 - 16;
    if (scale >= 0) den *= 10n ** BigInt(scale);
    else num *= 10n ** BigInt(-scale);
    let q = num / den;
    if (q >= TEN_17) {
      e10++;
      continue;
    }
    if (q < TEN_16) {
      e10--;
      continue;
    }
    const twice = 2n * (num % den);
    if (twice > den || (twice === den && (q & 1n) === 1n)) q++;
    if (q === TEN_17) {
      q = TEN_16;
      e10++;
    }
    digits = q;
    break;
  }
  const d = digits.toString();
  if (e10 >= -4 && e10 < 17) {
    const point = e10 + 1;
    const whole = point > 0 ? d.slice(0, point) : '0';
    const fraction = (point > 0 ? d.slice(point) : '0'.repeat(-point) + d).replace(/0+$/, '');
    return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
  }
  const fraction = d.slice(1).replace(/0+$/, '');
  const exponent = `${e10 < 0 ? '-' : '+'}${String(Math.abs(e10)).padStart(2, '0')}`;
  return `${sign}${d[0]}${fraction ? `.${fraction}` : ''}e${exponent}`;
}
