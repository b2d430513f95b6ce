// GVariant's serialised (binary) form, as GLib reads it (glib/gvariant-serialiser.c
// and the getters of gvariant.c), into the typed values of gvariant.ts. dconf
// stores every value this way, so reading its databases in process needs it.
//
// Serialised data is never refused: as in GLib, a malformed child (a framing
// offset out of bounds or out of order, an unterminated string, a fixed-size
// value of the wrong size...) takes its type's default value, and the rest is
// read as usual. Only a type string that is not a definite type throws.
import { isDefiniteTypeString, type GVariant } from './gvariant.js';

export interface DecodeOptions {
  /** Numbers are big-endian (a database written on a big-endian machine); framing offsets are always little-endian. */
  bigEndian?: boolean;
}

/** Reads `bytes` as a serialised value of the definite type `type`, as g_variant_new_from_bytes(type, bytes, untrusted). */
export function decodeGVariant(bytes: Uint8Array, type: string, options: DecodeOptions = {}): GVariant {
  return new GVariantReader(bytes, options).read(type);
}

// ---------------------------------------------------------------------------
// Type information (gvarianttypeinfo.c): alignment, fixed size, members

interface TypeInfo {
  type: string;
  /** The first character: a basic type, 'v', 'm', 'a', '(' or '{'. */
  code: string;
  /** Alignment minus one (0, 1, 3 or 7). */
  align: number;
  /** 0 for a variable-size type. */
  fixedSize: number;
  /** Nesting depth as GLib counts it (g_variant_type_string_get_depth_), for the limit on nested variants. */
  depth: number;
  element?: TypeInfo;
  members?: MemberInfo[];
}

interface MemberInfo {
  info: TypeInfo;
  /** The framing offset this member's start counts from (the end of the nearest variable-size member before it), or -1 for the container start. */
  i: number;
  /** The fixed-size members between that point and this one: each aligned then skipped. */
  between: { align: number; size: number }[];
  ending: 'fixed' | 'last' | 'offset';
}

// GLib's nesting limit (G_VARIANT_MAX_RECURSION_DEPTH).
const MAX_DEPTH = 128;

const BASIC: Record<string, { align: number; size: number }> = {
  b: { align: 0, size: 1 },
  y: { align: 0, size: 1 },
  n: { align: 1, size: 2 },
  q: { align: 1, size: 2 },
  i: { align: 3, size: 4 },
  u: { align: 3, size: 4 },
  h: { align: 3, size: 4 },
  x: { align: 7, size: 8 },
  t: { align: 7, size: 8 },
  d: { align: 7, size: 8 },
  s: { align: 0, size: 0 },
  o: { align: 0, size: 0 },
  g: { align: 0, size: 0 },
};

const typeInfos = new Map<string, TypeInfo>();

function typeInfo(type: string): TypeInfo {
  const known = typeInfos.get(type);
  if (known) return known;
  if (!isDefiniteTypeString(type)) throw new TypeError(`not a definite GVariant type: '${type}'`);
  const info = parseInfo(type, 0).info;
  typeInfos.set(type, info);
  return info;
}

/** The type starting at `start` of a type string already known to be valid. */
function parseInfo(type: string, start: number): { info: TypeInfo; end: number } {
  const code = type[start]!;
  const basic = BASIC[code];
  if (basic) return { info: { type: code, code, align: basic.align, fixedSize: basic.size, depth: 1 }, end: start + 1 };
  if (code === 'v') return { info: { type: code, code, align: 7, fixedSize: 0, depth: 1 }, end: start + 1 };
  if (code === 'a' || code === 'm') {
    const element = parseInfo(type, start + 1);
    const info: TypeInfo = { type: type.slice(start, element.end), code, align: element.info.align, fixedSize: 0, depth: element.info.depth + 1, element: element.info };
    return { info, end: element.end };
  }
  // '(' or '{': a tuple or dictionary entry, laid out the same way.
  const close = code === '(' ? ')' : '}';
  const items: TypeInfo[] = [];
  let i = start + 1;
  while (type[i] !== close) {
    const item = parseInfo(type, i);
    items.push(item.info);
    i = item.end;
  }
  const members: MemberInfo[] = [];
  let framing = -1;
  let between: { align: number; size: number }[] = [];
  items.forEach((item, index) => {
    const last = index === items.length - 1;
    members.push({ info: item, i: framing, between, ending: item.fixedSize !== 0 ? 'fixed' : last ? 'last' : 'offset' });
    if (item.fixedSize === 0) {
      framing++;
      between = [];
    } else between = [...between, { align: item.align, size: item.fixedSize }];
  });
  const align = items.reduce((a, item) => Math.max(a, item.align), 0);
  let fixedSize = 0;
  if (items.every((item) => item.fixedSize !== 0)) {
    // A fixed-size tuple: its items in sequence, padded to its alignment; the unit tuple is one byte.
    let offset = 0;
    for (const item of items) offset = alignUp(offset, item.align) + item.fixedSize;
    fixedSize = items.length === 0 ? 1 : alignUp(offset, align);
  }
  // GLib counts '()' as depth 0 and a dictionary entry by its value only.
  const depth = code === '(' ? items.reduce((d, item) => Math.max(d, item.depth + 1), 0) : items[1]!.depth + 1;
  return { info: { type: type.slice(start, i + 1), code, align, fixedSize, depth, members }, end: i + 1 };
}

