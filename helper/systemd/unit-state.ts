// Unit file states computed in process from the unit directories, the way
// systemd's install logic does it (src/shared/install.c, systemd 252:
// unit_file_lookup_state). The files are the truth systemd reads, so this
// answers what `systemctl is-enabled` and GetUnitFileState answer, for the
// live system and for an offline root tree alike, without one process or one
// D-Bus call per unit. Pure over a UnitFs; realUnitFs() is the real one.
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import {
  isValidInstance,
  isValidUnitName,
  replaceInstance,
  unitInstance,
  unitNameKind,
  unitTemplate,
  unitType,
  unitTypeMayAlias,
  unitTypeMayTemplate,
} from './unit-name.js';

export type UnitFileState =
  | 'enabled'
  | 'enabled-runtime'
  | 'linked'
  | 'linked-runtime'
  | 'alias'
  | 'masked'
  | 'masked-runtime'
  | 'static'
  | 'disabled'
  | 'indirect'
  | 'generated'
  | 'transient'
  | 'bad';

export type EntryKind = 'file' | 'dir' | 'link' | 'char' | 'other';

export interface UnitFsEntry {
  name: string;
  kind: EntryKind;
}

/** Reads a root tree. Every path is absolute inside the tree ('/etc/systemd/system'). */
export interface UnitFs {
  /** The directory's entries, or undefined when it is missing, not a directory or unreadable. */
  list(dir: string): UnitFsEntry[] | undefined;
  /** The node itself (a symlink is not followed), or undefined when it is missing. */
  lstat(path: string): { kind: EntryKind; size: number } | undefined;
  readLink(path: string): string | undefined;
  readText(path: string): string;
}

/** Where a unit is masked by the admin (`/etc/systemd/system`) or until reboot (`/run/systemd/system`). */
export type MaskLocation = 'admin' | 'runtime';

export interface UnitLookup {
  state: UnitFileState | 'not-found';
  /** The file that decided the state. */
  path?: string;
  /** Why the state is `bad`. */
  error?: string;
}

// The system scope's lookup paths of systemd 252 as Debian builds it
// (`systemd-analyze unit-paths`), highest priority first.
const PERSISTENT_CONTROL = '/etc/systemd/system.control';
const RUNTIME_CONTROL = '/run/systemd/system.control';
const TRANSIENT = '/run/systemd/transient';
const GENERATOR_EARLY = '/run/systemd/generator.early';
export const PERSISTENT_CONFIG = '/etc/systemd/system';
export const RUNTIME_CONFIG = '/run/systemd/system';
const GENERATOR = '/run/systemd/generator';
const GENERATOR_LATE = '/run/systemd/generator.late';

export const SEARCH_PATH: readonly string[] = [
  PERSISTENT_CONTROL,
  RUNTIME_CONTROL,
  TRANSIENT,
  GENERATOR_EARLY,
  PERSISTENT_CONFIG,
  '/etc/systemd/system.attached',
  RUNTIME_CONFIG,
  '/run/systemd/system.attached',
  GENERATOR,
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
  GENERATOR_LATE,
];

const GENERATOR_DIRS = new Set([GENERATOR, GENERATOR_EARLY, GENERATOR_LATE]);
const RUNTIME_DIRS = new Set([RUNTIME_CONFIG, GENERATOR, GENERATOR_EARLY, GENERATOR_LATE, TRANSIENT, RUNTIME_CONTROL]);
const FOLLOW_MAX = 64;
const CHASE_MAX = 32;
const LONG_LINE_MAX = 1024 * 1024;
const BACKUP_SUFFIXES = new Set([
  'rpmnew', 'rpmsave', 'rpmorig', 'dpkg-old', 'dpkg-new', 'dpkg-tmp', 'dpkg-dist', 'dpkg-bak', 'dpkg-backup',
  'dpkg-remove', 'ucf-new', 'ucf-old', 'ucf-dist', 'swp', 'bak', 'old', 'new',
]);

/** ENOUNIT: no file of that name (or its template) in any unit directory; systemd says ENOENT. */
type Errno = 'ENOUNIT' | 'ENOENT' | 'ELOOP' | 'EXDEV' | 'EINVAL' | 'EISDIR' | 'EBADMSG' | 'ENOLINK' | 'EBADSLT' | 'ENOTTY';

