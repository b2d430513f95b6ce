// GVDB, the file format of dconf's databases (GNOME/gvdb, gvdb-reader.c), read
// from the bytes of a file. A file is a 24-byte header ("GVariant", version 0,
// a pointer to the root hash table) and hash tables: a bloom filter, buckets,
// and 24-byte items, each a name relative to its parent item, a type ('v' a
// value, 'H' a nested table, 'L' a list of children) and a pointer to its
// data. The header and tables are little-endian; the values are serialised
// GVariants in the byte order the signature tells.
import { GVariantReader } from '../gvariant-binary.js';
import type { GVariant } from '../gvariant.js';

/** The bytes are not a GVDB file (what gvdb_table_new refuses: short, wrong signature or version). */
export class GvdbError extends Error {
  override name = 'GvdbError';
}

const HEADER_SIZE = 24;
const ITEM_SIZE = 24;
const NO_PARENT = 0xffffffff;

interface Item {
  hash: number;
  parent: number;
  keyStart: number;
  keySize: number;
  type: number;
  /** The value's pointer: start and end offsets in the file. */
  start: number;
  end: number;
}

const TYPE_VALUE = 'v'.charCodeAt(0);
const TYPE_TABLE = 'H'.charCodeAt(0);
const TYPE_LIST = 'L'.charCodeAt(0);

const NAME_DECODER = new TextDecoder();

const KEY_ENCODER = new TextEncoder();
/** The UTF-8 bytes of the key being looked up (reused: one lookup at a time). */
let keyScratch = new Uint8Array(256);

/**
 * The UTF-8 bytes of `key` in keyScratch, and their GVDB hash (djb2 over
 * the bytes as signed chars). ASCII keys are hashed from the string itself: a
 * check looks up hundreds of keys once, before the JIT has warmed up, where
 * every pass over a key's characters shows.
 */
function hashKey(key: string): { length: number; hash: number; ascii: boolean } {
  let hash = 5381;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return hashUtf8(key);
    hash = (Math.imul(hash, 33) + c) >>> 0;
  }
  return { length: key.length, hash, ascii: true };
}

function hashUtf8(key: string): { length: number; hash: number; ascii: boolean } {
  if (keyScratch.length < key.length * 3) keyScratch = new Uint8Array(key.length * 3);
  const length = KEY_ENCODER.encodeInto(key, keyScratch).written;
  let hash = 5381;
  for (let i = 0; i < length; i++) hash = (Math.imul(hash, 33) + ((keyScratch[i]! << 24) >> 24)) >>> 0;
  return { length, hash, ascii: false };
}

