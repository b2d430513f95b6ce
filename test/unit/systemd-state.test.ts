// Unit file states over an in-memory tree. The same computation is checked
// against systemd itself in test/integration/systemd-root.test.ts and the
// system tests; these cases pin down the rules the issue names.
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnitFileStates, type EntryKind, type UnitFs } from '../../helper/systemd/unit-state.js';

type Node = { text: string } | { link: string } | { char: true };

/** A tree in memory: paths to files, links and character devices; directories are implied. */
function memoryFs(files: Record<string, Node>): UnitFs & { reads: string[] } {
  const nodes = new Map<string, Node | 'dir'>(Object.entries(files));
  for (const path of Object.keys(files)) {
    for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) if (!nodes.has(dir)) nodes.set(dir, 'dir');
  }
  // Links before the last component are followed, as the kernel does for a path.
  const follow = (path: string): string => {
    const parts = path.split('/').filter(Boolean);
    let done = '/';
    for (const [index, part] of parts.entries()) {
      let next = posix.join(done, part);
      const node = nodes.get(next);
      if (index < parts.length - 1 && node && node !== 'dir' && 'link' in node) next = node.link.startsWith('/') ? node.link : posix.join(done, node.link);
      done = next;
    }
    return done;
  };
  const kindOf = (node: Node | 'dir'): EntryKind => (node === 'dir' ? 'dir' : 'link' in node ? 'link' : 'char' in node ? 'char' : 'file');
  const reads: string[] = [];
  return {
    reads,
    list(dir) {
      const real = follow(dir);
      if (nodes.get(real) !== 'dir') return undefined;
      reads.push(dir);
      return [...nodes].filter(([path]) => posix.dirname(path) === real && path !== '/').map(([path, node]) => ({ name: posix.basename(path), kind: kindOf(node) }));
    },
    lstat(path) {
      const node = nodes.get(follow(path));
      return node === undefined ? undefined : { kind: kindOf(node), size: node !== 'dir' && 'text' in node ? node.text.length : 0 };
    },
    readLink(path) {
      const node = nodes.get(follow(path));
      return node && node !== 'dir' && 'link' in node ? node.link : undefined;
    },
    readText(path) {
      const node = nodes.get(follow(path));
      if (!node || node === 'dir' || !('text' in node)) throw new Error(`not a file: ${path}`);
      return node.text;
    },
  };
}

const LIB = '/usr/lib/systemd/system';
const ETC = '/etc/systemd/system';
const RUN = '/run/systemd/system';
const WANTED = { text: '[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n' };
const STATIC = { text: '[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n' };

const stateOf = (files: Record<string, Node>, unit: string) => new UnitFileStates(memoryFs({ '/dev/null': { char: true }, ...files })).lookup(unit);