/** A lookup failure, named after the errno systemd returns for it. */
class LookupFailure extends Error {
  constructor(
    readonly code: Errno,
    message: string,
  ) {
    super(message);
  }
}

type InstallMode = 'regular' | 'masked' | 'linked' | 'alias';

interface InstallInfo {
  name: string;
  path?: string;
  mode?: InstallMode;
  symlinkTarget?: string;
  aliases: string[];
  wantedBy: string[];
  requiredBy: string[];
  also: string[];
  defaultInstance?: string;
}

/** Entries systemd skips when it walks a directory (FOREACH_DIRENT). */
function hiddenOrBackup(name: string): boolean {
  if (name.startsWith('.') || name === 'lost+found' || name === 'aquota.user' || name === 'aquota.group' || name.endsWith('~')) {
    return true;
  }
  const dot = name.lastIndexOf('.');
  return dot >= 0 && BACKUP_SUFFIXES.has(name.slice(dot + 1));
}

function pathStartsWith(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** The states of many units from one read of each unit directory. */
export class UnitFileStates {
  private readonly listings = new Map<string, Map<string, EntryKind> | null>();
  private readonly symlinkScans = new Map<string, SymlinkScan>();
  private readonly links = new Map<string, string | undefined>();

  constructor(private readonly fs: UnitFs) {}

  private readLink(path: string): string | undefined {
    if (!this.links.has(path)) this.links.set(path, this.fs.readLink(path));
    return this.links.get(path);
  }

  /** What `systemctl is-enabled NAME` would say, for a valid unit name. */
  lookup(name: string): UnitLookup {
    if (!isValidUnitName(name)) return { state: 'bad', error: `${name} is not a valid unit name` };
    let info: InstallInfo;
    try {
      info = this.discover(name);
    } catch (error) {
      if (error instanceof LookupFailure) {
        return error.code === 'ENOUNIT' ? { state: 'not-found' } : { state: 'bad', error: error.message };
      }
      throw error;
    }
    const path = info.path as string;
    if (info.mode === 'masked') {
      return { state: isRuntimePath(path, true) ? 'masked-runtime' : 'masked', path };
    }
    if (name !== posix.basename(path) && unitNameKind(info.name) !== 'instance') return { state: 'alias', path };
    const parent = posix.dirname(path);
    if (GENERATOR_DIRS.has(parent)) return { state: 'generated', path };
    if (parent === TRANSIENT) return { state: 'transient', path };
    const byInstall = this.findSymlinksInScope(info, true);
    if (byInstall !== undefined) return { state: byInstall, path };
    if (this.findSymlinksInScope(info, false) !== undefined) return { state: 'indirect', path };
    if (info.aliases.length > 0 || info.wantedBy.length > 0 || info.requiredBy.length > 0) return { state: 'disabled', path };
    return { state: info.also.length > 0 ? 'indirect' : 'static', path };
  }

  /** Units with a mask (a link to /dev/null or an empty file) in /etc/systemd/system or /run/systemd/system. */
  configMasks(): Map<string, MaskLocation[]> {
    const masks = new Map<string, MaskLocation[]>();
    for (const [dir, location] of [
      [PERSISTENT_CONFIG, 'admin'],
      [RUNTIME_CONFIG, 'runtime'],
    ] as const) {
      for (const [name, kind] of this.listing(dir) ?? []) {
        if (hiddenOrBackup(name) || !isValidUnitName(name) || !this.isMaskEntry(posix.join(dir, name), kind)) continue;
        masks.set(name, [...(masks.get(name) ?? []), location]);
      }
    }
    return masks;
  }

  /** Whether any unit directory exists in this tree. */
  hasUnitDirectories(): boolean {
    return SEARCH_PATH.some((dir) => this.listing(dir) !== undefined);
  }

  private isMaskEntry(path: string, kind: EntryKind): boolean {
    if (kind === 'char') return true;
    if (kind === 'file') return this.fs.lstat(path)?.size === 0;
    if (kind !== 'link') return false;
    // The common case, `systemctl mask`'s own link, needs no resolving.
    if (this.readLink(path) === '/dev/null') return true;
    try {
      return this.nullOrEmptyPath(this.simplify(path));
    } catch (error) {
      if (error instanceof LookupFailure) return false;
      throw error;
    }
  }

  private listing(dir: string): Map<string, EntryKind> | undefined {
    let cached = this.listings.get(dir);
    if (cached === undefined) {
      const entries = this.fs.list(dir);
      cached = entries === undefined ? null : new Map(entries.map((entry) => [entry.name, entry.kind]));
      this.listings.set(dir, cached);
    }
    return cached ?? undefined;
  }

  // install_info_discover + install_info_traverse: find the file, follow aliases and links.
  private discover(name: string): InstallInfo {
    const known = new Map<string, InstallInfo>();
    const add = (unit: string): InstallInfo => {
      let info = known.get(unit);
      if (info === undefined) {
        info = { name: unit, aliases: [], wantedBy: [], requiredBy: [], also: [] };
        known.set(unit, info);
      }
      return info;
    };
    let info = add(name);
    this.search(info);
    for (let hops = 0; info.mode === 'alias' || info.mode === 'linked'; ) {
      if (++hops > FOLLOW_MAX) throw new LookupFailure('ELOOP', `too many levels of symbolic links from ${name}`);
      const target = info.symlinkTarget as string;
      const targetName = posix.basename(target);
      if (info.mode === 'linked' || targetName === info.name) {
        this.follow(info);
        continue;
      }
      let next = targetName;
      const instance = unitInstance(info.name);
      if (instance !== undefined && unitNameKind(targetName) === 'template') {
        const filled = replaceInstance(targetName, instance);
        if (filled === info.name) {
          this.follow(info);
          continue;
        }
        if (filled !== undefined) next = filled;
      }
      info = add(next);
      try {
        this.search(info);
      } catch (error) {
        if (error instanceof LookupFailure && error.code === 'ENOUNIT') {
          throw new LookupFailure('ENOLINK', `${name} is an alias of ${next}, which does not exist`);
        }
        throw error;
      }
    }
    return info;
  }

  private follow(info: InstallInfo): void {
    info.path = info.symlinkTarget as string;
    info.mode = undefined;
    info.symlinkTarget = undefined;
    this.loadOrReadlink(info, info.path);
  }

  // unit_file_search: the first directory of the search path that has the name, else the template.
  private search(info: InstallInfo): void {
    if (info.mode !== undefined) return;
    const kind = unitNameKind(info.name);
    const type = unitType(info.name);
    if (kind !== 'plain' && type !== undefined && !unitTypeMayTemplate(type)) {
      throw new LookupFailure('EINVAL', `${info.name}: .${type} units cannot be templated`);
    }
    const template = kind === 'instance' ? unitTemplate(info.name) : undefined;
    const found = this.searchName(info, info.name) || (template !== undefined && this.searchName(info, template));
    if (!found) throw new LookupFailure('ENOUNIT', `${info.name} not found`);
    if (info.mode === 'masked') return;
    for (const dropIn of this.dropIns(template === undefined ? [info.name] : [info.name, template])) this.loadDropIn(info, dropIn);
  }

  private searchName(info: InstallInfo, fileName: string): boolean {
    for (const dir of SEARCH_PATH) {
      const kind = this.listing(dir)?.get(fileName);
      if (kind === undefined) continue;
      // Search path entries are clean absolute paths and unit names have no slash: no normalizing needed.
      const path = `${dir}/${fileName}`;
      this.loadOrReadlink(info, path, kind);
      info.path = path;
      return true;
    }
    return false;
  }

  // unit_file_load_or_readlink: a regular file is loaded; a symlink is a mask, an alias or a linked file.
  private loadOrReadlink(info: InstallInfo, path: string, knownKind?: EntryKind): void {
    const kind = knownKind ?? this.fs.lstat(path)?.kind;
    if (kind === undefined) throw new LookupFailure('ENOENT', `${path} does not exist`);
    if (kind === 'char') {
      info.mode = 'masked';
      return;
    }
    if (kind === 'dir') throw new LookupFailure('EISDIR', `${path} is a directory`);
    if (kind === 'other') throw new LookupFailure('ENOTTY', `${path} is not a regular file`);
    if (kind === 'file') {
      const text = this.fs.readText(path);
      if (text.length === 0) info.mode = 'masked';
      else {
        this.parse(info, path, text);
        info.mode = 'regular';
      }
      return;
    }
    const { target, linked } = this.resolveSymlink(path);
    info.symlinkTarget = target;
    if (this.nullOrEmptyPath(target)) info.mode = 'masked';
    else info.mode = linked ? 'linked' : 'alias';
  }

  // unit_file_resolve_symlink: where the link points, and whether that is outside the search path.
  private resolveSymlink(path: string): { target: string; linked: boolean } {
    const simplified = this.simplify(path);
    const inSearchPath = SEARCH_PATH.some((dir) => pathStartsWith(simplified, dir));
    if (inSearchPath) validateAlias(posix.basename(path), posix.basename(simplified), path);
    return { target: simplified, linked: !inSearchPath };
  }

  /** The link's target made absolute, with symlinks before its last component resolved inside the tree. */
  private simplify(path: string): string {
    const raw = this.readLink(path);
    if (raw === undefined) throw new LookupFailure('ENOENT', `cannot read the symlink ${path}`);
    const target = raw.startsWith('/') ? raw : posix.join(posix.dirname(path), raw);
    return this.chase(target, { followLast: false, allowMissing: true });
  }

  // null_or_empty_path_with_root: a link to /dev/null, an empty file or a character device.
  private nullOrEmptyPath(path: string): boolean {
    if (path === '/dev/null') return true;
    let resolved: string;
    try {
      resolved = this.chase(path, { followLast: true, allowMissing: false });
    } catch (error) {
      if (error instanceof LookupFailure && error.code === 'ENOENT') return false;
      throw error;
    }
    const stat = this.fs.lstat(resolved);
    return stat !== undefined && (stat.kind === 'char' || (stat.kind === 'file' && stat.size === 0));
  }

  // chase_symlinks inside the tree: absolute links restart at the tree's root, `..` stops there.
  private chase(path: string, options: { followLast: boolean; allowMissing: boolean }): string {
    let done = '/';
    const todo = path.split('/');
    let hops = 0;
    while (todo.length > 0) {
      const part = todo.shift() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        done = posix.dirname(done);
        continue;
      }
      const candidate = posix.join(done, part);
      const stat = this.fs.lstat(candidate);
      if (stat === undefined) {
        if (options.allowMissing) return posix.join(candidate, ...todo);
        throw new LookupFailure('ENOENT', `${candidate} does not exist`);
      }
      const last = todo.every((rest) => rest === '' || rest === '.');
      if (stat.kind === 'link' && (options.followLast || !last)) {
        if (++hops > CHASE_MAX) throw new LookupFailure('ELOOP', `too many levels of symbolic links in ${path}`);
        const link = this.readLink(candidate) ?? '';
        if (link.startsWith('/')) done = '/';
        todo.unshift(...link.split('/'));
        continue;
      }
      done = candidate;
    }
    return done;
  }

  // conf_files_list_strv: `*.conf` in each unit directory's NAME.d, for the unit's name then its
  // template's; the first file of each name wins; sorted by file name.
  private dropIns(units: string[]): string[] {
    const byName = new Map<string, string>();
    for (const unit of units) {
      for (const parent of SEARCH_PATH) {
        const kind = this.listing(parent)?.get(`${unit}.d`);
        if (kind !== 'dir' && kind !== 'link') continue;
        let dir = `${parent}/${unit}.d`;
        if (kind === 'link') {
          try {
            dir = this.chase(dir, { followLast: true, allowMissing: false });
          } catch (error) {
            if (error instanceof LookupFailure) continue;
            throw error;
          }
        }
        for (const [name] of this.listing(dir) ?? []) {
          if (!name.endsWith('.conf') || hiddenOrBackup(name) || byName.has(name)) continue;
          byName.set(name, `${dir}/${name}`);
        }
      }
    }
    return [...byName.keys()].sort().map((name) => byName.get(name) as string);
  }

  private loadDropIn(info: InstallInfo, path: string): void {
    let resolved = path;
    if (this.listing(posix.dirname(path))?.get(posix.basename(path)) !== 'file') {
      resolved = this.chase(path, { followLast: true, allowMissing: false });
    }
    const stat = this.fs.lstat(resolved);
    if (stat === undefined) throw new LookupFailure('ENOENT', `drop-in ${path} does not exist`);
    if (stat.kind === 'char' || (stat.kind === 'file' && stat.size === 0)) return;
    if (stat.kind !== 'file') throw new LookupFailure('EISDIR', `drop-in ${path} is not a regular file`);
    this.parse(info, path, this.fs.readText(resolved));
  }

  // config_parse with the [Install] table of unit_file_load.
  private parse(info: InstallInfo, path: string, text: string): void {
    let section: string | undefined;
    let continuation: string | undefined;
    const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r\n|\r|\n|\0/);
    if (lines.at(-1) === '') lines.pop();
    const handle = (line: string, number: number): void => {
      const l = stripWhitespace(line);
      if (l === '') return;
      if (l.startsWith('[')) {
        if (!l.endsWith(']')) throw new LookupFailure('EBADMSG', `${path}:${number}: invalid section header '${l}'`);
        const name = l.slice(1, -1);
        if (/[\x01-\x1f\x7f"'\\]/.test(name)) throw new LookupFailure('EBADMSG', `${path}:${number}: bad characters in section header '${l}'`);
        section = name === 'Install' ? name : undefined;
        return;
      }
      if (section === undefined) return;
      const eq = l.indexOf('=');
      if (eq <= 0) return;
      this.assign(info, path, number, stripWhitespace(l.slice(0, eq)), stripWhitespace(l.slice(eq + 1)));
    };
    lines.forEach((raw, index) => {
      const trimmed = raw.replace(/^[ \t\n\r]+/, '');
      if (trimmed.startsWith('#') || trimmed.startsWith(';')) return;
      const p = continuation === undefined ? raw : continuation + raw;
      if (p.length > LONG_LINE_MAX) throw new LookupFailure('EBADMSG', `${path}:${index + 1}: line too long`);
      // A line continues when it ends in an unescaped backslash: an odd run of them.
      let trailing = 0;
      while (trailing < p.length && p.charCodeAt(p.length - 1 - trailing) === 92) trailing++;
      if (trailing % 2 === 1) {
        continuation = `${p.slice(0, -1)} `;
        return;
      }
      continuation = undefined;
      handle(p, index + 1);
    });
    if (continuation !== undefined) handle(continuation, lines.length + 1);
  }

  private assign(info: InstallInfo, path: string, line: number, key: string, value: string): void {
    switch (key) {
      case 'Alias': {
        const type = unitType(info.name);
        if (type !== undefined && unitTypeMayAlias(type)) info.aliases = parseStrv(info.aliases, value);
        return;
      }
      case 'WantedBy':
        info.wantedBy = parseStrv(info.wantedBy, value);
        return;
      case 'RequiredBy':
        info.requiredBy = parseStrv(info.requiredBy, value);
        return;
      case 'DefaultInstance': {
        const kind = unitNameKind(info.name);
        if (kind !== 'template') return;
        const printed = printSpecifiers(value, info, path, line);
        if (printed !== '' && !isValidInstance(printed)) {
          throw new LookupFailure('EINVAL', `${path}:${line}: invalid DefaultInstance= value "${printed}"`);
        }
        info.defaultInstance = printed === '' ? undefined : printed;
        return;
      }
      case 'Also':
        for (const word of splitAlsoWords(value, path, line)) {
          const printed = printSpecifiers(word, info, path, line);
          if (!isValidUnitName(printed)) throw new LookupFailure('EINVAL', `${path}:${line}: Also= names "${printed}", not a valid unit`);
          info.also.push(printed);
        }
        return;
      default:
        return;
    }
  }

  // find_symlinks_in_scope: where links to the unit (in .wants/.requires, or aliases) say it is enabled.
  private findSymlinksInScope(info: InstallInfo, matchName: boolean): UnitFileState | undefined {
    let sameNameConfig = false;
    let sameNameRuntime = false;
    let enabledInRuntime = false;
    let enabledAtAll = false;
    let ignoreSameName = false;
    for (const dir of SEARCH_PATH) {
      const { found, sameName } = this.findSymlinks(dir, info, matchName, ignoreSameName);
      if (found) {
        if (dir === PERSISTENT_CONFIG) return 'enabled';
        if (isRuntimePath(dir, false)) enabledInRuntime = true;
        else enabledAtAll = true;
      } else if (sameName) {
        if (dir === PERSISTENT_CONFIG) sameNameConfig = true;
        else if (isRuntimePath(dir, false)) sameNameRuntime = true;
      }
      if (!ignoreSameName && pathStartsWith(info.path as string, dir)) ignoreSameName = true;
    }
    if (enabledInRuntime) return 'enabled-runtime';
    if (enabledAtAll && unitNameKind(info.name) === 'instance') return 'static';
    if (sameNameConfig) return 'linked';
    if (sameNameRuntime) return 'linked-runtime';
    return undefined;
  }

  private findSymlinks(dir: string, info: InstallInfo, matchName: boolean, ignoreSameName: boolean): { found: boolean; sameName: boolean } {
    const scan = this.scan(dir);
    if (scan === undefined) return { found: false, sameName: false };
    const wants = [...(scan.wantsByName.has(info.name) ? [info.name] : []), ...(scan.wantsByTemplate.get(info.name) ?? [])];
    if (wants.some((name) => !matchName || isKnownName(info, name))) return { found: true, sameName: false };
    let sameName = false;
    const top = new Set([...(scan.topByDestName.get(info.name) ?? []), ...(scan.topByName.has(info.name) ? [info.name] : [])]);
    for (const name of top) {
      const dest = scan.topByName.get(name);
      if (dest === undefined) continue;
      const foundDest = posix.basename(dest) === info.name;
      const foundPath = !ignoreSameName && name === info.name;
      if (foundPath && foundDest) sameName = true;
      else if ((foundPath || foundDest) && (!matchName || isKnownName(info, name))) return { found: true, sameName };
    }
    return { found: false, sameName };
  }

  /** The symlinks of one unit directory, indexed: inside its .wants/.requires directories, and its own. */
  private scan(dir: string): SymlinkScan | undefined {
    const listing = this.listing(dir);
    if (listing === undefined) return undefined;
    let scan = this.symlinkScans.get(dir);
    if (scan === undefined) {
      scan = { wantsByName: new Set(), wantsByTemplate: new Map(), topByName: new Map(), topByDestName: new Map() };
      for (const [name, kind] of listing) {
        if (hiddenOrBackup(name)) continue;
        if (kind === 'dir' && (name.endsWith('.wants') || name.endsWith('.requires'))) {
          for (const [linkName, linkKind] of this.listing(posix.join(dir, name)) ?? []) {
            if (linkKind !== 'link' || hiddenOrBackup(linkName)) continue;
            scan.wantsByName.add(linkName);
            const template = unitTemplate(linkName);
            if (template !== undefined && template !== linkName) addTo(scan.wantsByTemplate, template, linkName);
          }
        } else if (kind === 'link') {
          const dest = this.readLink(posix.join(dir, name));
          if (dest === undefined) continue;
          scan.topByName.set(name, dest);
          addTo(scan.topByDestName, posix.basename(dest), name);
        }
      }
      this.symlinkScans.set(dir, scan);
    }
    return scan;
  }
}

interface SymlinkScan {
  /** Names of the links in the directory's .wants/.requires directories. */
  wantsByName: Set<string>;
  /** The same links by their template, for instances of a template. */
  wantsByTemplate: Map<string, string[]>;
  /** The directory's own links and where they point. */
  topByName: Map<string, string>;
  /** The directory's own links by the file name they point to. */
  topByDestName: Map<string, string[]>;
}

function addTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function isRuntimePath(path: string, checkParent: boolean): boolean {
  if (pathStartsWith(path, '/run')) return true;
  return RUNTIME_DIRS.has(checkParent ? posix.dirname(path) : path);
}

// is_symlink_with_known_name: the unit's own name, an Alias=, or its DefaultInstance.
function isKnownName(info: InstallInfo, name: string): boolean {
  if (name === info.name || info.aliases.includes(name)) return true;
  if (info.defaultInstance !== undefined && unitNameKind(info.name) === 'template') {
    return replaceInstance(info.name, info.defaultInstance) === name;
  }
  return false;
}

// unit_validate_alias_symlink_or_warn: an alias must keep the type and the kind of name of its target.
function validateAlias(source: string, target: string, path: string): void {
  const sourceKind = unitNameKind(source);
  const sourceType = unitType(source);
  if (sourceKind === undefined || sourceType === undefined) throw new LookupFailure('EINVAL', `${path}: not a valid unit name`);
  if (!unitTypeMayAlias(sourceType)) throw new LookupFailure('EINVAL', `${path}: symlinks are not allowed for .${sourceType} units`);
  if (sourceKind !== 'plain' && !unitTypeMayTemplate(sourceType)) throw new LookupFailure('EINVAL', `${path}: .${sourceType} units cannot be templates`);
  if (source === target) throw new LookupFailure('ELOOP', `${path}: a unit aliased to itself`);
  const targetKind = unitNameKind(target);
  if (targetKind === undefined) throw new LookupFailure('EXDEV', `${path} points to "${target}", not a valid unit name`);
  if (!(targetKind === sourceKind || (sourceKind === 'instance' && targetKind === 'template'))) {
    throw new LookupFailure('EXDEV', `${path}: the link and its target "${target}" are different kinds of unit name`);
  }
  if (targetKind === 'instance' && unitInstance(source) !== unitInstance(target)) {
    throw new LookupFailure('EXDEV', `${path}: the instance of "${target}" does not match`);
  }
  if (unitType(target) !== sourceType) throw new LookupFailure('EXDEV', `${path}: "${target}" has a different suffix`);
}

function stripWhitespace(text: string): string {
  return text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
}

// config_parse_strv: words with quotes removed and backslashes kept; an empty value clears the list.
function parseStrv(current: string[], value: string): string[] {
  if (value === '') return [];
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const char of value) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (' \t\n\r'.includes(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + char;
  }
  // An unbalanced quote is a syntax error that drops only the broken word.
  if (word !== undefined && quote === undefined) words.push(word);
  return [...current, ...words];
}

// extract_first_word with no flags, as Also= uses it: a backslash takes the next character literally.
function splitAlsoWords(value: string, path: string, line: number): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let backslash = false;
  for (const char of value) {
    if (backslash) {
      word = (word ?? '') + char;
      backslash = false;
    } else if (char === '\\') {
      backslash = true;
      word ??= '';
    } else if (' \t\n\r'.includes(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + char;
  }
  if (backslash) throw new LookupFailure('EINVAL', `${path}:${line}: trailing backslash in Also=`);
  if (word !== undefined) words.push(word);
  return words;
}

// install_name_printf. Host specifiers (%H, %m, %u, ...) describe the machine, not the tree; they
// only decide whether the unit has an Also= at all, so any valid stand-in gives the same state.
const HOST_SPECIFIERS = new Set([...'aAbBHlqmMovwWgGuU']);

function printSpecifiers(format: string, info: InstallInfo, path: string, line: number): string {
  const name = info.name;
  const dot = name.lastIndexOf('.');
  const at = name.indexOf('@');
  const prefix = name.slice(0, at >= 0 ? at : dot);
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const char = format[i] as string;
    if (char !== '%') {
      out += char;
      continue;
    }
    const spec = format[++i];
    if (spec === undefined) break;
    if (spec === '%') out += '%';
    else if (spec === 'n') out += name;
    else if (spec === 'N') out += name.slice(0, dot);
    else if (spec === 'p') out += prefix;
    else if (spec === 'j') out += prefix.slice(prefix.lastIndexOf('-') + 1);
    else if (spec === 'i') out += (at >= 0 ? name.slice(at + 1, dot) : '') || (info.defaultInstance ?? '');
    else if (HOST_SPECIFIERS.has(spec)) out += 'host';
    else if (/[A-Za-z0-9]/.test(spec)) throw new LookupFailure('EBADSLT', `${path}:${line}: unknown specifier %${spec}`);
    else out += `%${spec}`;
  }
  return out;
}

/** The real file system under `root` ('/' for the live system). */
export function realUnitFs(root: string): UnitFs {
  // Paths inside the tree are absolute and clean; the root is prefixed as systemctl --root does.
  const prefix = root.replace(/\/+$/, '');
  const at = (path: string) => prefix + path;
  const kindOf = (entry: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean }): EntryKind =>
    entry.isSymbolicLink() ? 'link' : entry.isFile() ? 'file' : entry.isDirectory() ? 'dir' : entry.isCharacterDevice() ? 'char' : 'other';
  return {
    list(dir) {
      try {
        return readdirSync(at(dir), { withFileTypes: true }).map((entry) => ({ name: entry.name, kind: kindOf(entry) }));
      } catch (error) {
        if (['ENOENT', 'ENOTDIR', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
        throw error;
      }
    },
    lstat(path) {
      const stat = lstatSync(at(path), { throwIfNoEntry: false });
      return stat === undefined ? undefined : { kind: kindOf(stat), size: stat.size };
    },
    readLink(path) {
      try {
        return readlinkSync(at(path));
      } catch {
        return undefined;
      }
    },
    readText(path) {
      return readFileSync(at(path), 'utf8');
    },
  };
}