/** `offset` rounded up to a multiple of `align + 1`. */
const alignUp = (offset: number, align: number) => offset + (-offset & align);

/** Framing offsets are as wide as the container's size needs (gvs_get_offset_size). */
function offsetSize(size: number): number {
  if (size > 0xffffffff) return 8;
  if (size > 0xffff) return 4;
  if (size > 0xff) return 2;
  return size > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Default values (what a malformed child reads as)

const UNIT: GVariant = { kind: 'tuple', type: '()', value: [] };

function defaultValue(info: TypeInfo): GVariant {
  switch (info.code) {
    case 'b':
      return { kind: 'boolean', type: 'b', value: false };
    case 'y':
    case 'n':
    case 'q':
    case 'i':
    case 'u':
    case 'h':
      return { kind: 'integer', type: info.code, value: 0 };
    case 'x':
    case 't':
      return { kind: 'bigint', type: info.code, value: 0n };
    case 'd':
      return { kind: 'double', type: 'd', value: 0 };
    case 's':
    case 'g':
      return { kind: 'string', type: info.code, value: '' };
    case 'o':
      return { kind: 'string', type: 'o', value: '/' };
    case 'v':
      return { kind: 'variant', type: 'v', value: UNIT };
    case 'm':
      return { kind: 'maybe', type: info.type, value: null };
    case 'a':
      return { kind: 'array', type: info.type, value: [] };
    case '{':
      return { kind: 'entry', type: info.type, value: [defaultValue(info.members![0]!.info), defaultValue(info.members![1]!.info)] };
    default:
      return { kind: 'tuple', type: info.type, value: info.members!.map((member) => defaultValue(member.info)) };
  }
}

// ---------------------------------------------------------------------------
// Reading

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads values out of one buffer (a whole database file: no copy per value). */
export class GVariantReader {
  private readonly view: DataView;
  private readonly little: boolean;

  constructor(
    private readonly bytes: Uint8Array,
    options: DecodeOptions = {},
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.little = !options.bigEndian;
  }

  /**
   * The value of the definite type `type` serialised in bytes [start, start +
   * size). Throws TypeError for any other type, RangeError for bytes outside
   * the buffer; never for what the bytes hold.
   */
  read(type: string, start = 0, size = this.bytes.length - start): GVariant {
    const info = typeInfo(type);
    if (start < 0 || size < 0 || start + size > this.bytes.length) {
      throw new RangeError(`GVariant bytes ${start}..${start + size} lie outside the ${this.bytes.length}-byte buffer`);
    }
    // A fixed-size value of the wrong size reads as zeros, i.e. its default.
    if (info.fixedSize !== 0 && size !== info.fixedSize) return defaultValue(info);
    return this.value(info, start, size, 0);
  }

  /**
   * The value of type `info` in bytes [start, start + size). Containers hand
   * fixed-size children exactly their size, and a child they cannot frame its
   * default, so a fixed-size type always arrives here with its own size.
   */
  private value(info: TypeInfo, start: number, size: number, depth: number): GVariant {
    const view = this.view;
    switch (info.code) {
      case 'b':
        return { kind: 'boolean', type: 'b', value: this.bytes[start] !== 0 };
      case 'y':
        return { kind: 'integer', type: 'y', value: this.bytes[start]! };
      case 'n':
        return { kind: 'integer', type: 'n', value: view.getInt16(start, this.little) };
      case 'q':
        return { kind: 'integer', type: 'q', value: view.getUint16(start, this.little) };
      case 'i':
      case 'h':
        return { kind: 'integer', type: info.code, value: view.getInt32(start, this.little) };
      case 'u':
        return { kind: 'integer', type: 'u', value: view.getUint32(start, this.little) };
      case 'x':
        return { kind: 'bigint', type: 'x', value: view.getBigInt64(start, this.little) };
      case 't':
        return { kind: 'bigint', type: 't', value: view.getBigUint64(start, this.little) };
      case 'd':
        return { kind: 'double', type: 'd', value: view.getFloat64(start, this.little) };
      case 's': {
        const text = this.string(start, size);
        return { kind: 'string', type: 's', value: text ?? '' };
      }
      case 'o': {
        const text = this.string(start, size);
        return { kind: 'string', type: 'o', value: text !== undefined && isObjectPath(text) ? text : '/' };
      }
      case 'g': {
        const text = this.string(start, size);
        return { kind: 'string', type: 'g', value: text !== undefined && isSignature(text) ? text : '' };
      }
      case 'v':
        return this.variant(start, size, depth);
      case 'm':
        return this.maybe(info, start, size, depth);
      case 'a':
        return info.element!.fixedSize !== 0 ? this.fixedArray(info, start, size, depth) : this.variableArray(info, start, size, depth);
      default:
        return this.tuple(info, start, size, depth);
    }
  }

  /** A child framed by its container at [start, start + size); `framed` false when the container could not frame it. */
  private child(info: TypeInfo, framed: boolean, start: number, size: number, depth: number): GVariant {
    if (!framed || (info.fixedSize !== 0 && size !== info.fixedSize)) return defaultValue(info);
    return this.value(info, start, size, depth);
  }

  /** A NUL-terminated UTF-8 string with no NUL inside (g_variant_serialiser_is_string), else undefined. */
  private string(start: number, size: number): string | undefined {
    const bytes = this.bytes;
    const end = start + size - 1;
    if (size === 0 || bytes[end] !== 0) return undefined;
    let ascii = true;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c === 0) return undefined;
      if (c >= 0x80) ascii = false;
    }
    // Most settings are short ASCII: built here, without a copy of the bytes for the decoder.
    if (ascii && size <= 256) {
      let text = '';
      for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
      return text;
    }
    try {
      return UTF8.decode(bytes.subarray(start, end));
    } catch {
      return undefined;
    }
  }

  /**
   * An unsigned little-endian framing offset, 0 of them for an empty
   * container; 0 where it would lie outside the data (a member that needs it
   * is refused anyway).
   */
  private offset(at: number, width: number): number {
    if (width === 0 || at < 0 || at + width > this.bytes.length) return 0;
    switch (width) {
      case 1:
        return this.bytes[at]!;
      case 2:
        return this.view.getUint16(at, true);
      case 4:
        return this.view.getUint32(at, true);
      default:
        return this.view.getUint32(at + 4, true) * 2 ** 32 + this.view.getUint32(at, true);
    }
  }

  /** Value, NUL, type string; anything else is the unit tuple (gvs_variant_get_child). */
  private variant(start: number, size: number, depth: number): GVariant {
    const unit: GVariant = { kind: 'variant', type: 'v', value: UNIT };
    if (size === 0) return unit;
    let nul = size - 1;
    while (nul > 0 && this.bytes[start + nul] !== 0) nul--;
    if (this.bytes[start + nul] !== 0) return unit;
    let type = '';
    for (let i = start + nul + 1; i < start + size; i++) {
      const c = this.bytes[i]!;
      if (c === 0 || c >= 0x80) return unit;
      type += String.fromCharCode(c);
    }
    const info = typeInfos.get(type) ?? (isDefiniteTypeString(type) ? typeInfo(type) : undefined);
    if (!info) return unit;
    if ((info.fixedSize !== 0 && info.fixedSize !== nul) || depth + info.depth >= MAX_DEPTH) return unit;
    return { kind: 'variant', type: 'v', value: this.child(info, true, start, nul, depth + 1) };
  }

  private maybe(info: TypeInfo, start: number, size: number, depth: number): GVariant {
    const element = info.element!;
    // Fixed-size element: Just when the size is exactly the element's, else Nothing.
    // Variable-size element: Just when there is any data; its last byte is the padding.
    const just = element.fixedSize !== 0 ? size === element.fixedSize : size > 0;
    if (!just) return { kind: 'maybe', type: info.type, value: null };
    const childSize = element.fixedSize !== 0 ? size : size - 1;
    return { kind: 'maybe', type: info.type, value: this.child(element, true, start, childSize, depth + 1) };
  }

  /** Elements back to back; a size that is not a multiple of the element's is the empty array. */
  private fixedArray(info: TypeInfo, start: number, size: number, depth: number): GVariant {
    const element = info.element!;
    const items: GVariant[] = [];
    if (size % element.fixedSize === 0) {
      for (let at = start; at < start + size; at += element.fixedSize) items.push(this.value(element, at, element.fixedSize, depth + 1));
    }
    return { kind: 'array', type: info.type, value: items };
  }

  /** Elements, then one framing offset per element (its end), all as wide as the array's size needs. */
  private variableArray(info: TypeInfo, start: number, size: number, depth: number): GVariant {
    const element = info.element!;
    const items: GVariant[] = [];
    const array = { kind: 'array', type: info.type, value: items } as const;
    const width = offsetSize(size);
    if (width === 0) return array;
    const dataSize = this.offset(start + size - width, width);
    if (dataSize > size || (size - dataSize) % width !== 0) return array;
    const length = (size - dataSize) / width;
    const endOf = (index: number) => this.offset(start + dataSize + index * width, width);
    let previousEnd = 0;
    // GLib frames only elements whose offsets, from the first on, never go backwards.
    let ordered = true;
    for (let index = 0; index < length; index++) {
      const end = endOf(index);
      if (index > 0 && end < previousEnd) ordered = false;
      const childStart = index > 0 ? alignUp(previousEnd, element.align) : 0;
      previousEnd = end;
      const framed = ordered && childStart < end && end <= size && end <= dataSize;
      items.push(this.child(element, framed, start + childStart, end - childStart, depth + 1));
    }
    return array;
  }

  /**
   * Members in sequence, each aligned; a framing offset (its end) for every
   * variable-size member but the last, stored from the end backwards.
   */
  private tuple(info: TypeInfo, start: number, size: number, depth: number): GVariant {
    const members = info.members!;
    const width = offsetSize(size);
    const bounds = (member: MemberInfo): { start: number; end: number } => {
      let at = member.i < 0 ? 0 : this.offset(start + size - width * (member.i + 1), width);
      for (const fixed of member.between) at = alignUp(at, fixed.align) + fixed.size;
      at = alignUp(at, member.info.align);
      const end =
        member.ending === 'fixed'
          ? at + member.info.fixedSize
          : member.ending === 'last'
            ? size - width * (member.i + 1)
            : this.offset(start + size - width * (member.i + 2), width);
      return { start: at, end };
    };
    // gvs_tuple_get_child frames member k only when members 0..k do not overlap
    // and lie within the data; a first member out of bounds wraps GLib's count
    // of ordered members around, which then lets every member through.
    let orderedUpTo = members.length;
    let previousEnd = 0;
    for (let k = 0; k < members.length; k++) {
      const b = bounds(members[k]!);
      if (b.start > b.end || b.start < previousEnd || b.end > size) {
        orderedUpTo = k === 0 ? members.length : k - 1;
        break;
      }
      previousEnd = b.end;
    }
    // The end of the last member; GLib computes it unsigned, so too few bytes for the framing offsets wrap it around to no limit.
    const lastEnd = members.length > 0 ? bounds(members[members.length - 1]!).end : 0;
    const limit = lastEnd < 0 ? Infinity : lastEnd;
    const items = members.map((member, k) => {
      const needed = width * (member.i + (member.ending === 'offset' ? 2 : 1));
      const b = bounds(member);
      const framed = (k === 0 || k <= orderedUpTo) && needed <= size && b.start < b.end && b.end <= size && b.end <= limit;
      return this.child(member.info, framed, start + b.start, b.end - b.start, depth + 1);
    });
    return info.code === '{' ? { kind: 'entry', type: info.type, value: [items[0]!, items[1]!] } : { kind: 'tuple', type: info.type, value: items };
  }
}

