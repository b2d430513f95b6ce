// GVDB files as dconf lays them out (test/harness/gvdb-writer.ts), read by
// helper/dconf/gvdb.ts; and dconf's profile lines. The files the real dconf
// writes are read in test/integration/dconf-database.test.ts.
import { describe, expect, it } from 'vitest';
import { parseDconfProfile } from '../../helper/dconf/database.js';
import { GvdbError, GvdbTable } from '../../helper/dconf/gvdb.js';
import { formatGVariant } from '../../helper/gvariant.js';
import { gvdbHash, writeGvdb, type FileSpec } from '../harness/gvdb-writer.js';

const text = (s: string) => [...new TextEncoder().encode(s)];

/** A serialised variant: the value's bytes, a NUL, its type. */
const variant = (type: string, payload: number[]) => new Uint8Array([...payload, 0, ...text(type)]);
const int32 = (n: number, bigEndian = false) => {
  const bytes = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  return bigEndian ? bytes.reverse() : bytes;
};
const string = (s: string) => [...text(s), 0];

const VALUES = new Map<string, Uint8Array>([
  ['/org/gnome/desktop/interface/gtk-theme', variant('s', string('adw-gtk3'))],
  ['/org/gnome/desktop/interface/text-scaling-factor', variant('i', int32(-3))],
  ['/org/gnome/shell/enabled-extensions', variant('as', [...string('a@x'), ...string('b@y'), 4, 8])],
  ['/org/gnome/shell/favorite-apps', variant('as', [])],
  ['/top', variant('b', [1])],
  ['/ünïcode/kéy', variant('s', string('ü'))],
]);

const shown = (table: GvdbTable, key: string) => {
  const value = table.value(key);
  return value && formatGVariant(value);
};

function open(spec: FileSpec): GvdbTable {
  return GvdbTable.open(writeGvdb(spec), 'test.gvdb');
}

