// A small GVDB writer for unit tests of helper/dconf/gvdb.ts: it lays a file
// out as dconf's writer does (every key under its directory items, each
// directory an 'L' item listing its children, names relative to the parent),
// with knobs for what real files never have: a bloom filter, few buckets, a
// big-endian signature, a wrong version. Real files come from the real dconf
// in the integration tests.

export interface TableSpec {
  /** Full key path -> the serialised variant (`v`) stored for it. */
  values: Map<string, Uint8Array>;
  /** Nested tables by name, e.g. dconf's `.locks`. */
  tables?: Record<string, TableSpec>;
  buckets?: number;
  /** Bloom filter words; the bits GVDB's reader checks are set for every name. */
  bloomWords?: number;
}

export interface FileSpec extends TableSpec {
  bigEndian?: boolean;
  version?: number;
}

interface Entry {
  name: string;
  parent: number;
  key: string;
  type: 'v' | 'H' | 'L';
  value?: Uint8Array;
  table?: TableSpec;
  children: number[];
}

/** GVDB's hash: djb2 over the UTF-8 bytes as signed chars. */
export function gvdbHash(name: string): number {
  let hash = 5381;
  for (const byte of new TextEncoder().encode(name)) hash = (Math.imul(hash, 33) + ((byte << 24) >> 24)) >>> 0;
  return hash;
}

function entriesOf(spec: TableSpec): Entry[] {
  const entries: Entry[] = [];
  const byName = new Map<string, number>();
  const add = (entry: Omit<Entry, 'children'>): number => {
    const index = entries.push({ ...entry, children: [] }) - 1;
    byName.set(entry.name, index);
    if (entry.parent >= 0) entries[entry.parent]!.children.push(index);
    return index;
  };
  const dir = (path: string): number => {
    const known = byName.get(path);
    if (known !== undefined) return known;
    if (path === '/') return add({ name: '/', parent: -1, key: '/', type: 'L' });
    const parentPath = path.slice(0, path.lastIndexOf('/', path.length - 2) + 1);
    const parent = dir(parentPath);
    return add({ name: path, parent, key: path.slice(parentPath.length), type: 'L' });
  };
  for (const [name, value] of spec.values) {
    const parentPath = name.slice(0, name.lastIndexOf('/') + 1);
    const parent = dir(parentPath);
    add({ name, parent, key: name.slice(parentPath.length), type: 'v', value });
  }
  for (const [name, table] of Object.entries(spec.tables ?? {})) add({ name, parent: -1, key: name, type: 'H', table });
  return entries;
}

class Writer {
  bytes: number[] = [];

  align(n: number): void {
    while (this.bytes.length % n !== 0) this.bytes.push(0);
  }

  reserve(size: number): number {
    const at = this.bytes.length;
    for (let i = 0; i < size; i++) this.bytes.push(0);
    return at;
  }

  u32(at: number, value: number): void {
    for (let i = 0; i < 4; i++) this.bytes[at + i] = (value >>> (8 * i)) & 0xff;
  }

  u16(at: number, value: number): void {
    this.bytes[at] = value & 0xff;
    this.bytes[at + 1] = (value >>> 8) & 0xff;
  }

  append(data: Uint8Array | number[]): number {
    const at = this.bytes.length;
    this.bytes.push(...data);
    return at;
  }

  /** Writes a hash table; its start and end. */
  table(spec: TableSpec): { start: number; end: number } {
    const entries = entriesOf(spec);
    const buckets = Math.max(1, spec.buckets ?? entries.length);
    const bloomWords = spec.bloomWords ?? 0;
    const hashes = entries.map((e) => gvdbHash(e.name));
    // Items are stored bucket by bucket; the buckets hold the index of each one's first item.
    const order = entries.map((_, i) => i).sort((a, b) => hashes[a]! % buckets - hashes[b]! % buckets || a - b);
    const position = new Map(order.map((entry, i) => [entry, i]));
    this.align(4);
    const start = this.reserve(8 + bloomWords * 4 + buckets * 4 + entries.length * 24);
    this.u32(start, bloomWords);
    this.u32(start + 4, buckets);
    for (const hash of hashes) {
      if (bloomWords === 0) break;
      const word = start + 8 + (Math.floor(hash / 32) % bloomWords) * 4;
      const bits = this.bytes.slice(word, word + 4).reduce((v, b, i) => v | (b << (8 * i)), 0);
      this.u32(word, (bits | (1 << (hash & 31))) >>> 0);
    }
    for (let b = 0; b < buckets; b++) {
      const first = order.findIndex((i) => hashes[i]! % buckets >= b);
      this.u32(start + 8 + bloomWords * 4 + b * 4, first < 0 ? entries.length : first);
    }
    const end = this.bytes.length;
    order.forEach((entryIndex, slot) => {
      const entry = entries[entryIndex]!;
      const at = start + 8 + bloomWords * 4 + buckets * 4 + slot * 24;
      const key = new TextEncoder().encode(entry.key);
      const keyStart = this.append(key);
      let pointer = { start: 0, end: 0 };
      if (entry.type === 'v') {
        this.align(8);
        const valueStart = this.append(entry.value!);
        pointer = { start: valueStart, end: valueStart + entry.value!.length };
      } else if (entry.type === 'L') {
        this.align(4);
        const listStart = this.reserve(entry.children.length * 4);
        entry.children.forEach((child, i) => this.u32(listStart + i * 4, position.get(child)!));
        pointer = { start: listStart, end: listStart + entry.children.length * 4 };
      } else pointer = this.table(entry.table!);
      this.u32(at, hashes[entryIndex]!);
      this.u32(at + 4, entry.parent < 0 ? 0xffffffff : position.get(entry.parent)!);
      this.u32(at + 8, keyStart);
      this.u16(at + 12, key.length);
      this.bytes[at + 14] = entry.type.charCodeAt(0);
      this.u32(at + 16, pointer.start);
      this.u32(at + 20, pointer.end);
    });
    return { start, end };
  }
}

/** The bytes of a GVDB file holding `spec`. */
export function writeGvdb(spec: FileSpec): Uint8Array {
  const writer = new Writer();
  writer.append(new TextEncoder().encode(spec.bigEndian ? 'raVGtnai' : 'GVariant'));
  writer.reserve(16);
  writer.u32(8, spec.version ?? 0);
  const root = writer.table(spec);
  writer.u32(16, root.start);
  writer.u32(20, root.end);
  return new Uint8Array(writer.bytes);
}