/** A D-Bus object path: '/', or '/'-separated non-empty elements of [A-Za-z0-9_]. */
function isObjectPath(text: string): boolean {
  return /^\/(?:[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*)?$/.test(text);
}

/** A D-Bus signature: zero or more complete types, of the D-Bus characters only. */
function isSignature(text: string): boolean {
  if (!/^[ybnqiuxthdvasog(){}]*$/.test(text)) return false;
  let i = 0;
  while (i < text.length) {
    const end = scanSignatureType(text, i, MAX_DEPTH);
    if (end < 0) return false;
    i = end;
  }
  return true;
}

/** The end of the complete type at `i` (g_variant_type_string_scan), or -1. */
function scanSignatureType(text: string, i: number, limit: number): number {
  const c = text[i];
  if (c === '(') {
    let j = i + 1;
    while (text[j] !== ')') {
      if (limit === 0 || j >= text.length) return -1;
      j = scanSignatureType(text, j, limit - 1);
      if (j < 0) return -1;
    }
    return j + 1;
  }
  if (c === '{') {
    if (limit === 0 || !'bynqihuxtdsog'.includes(text[i + 1] ?? '(')) return -1;
    const j = scanSignatureType(text, i + 2, limit - 1);
    return j >= 0 && text[j] === '}' ? j + 1 : -1;
  }
  if (c === 'a') return limit === 0 ? -1 : scanSignatureType(text, i + 1, limit - 1);
  return c !== undefined && 'bynqiuxthdsogv'.includes(c) ? i + 1 : -1;
}