describe('GVDB tables', () => {
  it('finds each value by its full key, parents spelling the path, and nothing else', () => {
    const table = open({ values: VALUES });
    expect(shown(table, '/org/gnome/desktop/interface/gtk-theme')).toBe("'adw-gtk3'");
    expect(shown(table, '/org/gnome/desktop/interface/text-scaling-factor')).toBe('-3');
    expect(shown(table, '/org/gnome/shell/enabled-extensions')).toBe("['a@x', 'b@y']");
    expect(shown(table, '/org/gnome/shell/favorite-apps')).toBe('@as []');
    expect(shown(table, '/top')).toBe('true');
    expect(shown(table, '/ünïcode/kéy')).toBe("'ü'");
    for (const missing of ['/org/gnome/shell/', 'enabled-extensions', '/org/gnome/shell/enabled-extension', '/org/gnome/shell/enabled-extensionsX', '/x/top', '']) {
      expect(table.value(missing)).toBeUndefined();
    }
    // A directory is a list, not a value.
    expect(table.hasValue('/org/gnome/shell/')).toBe(false);
    expect(table.hasValue('/top')).toBe(true);
  });

  it('lists a directory’s children by their own names, as dconf list does', () => {
    const table = open({ values: VALUES });
    expect(table.list('/')?.sort()).toEqual(['org/', 'top', 'ünïcode/']);
    expect(table.list('/org/gnome/shell/')?.sort()).toEqual(['enabled-extensions', 'favorite-apps']);
    expect(table.list('/org/gnome/shell/favorite-apps')).toBeUndefined();
    expect(table.list('/nowhere/')).toBeUndefined();
  });

  it('enumerates every value with its full name, and every name', () => {
    const table = open({ values: VALUES });
    const values = new Map([...table.values()].map(([key, value]) => [key, formatGVariant(value)]));
    expect([...values.keys()].sort()).toEqual([...VALUES.keys()].sort());
    expect(values.get('/org/gnome/shell/enabled-extensions')).toBe("['a@x', 'b@y']");
    expect(table.names()).toEqual(expect.arrayContaining(['/', '/org/', '/org/gnome/', '/org/gnome/shell/', '/top']));
  });

  it('reads a nested table: dconf’s .locks', () => {
    const locks = { values: new Map([['/org/gnome/shell/enabled-extensions', variant('s', string(''))]]) };
    const table = open({ values: VALUES, tables: { '.locks': locks } });
    const nested = table.table('.locks');
    expect(nested?.names()).toEqual(expect.arrayContaining(['/org/gnome/shell/enabled-extensions']));
    expect(nested?.hasValue('/org/gnome/shell/enabled-extensions')).toBe(true);
    expect(nested?.hasValue('/org/gnome/shell/favorite-apps')).toBe(false);
    expect(table.table('.nothing')).toBeUndefined();
    // The nested table's name is not a value of the outer one.
    expect(table.value('.locks')).toBeUndefined();
  });

  it('finds keys sharing one bucket, and keys let through or kept out by a bloom filter', () => {
    const oneBucket = open({ values: VALUES, buckets: 1 });
    for (const key of VALUES.keys()) expect(oneBucket.value(key)).toBeDefined();
    const bloom = open({ values: VALUES, bloomWords: 4 });
    for (const key of VALUES.keys()) expect(bloom.value(key)).toBeDefined();
    // A name whose bit is not set is not looked for: its lookup stops at the filter, as GVDB's does.
    const absent = ['/a', '/b', '/c', '/d', '/e', '/f'].find((key) => {
      const word = Math.floor(gvdbHash(key) / 32) % 4;
      const bit = gvdbHash(key) & 31;
      return ![...VALUES.keys(), '/', '/org/', '/org/gnome/', '/org/gnome/desktop/', '/org/gnome/desktop/interface/', '/org/gnome/shell/', '/ünïcode/'].some(
        (name) => Math.floor(gvdbHash(name) / 32) % 4 === word && (gvdbHash(name) & 31) === bit,
      );
    });
    expect(absent).toBeDefined();
    expect(bloom.value(absent!)).toBeUndefined();
  });

  it('reads the values of a file written on a big-endian machine big-endian', () => {
    const table = open({ bigEndian: true, values: new Map([['/n', variant('i', int32(258, true))]]) });
    expect(table.bigEndian).toBe(true);
    expect(shown(table, '/n')).toBe('258');
  });

  it('gives a value that is no valid variant the unit tuple, as GLib does', () => {
    const table = open({ values: new Map([['/broken', new Uint8Array([5, 0, 0, 0])]]) });
    expect(shown(table, '/broken')).toBe('()');
  });

  it('refuses what is not a GVDB file, naming it', () => {
    const good = writeGvdb({ values: VALUES });
    expect(() => GvdbTable.open(new Uint8Array(), '/etc/dconf/db/site')).toThrow(new GvdbError('/etc/dconf/db/site: not a GVDB database (0 bytes, shorter than its 24-byte header)'));
    expect(() => GvdbTable.open(good.subarray(0, 23), 'f')).toThrow(/^f: not a GVDB database \(23 bytes/);
    expect(() => GvdbTable.open(new TextEncoder().encode('[org/gnome/shell]\nx=1\n\n\n\n\n'), 'f')).toThrow('f: not a GVDB database (its header is not "GVariant", version 0)');
    expect(() => GvdbTable.open(writeGvdb({ values: VALUES, version: 1 }), 'f')).toThrow(GvdbError);
  });

  it('reads a table whose parts do not fit the file as empty, as GVDB does', () => {
    const bytes = writeGvdb({ values: VALUES });
    // Root pointer past the end of the file.
    const pastEnd = bytes.slice();
    new DataView(pastEnd.buffer).setUint32(20, bytes.length + 8, true);
    const table = GvdbTable.open(pastEnd, 'f');
    expect(table.value('/top')).toBeUndefined();
    expect(table.names()).toEqual([]);
    expect([...table.values()]).toEqual([]);
    // Cut short: items and values that lay past the cut are gone, without an error.
    const cut = GvdbTable.open(bytes.subarray(0, 200), 'f');
    expect(() => cut.values()).not.toThrow();
  });
});

describe('dconf profile lines', () => {
  it('keeps KIND:NAME sources in order and ignores comments, blank lines and unknown kinds', () => {
    expect(parseDconfProfile('user-db:user\n  system-db:local # site settings\n\n# comment\nsystem-db:site\nfile-db:/usr/share/x.db\nservice-db:keyfile/user\n')).toEqual([
      { kind: 'user-db', name: 'user' },
      { kind: 'system-db', name: 'local' },
      { kind: 'system-db', name: 'site' },
      { kind: 'file-db', name: '/usr/share/x.db' },
      { kind: 'service-db', name: 'keyfile/user' },
    ]);
    expect(parseDconfProfile('user-db:\nsystemdb:x\nuser-db\nUSER-DB:x\n  \t\n')).toEqual([]);
    expect(parseDconfProfile('user-db:user\r\n')).toEqual([{ kind: 'user-db', name: 'user' }]);
  });
});