describe('unit file states', () => {
  it('a vendor unit with [Install] is disabled until a .wants link enables it', () => {
    expect(stateOf({ [`${LIB}/tuned.service`]: WANTED }, 'tuned.service')).toEqual({ state: 'disabled', path: `${LIB}/tuned.service` });
    expect(stateOf({ [`${LIB}/tuned.service`]: WANTED, [`${ETC}/multi-user.target.wants/tuned.service`]: { link: `${LIB}/tuned.service` } }, 'tuned.service').state).toBe('enabled');
    expect(stateOf({ [`${LIB}/tuned.service`]: WANTED, [`${RUN}/multi-user.target.wants/tuned.service`]: { link: `${LIB}/tuned.service` } }, 'tuned.service').state).toBe('enabled-runtime');
    expect(stateOf({ [`${LIB}/tuned.service`]: STATIC }, 'tuned.service').state).toBe('static');
  });

  it('a link to /dev/null in /etc masks the unit, whatever enables it', () => {
    const files = {
      [`${LIB}/tuned.service`]: WANTED,
      [`${ETC}/multi-user.target.wants/tuned.service`]: { link: `${LIB}/tuned.service` },
      [`${ETC}/tuned.service`]: { link: '/dev/null' },
    };
    expect(stateOf(files, 'tuned.service')).toEqual({ state: 'masked', path: `${ETC}/tuned.service` });
  });

  it('so do an empty file, a relative link to /dev/null, and a mask in /run (until reboot)', () => {
    expect(stateOf({ [`${LIB}/a.service`]: WANTED, [`${ETC}/a.service`]: { text: '' } }, 'a.service').state).toBe('masked');
    expect(stateOf({ [`${LIB}/a.service`]: WANTED, [`${ETC}/a.service`]: { link: '../../../dev/null' } }, 'a.service').state).toBe('masked');
    expect(stateOf({ [`${LIB}/a.service`]: WANTED, [`${RUN}/a.service`]: { link: '/dev/null' } }, 'a.service').state).toBe('masked-runtime');
    // /etc comes before /run: a unit masked in both is masked for good.
    expect(stateOf({ [`${ETC}/a.service`]: { link: '/dev/null' }, [`${RUN}/a.service`]: { link: '/dev/null' } }, 'a.service').state).toBe('masked');
  });

  it('a mask of a unit that does not exist is a mask; a name with no file is not found', () => {
    expect(stateOf({ [`${ETC}/ghost.service`]: { link: '/dev/null' } }, 'ghost.service').state).toBe('masked');
    expect(stateOf({}, 'ghost.service')).toEqual({ state: 'not-found' });
  });

  it('Alias= links enable a unit; a name that is an alias reports alias', () => {
    const files = {
      [`${LIB}/gdm.service`]: { text: '[Service]\nExecStart=/bin/true\n[Install]\nAlias=display-manager.service\n' },
      [`${ETC}/display-manager.service`]: { link: `${LIB}/gdm.service` },
    };
    expect(stateOf(files, 'gdm.service').state).toBe('enabled');
    expect(stateOf(files, 'display-manager.service')).toEqual({ state: 'alias', path: `${LIB}/gdm.service` });
  });

  it('Also= alone makes a unit indirect', () => {
    expect(stateOf({ [`${LIB}/a.socket`]: { text: '[Socket]\nListenStream=/x\n[Install]\nAlso=a.service\n' } }, 'a.socket').state).toBe('indirect');
  });

  it('instances: enabled by their own link, a template with DefaultInstance by its default instance, else indirect', () => {
    const files = {
      [`${LIB}/getty@.service`]: WANTED,
      [`${ETC}/getty.target.wants/getty@tty1.service`]: { link: `${LIB}/getty@.service` },
      [`${LIB}/serial@.service`]: { text: `${WANTED.text}DefaultInstance=ttyS0\n` },
      [`${ETC}/multi-user.target.wants/serial@ttyS0.service`]: { link: `${LIB}/serial@.service` },
    };
    expect(stateOf(files, 'getty@tty1.service').state).toBe('enabled');
    expect(stateOf(files, 'getty@tty2.service').state).toBe('disabled');
    expect(stateOf(files, 'getty@.service').state).toBe('indirect');
    expect(stateOf(files, 'serial@.service').state).toBe('enabled');
  });

  it('a line ending in a backslash goes on to the next; an escaped backslash does not', () => {
    const continued = { text: '[Unit]\nDescription=x \\\n  and more\n[Install]\nAlso=\\\n  helper.service\n' };
    expect(stateOf({ [`${LIB}/a.service`]: continued, [`${LIB}/helper.service`]: WANTED }, 'a.service').state).toBe('indirect');
    const escaped = { text: '[Unit]\nDescription=x\\\\\n[Install]\nAlso=helper.service\n' };
    expect(stateOf({ [`${LIB}/a.service`]: escaped, [`${LIB}/helper.service`]: WANTED }, 'a.service').state).toBe('indirect');
    // Unescaped, the backslash joins [Install] to the line before it: no Also=, so the unit is static.
    const swallowed = { text: '[Unit]\nDescription=x \\\n[Install]\nAlso=helper.service\n' };
    expect(stateOf({ [`${LIB}/a.service`]: swallowed, [`${LIB}/helper.service`]: WANTED }, 'a.service').state).toBe('static');
  });

  it('a drop-in can give a unit its [Install] section', () => {
    expect(stateOf({ [`${LIB}/a.service`]: STATIC, [`${ETC}/a.service.d/install.conf`]: { text: '[Install]\nWantedBy=multi-user.target\n' } }, 'a.service').state).toBe('disabled');
  });

  it('generated and linked units', () => {
    expect(stateOf({ '/run/systemd/generator/a.service': STATIC }, 'a.service').state).toBe('generated');
    expect(stateOf({ '/opt/a.service': WANTED, [`${ETC}/a.service`]: { link: '/opt/a.service' } }, 'a.service').state).toBe('linked');
  });

  it('a unit file systemd cannot parse is bad, with the line', () => {
    expect(stateOf({ [`${LIB}/a.service`]: { text: '[Service\nExecStart=/bin/true\n' } }, 'a.service')).toEqual({
      state: 'bad',
      error: `${LIB}/a.service:1: invalid section header '[Service'`,
    });
  });

  it('reads each unit directory once for many units', () => {
    const files: Record<string, Node> = {};
    for (let i = 0; i < 50; i++) files[`${LIB}/u${i}.service`] = WANTED;
    const fs = memoryFs(files);
    const states = new UnitFileStates(fs);
    for (let i = 0; i < 50; i++) expect(states.lookup(`u${i}.service`).state).toBe('disabled');
    expect(fs.reads.filter((dir) => dir === LIB)).toEqual([LIB]);
  });

  it('lists the masks in /etc and /run, not the vendor’s', () => {
    const fs = memoryFs({
      '/dev/null': { char: true },
      [`${ETC}/a.service`]: { link: '/dev/null' },
      [`${ETC}/b.service`]: { text: '' },
      [`${ETC}/c.service`]: STATIC,
      [`${RUN}/a.service`]: { link: '/dev/null' },
      [`${LIB}/v.service`]: { link: '/dev/null' },
      [`${ETC}/multi-user.target.wants/x.service`]: { link: '/dev/null' },
    });
    expect(new UnitFileStates(fs).configMasks()).toEqual(
      new Map([
        ['a.service', ['admin', 'runtime']],
        ['b.service', ['admin']],
      ]),
    );
  });
});
