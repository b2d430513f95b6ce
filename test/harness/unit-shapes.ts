// A tree of unit files in many shapes (every unit file state systemd knows),
// to compare the in-process state computation with systemd itself: with
// `systemctl --root DIR list-unit-files` offline and with GetUnitFileState in
// a booted container.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

type Node = { text: string } | { link: string };

const service = (install = '', extra = '') => ({ text: `[Unit]\nDescription=fixture\n${extra}\n[Service]\nExecStart=/bin/true\n${install ? `\n[Install]\n${install}\n` : ''}` });
const wanted = 'WantedBy=multi-user.target';
const lib = (name: string) => `/usr/lib/systemd/system/${name}`;
const etc = (name: string) => `/etc/systemd/system/${name}`;
const run = (name: string) => `/run/systemd/system/${name}`;

/** Path inside the tree -> file text or symlink target. Names all start with `shape-`. */
export const UNIT_SHAPES: Record<string, Node> = {
  // enabled, disabled, static, and enabled at runtime
  [lib('shape-enabled.service')]: service(wanted),
  [etc('multi-user.target.wants/shape-enabled.service')]: { link: lib('shape-enabled.service') },
  [lib('shape-disabled.service')]: service(wanted),
  [lib('shape-static.service')]: service(),
  [lib('shape-runtime.service')]: service(wanted),
  [run('multi-user.target.wants/shape-runtime.service')]: { link: lib('shape-runtime.service') },
  [lib('shape-required.service')]: service('RequiredBy=multi-user.target'),
  [etc('multi-user.target.requires/shape-required.service')]: { link: lib('shape-required.service') },
  [lib('shape-required-off.service')]: service('RequiredBy=multi-user.target'),
  [lib('shape-timer.timer')]: { text: '[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n' },
  [etc('timers.target.wants/shape-timer.timer')]: { link: lib('shape-timer.timer') },
  // masks: admin, runtime, an empty file, a vendor mask, a mask of a unit that does not exist
  [lib('shape-masked.service')]: service(wanted),
  [etc('shape-masked.service')]: { link: '/dev/null' },
  [lib('shape-masked-run.service')]: service(wanted),
  [run('shape-masked-run.service')]: { link: '/dev/null' },
  [lib('shape-masked-empty.service')]: service(wanted),
  [etc('shape-masked-empty.service')]: { text: '' },
  [lib('shape-vendor-masked.service')]: { link: '/dev/null' },
  [etc('shape-masked-ghost.service')]: { link: '/dev/null' },
  [lib('shape-masked-relative.service')]: service(wanted),
  [etc('shape-masked-relative.service')]: { link: '../../../dev/null' },
  // aliases: declared and enabled, and an alias nobody declared
  [lib('shape-aliased.service')]: service(`${wanted}\nAlias=shape-alias.service`),
  [etc('shape-alias.service')]: { link: lib('shape-aliased.service') },
  [etc('multi-user.target.wants/shape-aliased.service')]: { link: lib('shape-aliased.service') },
  [lib('shape-aliased-only.service')]: service('Alias=shape-alias-only.service'),
  [etc('shape-alias-only.service')]: { link: lib('shape-aliased-only.service') },
  [lib('shape-other-name.service')]: service(wanted),
  [etc('shape-nickname.service')]: { link: lib('shape-other-name.service') },
  [lib('shape-vendor-alias.service')]: { link: 'shape-static.service' },
  [etc('shape-dangling-alias.service')]: { link: lib('shape-nothing-here.service') },
  // Also=, alone and with rules
  [lib('shape-also.socket')]: { text: '[Socket]\nListenStream=/run/shape.sock\n[Install]\nAlso=shape-static.service\n' },
  [lib('shape-also-rules.service')]: service(`${wanted}\nAlso=shape-disabled.service`),
  [lib('shape-also-bad.service')]: service('Also=not a unit'),
  // templates and instances
  [lib('shape-tpl@.service')]: service(wanted),
  [etc('multi-user.target.wants/shape-tpl@one.service')]: { link: lib('shape-tpl@.service') },
  [lib('shape-default@.service')]: service(`${wanted}\nDefaultInstance=main`),
  [etc('multi-user.target.wants/shape-default@main.service')]: { link: lib('shape-default@.service') },
  [lib('shape-vendor-tpl@.service')]: service(wanted),
  [lib('multi-user.target.wants/shape-vendor-tpl@tty9.service')]: { link: '../shape-vendor-tpl@.service' },
  [lib('shape-inst@.service')]: service(wanted),
  [lib('shape-inst@fixed.service')]: { link: 'shape-inst@.service' },
  [lib('shape-specifier@.service')]: service(`${wanted}\nDefaultInstance=%p-x\nAlso=%p-helper.service`),
  // linked from outside the search path, persistently and at runtime
  ['/opt/units/shape-linked.service']: service(wanted),
  [etc('shape-linked.service')]: { link: '/opt/units/shape-linked.service' },
  ['/opt/units/shape-linked-run.service']: service(wanted),
  [run('shape-linked-run.service')]: { link: '/opt/units/shape-linked-run.service' },
  ['/opt/units/shape-linked-on.service']: service(wanted),
  [etc('shape-linked-on.service')]: { link: '/opt/units/shape-linked-on.service' },
  [etc('multi-user.target.wants/shape-linked-on.service')]: { link: '/opt/units/shape-linked-on.service' },
  // generated and transient
  ['/run/systemd/generator/shape-generated.service']: service(),
  ['/run/systemd/generator.late/shape-generated-late.service']: service(wanted),
  ['/run/systemd/transient/shape-transient.service']: service(),
  // drop-ins that add or mask [Install]
  [lib('shape-dropin.service')]: service(),
  [etc('shape-dropin.service.d/install.conf')]: { text: `[Install]\n${wanted}\n` },
  [lib('shape-dropin-masked.service')]: service(),
  [lib('shape-dropin-masked.service.d/install.conf')]: { text: `[Install]\n${wanted}\n` },
  [etc('shape-dropin-masked.service.d/install.conf')]: { link: '/dev/null' },
  [lib('shape-tpl-dropin@.service')]: service(),
  [lib('shape-tpl-dropin@.service.d/install.conf')]: { text: `[Install]\n${wanted}\n` },
  [lib('shape-tpl-dropin@x.service')]: { link: 'shape-tpl-dropin@.service' },
  // parsing: continuation lines, comments, quotes, an empty assignment that resets
  [lib('shape-continued.service')]: service('WantedBy=\\\n  multi-user.target'),
  [lib('shape-commented.service')]: service('# WantedBy=multi-user.target\n; Alias=nothing.service'),
  [lib('shape-reset.service')]: service(`${wanted}\nWantedBy=`),
  [lib('shape-quoted.service')]: service('WantedBy="multi-user.target"'),
  [lib('shape-bad-header.service')]: { text: '[Unit\nDescription=broken\n[Install]\nWantedBy=multi-user.target\n' },
  [lib('shape-x-section.service')]: service('', '[X-Custom]\nWantedBy=multi-user.target'),
  // overrides: a file in /etc over the vendor's, one in /usr/local/lib
  [lib('shape-override.service')]: service(wanted),
  [etc('shape-override.service')]: service(),
  ['/usr/local/lib/systemd/system/shape-local.service']: service(wanted),
  // Alias= on a type that cannot alias is ignored
  [lib('shape-mnt.mount')]: { text: '[Mount]\nWhat=tmpfs\nWhere=/shape-mnt\n[Install]\nAlias=shape-other.mount\n' },
};

/** Writes the shapes under `root` (a directory standing for `/`). */
export async function writeUnitShapes(root: string): Promise<void> {
  for (const [path, node] of Object.entries(UNIT_SHAPES)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    if ('link' in node) await symlink(node.link, target);
    else await writeFile(target, node.text);
  }
}

/** The unit names the shapes define: every file name in a unit directory. */
export function shapeUnitNames(): string[] {
  const names = new Set<string>();
  for (const path of Object.keys(UNIT_SHAPES)) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (name.startsWith('shape-') && !path.includes('.d/') && !path.startsWith('/opt/')) names.add(name);
  }
  return [...names].sort();
}