/** One hash table of a GVDB file: the root table, or one nested in it (dconf's `.locks`). */
export class GvdbTable {
  private bloom: { start: number; words: number } = { start: 0, words: 0 };
  private buckets: { start: number; count: number } = { start: 0, count: 0 };
  private items: { start: number; count: number } = { start: 0, count: 0 };

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    private readonly reader: GVariantReader,
    /** Values are big-endian: the file was written on a big-endian machine. */
    readonly bigEndian: boolean,
    root: { start: number; end: number },
  ) {
    this.setupRoot(root);
  }

  /** Reads the header of a GVDB file; `name` (its path) is for the error. Throws GvdbError when it is not one. */
  static open(file: Uint8Array, name: string): GvdbTable {
    // A plain view: a Buffer's subarray is much slower.
    const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < HEADER_SIZE) throw new GvdbError(`${name}: not a GVDB database (${bytes.length} bytes, shorter than its ${HEADER_SIZE}-byte header)`);
    const signature = String.fromCharCode(...bytes.subarray(0, 8));
    const version = view.getUint32(8, true);
    // The signature is two native 32-bit words: "GVariant" as a little-endian machine writes them.
    const bigEndian = signature === 'raVGtnai';
    if ((signature !== 'GVariant' && !bigEndian) || version !== 0) {
      throw new GvdbError(`${name}: not a GVDB database (its header is not "GVariant", version 0)`);
    }
    const reader = new GVariantReader(bytes, { bigEndian });
    return new GvdbTable(bytes, view, reader, bigEndian, { start: view.getUint32(16, true), end: view.getUint32(20, true) });
  }

  /** gvdb_table_setup_root: a table whose parts do not fit the file is empty, not an error. */
  private setupRoot(pointer: { start: number; end: number }): void {
    const header = this.dereference(pointer, 4);
    if (!header || header.size < 8) return;
    let size = header.size - 8;
    const words = this.view.getUint32(header.start, true) & ((1 << 27) - 1);
    const buckets = this.view.getUint32(header.start + 4, true);
    if (words * 4 > size) return;
    this.bloom = { start: header.start + 8, words };
    size -= words * 4;
    if (buckets * 4 > size) return;
    this.buckets = { start: this.bloom.start + words * 4, count: buckets };
    size -= buckets * 4;
    if (size % ITEM_SIZE !== 0) return;
    this.items = { start: this.buckets.start + buckets * 4, count: size / ITEM_SIZE };
  }

  private dereference(pointer: { start: number; end: number }, alignment: number): { start: number; size: number } | undefined {
    if (pointer.start > pointer.end || pointer.end > this.bytes.length || pointer.start % alignment !== 0) return undefined;
    return { start: pointer.start, size: pointer.end - pointer.start };
  }

  private item(index: number): Item {
    const at = this.items.start + index * ITEM_SIZE;
    const view = this.view;
    return {
      hash: view.getUint32(at, true),
      parent: view.getUint32(at + 4, true),
      keyStart: view.getUint32(at + 8, true),
      keySize: view.getUint16(at + 12, true),
      type: this.bytes[at + 14]!,
      start: view.getUint32(at + 16, true),
      end: view.getUint32(at + 20, true),
    };
  }

  /** The item's own part of its name; undefined when it lies outside the file. */
  private keyBytes(item: Item): Uint8Array | undefined {
    const end = item.keyStart + item.keySize;
    return end > this.bytes.length ? undefined : this.bytes.subarray(item.keyStart, end);
  }

  /**
   * Whether item `index`, followed up through its parents, spells the first
   * `length` bytes of the key (gvdb_table_check_name): of `key` itself when
   * it is ASCII, else of its UTF-8 bytes in keyScratch. Read in place.
   */
  private checkName(index: number, key: string, ascii: boolean, length: number): boolean {
    const view = this.view;
    const bytes = this.bytes;
    for (;;) {
      const at = this.items.start + index * ITEM_SIZE;
      const keyStart = view.getUint32(at + 8, true);
      const keySize = view.getUint16(at + 12, true);
      if (keyStart + keySize > bytes.length || keySize > length) return false;
      const rest = length - keySize;
      if (ascii) {
        for (let i = 0; i < keySize; i++) if (bytes[keyStart + i] !== key.charCodeAt(rest + i)) return false;
      } else {
        for (let i = 0; i < keySize; i++) if (bytes[keyStart + i] !== keyScratch[rest + i]) return false;
      }
      const parent = view.getUint32(at + 4, true);
      if (rest === 0 && parent === NO_PARENT) return true;
      // Each step up consumes part of the key, so even a cycle of parents ends.
      if (parent >= this.items.count || keySize === 0) return false;
      index = parent;
      length = rest;
    }
  }

  /** gvdb_table_lookup: the index of the item named `key` of the given type, or -1. */
  private lookup(key: string, type: number): number {
    if (this.buckets.count === 0 || this.items.count === 0) return -1;
    const { length, hash, ascii } = hashKey(key);
    if (!this.bloomAllows(hash)) return -1;
    const { first, last } = this.bucketRange(hash);
    for (let index = first; index < last; index++) {
      const at = this.items.start + index * ITEM_SIZE;
      if (this.view.getUint32(at, true) === hash && this.checkName(index, key, ascii, length) && this.bytes[at + 14] === type) return index;
    }
    return -1;
  }

  /** The items a lookup of `hash` scans: its bucket's, up to where the next bucket starts. */
  private bucketRange(hash: number): { first: number; last: number } {
    const bucket = hash % this.buckets.count;
    const first = this.view.getUint32(this.buckets.start + bucket * 4, true);
    let last = this.items.count;
    if (bucket !== this.buckets.count - 1) {
      const next = this.view.getUint32(this.buckets.start + (bucket + 1) * 4, true);
      if (next <= this.items.count) last = next;
    }
    return { first, last };
  }

  private bloomAllows(hash: number): boolean {
    if (this.bloom.words === 0) return true;
    const word = this.view.getUint32(this.bloom.start + (Math.floor(hash / 32) % this.bloom.words) * 4, true);
    // GVDB's reader never sets its bloom shift, so both bits of the mask are the same one.
    const mask = (1 << (hash & 31)) >>> 0;
    return ((word & mask) >>> 0) === mask;
  }

  /** The value named `key`, as gvdb_table_get_value gives it (the stored variant's content). */
  value(key: string): GVariant | undefined {
    const index = this.lookup(key, TYPE_VALUE);
    return index < 0 ? undefined : this.valueOf(this.item(index));
  }

  /** Whether a value named `key` is there (gvdb_table_has_value: dconf's lock check). */
  hasValue(key: string): boolean {
    const index = this.lookup(key, TYPE_VALUE);
    return index >= 0 && this.dereference(this.item(index), 8) !== undefined;
  }

  /** The table nested under `key` (gvdb_table_get_table), e.g. dconf's `.locks`. */
  table(key: string): GvdbTable | undefined {
    const index = this.lookup(key, TYPE_TABLE);
    return index < 0 ? undefined : new GvdbTable(this.bytes, this.view, this.reader, this.bigEndian, this.item(index));
  }

  /** The names of the children listed under `key` (gvdb_table_list); undefined when `key` lists none. */
  list(key: string): string[] | undefined {
    const index = this.lookup(key, TYPE_LIST);
    const list = index < 0 ? undefined : this.dereference(this.item(index), 4);
    if (!list || list.size % 4 !== 0) return undefined;
    const names: string[] = [];
    for (let at = list.start; at < list.start + list.size; at += 4) {
      const index = this.view.getUint32(at, true);
      const key = index < this.items.count ? this.keyBytes(this.item(index)) : undefined;
      names.push(key ? NAME_DECODER.decode(key) : '');
    }
    return names;
  }

  /**
   * The full name of every item, by item index (gvdb_table_get_names): an
   * item's name is its parent's followed by its own. Items whose parent chain
   * does not lead to a root (a corrupt file) have none.
   */
  private fullNames(): (string | undefined)[] {
    const count = this.items.count;
    const names: (string | undefined)[] = new Array(count);
    let filled: number;
    let total = 0;
    do {
      filled = 0;
      for (let i = 0; i < count; i++) {
        if (names[i] !== undefined) continue;
        const item = this.item(i);
        const parent = item.parent === NO_PARENT ? '' : item.parent < count ? names[item.parent] : undefined;
        const own = this.keyBytes(item);
        if (parent === undefined || !own) continue;
        names[i] = parent + NAME_DECODER.decode(own);
        filled++;
      }
      total += filled;
    } while (filled > 0 && total < count);
    return names;
  }

  /** Every name in the table, in item order. */
  names(): string[] {
    return this.fullNames().filter((name): name is string => name !== undefined);
  }

  /** Every value in the table by its full name (for dconf, the key path). */
  values(): Map<string, GVariant> {
    const names = this.fullNames();
    const values = new Map<string, GVariant>();
    names.forEach((name, i) => {
      const item = this.item(i);
      if (name === undefined || item.type !== TYPE_VALUE) return;
      const value = this.valueOf(item);
      if (value) values.set(name, value);
    });
    return values;
  }

  private valueOf(item: Item): GVariant | undefined {
    const data = this.dereference(item, 8);
    if (!data) return undefined;
    const variant = this.reader.read('v', data.start, data.size);
    return variant.kind === 'variant' ? variant.value : undefined;
  }
}
