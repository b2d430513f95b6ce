// The large synthetic desktop of the benchmark, as plain data: which apps,
// settings and units exist, what the live system holds and what the manifests
// declare, with a few planted differences so that the check has drift to find.
// Nothing here touches the disk; bench/desktop.ts writes it out.

export interface DesktopSize {
  apps: number;
  keys: number;
  schemas: number;
  /** Keys whose live value differs from the schema default (written to dconf). */
  changedKeys: number;
  units: number;
  declaredUnits: number;
}

export const ISSUE_SIZE: DesktopSize = { apps: 300, keys: 1000, schemas: 40, changedKeys: 300, units: 500, declaredUnits: 50 };

// ---------------------------------------------------------------------------
// gsettings

export type KeyType = 's' | 'b' | 'i' | 'u' | 'd' | 'as';
const KEY_TYPES: readonly KeyType[] = ['s', 'b', 'i', 'u', 'd', 'as'];

export interface SyntheticKey {
  schema: string;
  /** The schema's dconf path, `/org/bench/s01/`. */
  path: string;
  key: string;
  type: KeyType;
  /** The schema default, in GVariant text as it goes into the XML. */
  default: string;
  /** The value dconf holds, when the key is changed from its default. */
  dconf?: string;
  /** What `gsettings get` prints for the key. */
  live: string;
  /** The manifest's value: the live value in the form a user writes it, or a planted difference. */
  declared: string;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function defaultValue(type: KeyType, n: number): string {
  switch (type) {
    case 's':
      return `'text-${n}'`;
    case 'b':
      return n % 2 === 0 ? 'true' : 'false';
    case 'i':
      return String(n);
    case 'u':
      return String(n);
    case 'd':
      return `${n}.5`;
    case 'as':
      return `['a${n}', 'b${n}']`;
  }
}

/** A non-default value, typed so dconf stores the key's own type (`uint32` for u). */
function changedValue(type: KeyType, n: number): string {
  switch (type) {
    case 's':
      return `'changed-${n}'`;
    case 'b':
      return n % 2 === 0 ? 'false' : 'true';
    case 'i':
      return String(-n);
    case 'u':
      return `uint32 ${n + 1000}`;
    case 'd':
      return `${n}.25`;
    case 'as':
      return `['c${n}']`;
  }
}

/** How `gsettings get` prints a value of the key's type (uint32 carries its annotation). */
function printed(type: KeyType, value: string): string {
  return type === 'u' && !value.startsWith('uint32 ') ? `uint32 ${value}` : value;
}

/** A different value of the same type, for a planted modification. */
function differentValue(type: KeyType, live: string): string {
  switch (type) {
    case 's':
      return "'planted'";
    case 'b':
      return live === 'true' ? 'false' : 'true';
    case 'u':
      return String(Number(live.replace('uint32 ', '')) + 1);
    case 'i':
    case 'd':
      return String(Number(live) + 1);
    case 'as':
      return "['planted']";
  }
}

/** Keys whose manifest value differs from the live one: one of each type. */
export const PLANTED_KEY_INDEXES: readonly number[] = [6, 151, 404, 705, 994, 545];

export function syntheticKeys(size: DesktopSize = ISSUE_SIZE): SyntheticKey[] {
  const perSchema = Math.ceil(size.keys / size.schemas);
  const changedEvery = size.keys / size.changedKeys;
  const keys: SyntheticKey[] = [];
  for (let n = 0; n < size.keys; n++) {
    const s = Math.floor(n / perSchema) + 1;
    const type = KEY_TYPES[n % KEY_TYPES.length] as KeyType;
    const schema = `org.bench.s${pad(s, 2)}`;
    const def = defaultValue(type, n);
    // Spread the changed keys evenly over the schemas.
    const changed = Math.floor(n / changedEvery) !== Math.floor((n + 1) / changedEvery) ? changedValue(type, n) : undefined;
    const live = printed(type, changed ?? def);
    // Users write uint32 values both ways ("0" and "uint32 0"); both must compare equal.
    const userForm = type === 'u' && Math.floor(n / KEY_TYPES.length) % 2 === 0 ? live.replace('uint32 ', '') : live;
    const declared = PLANTED_KEY_INDEXES.includes(n) ? differentValue(type, live) : userForm;
    const key: SyntheticKey = { schema, path: `/org/bench/s${pad(s, 2)}/`, key: `key-${pad((n % perSchema) + 1, 2)}`, type, default: def, live, declared };
    if (changed !== undefined) key.dconf = changed;
    keys.push(key);
  }
  return keys;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One `<id>.gschema.xml` per schema, as packages install them. */
export function schemaFiles(keys: readonly SyntheticKey[]): Map<string, string> {
  const bySchema = new Map<string, SyntheticKey[]>();
  for (const key of keys) bySchema.set(key.schema, [...(bySchema.get(key.schema) ?? []), key]);
  const files = new Map<string, string>();
  for (const [schema, list] of bySchema) {
    const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<schemalist>', `  <schema id="${schema}" path="${list[0]?.path}">`];
    for (const key of list) {
      lines.push(`    <key name="${key.key}" type="${key.type}">`, `      <default>${xmlEscape(key.default)}</default>`, `      <summary>Synthetic ${key.type} key</summary>`, '    </key>');
    }
    lines.push('  </schema>', '</schemalist>', '');
    files.set(`${schema}.gschema.xml`, lines.join('\n'));
  }
  return files;
}

/** The input of one `dconf load /`: the changed keys, grouped by dconf directory. */
export function dconfKeyfile(keys: readonly SyntheticKey[]): string {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    if (key.dconf === undefined) continue;
    const group = key.path.slice(1, -1);
    groups.set(group, [...(groups.get(group) ?? []), `${key.key}=${key.dconf}`]);
  }
  return [...groups].map(([group, lines]) => `[${group}]\n${lines.join('\n')}\n`).join('\n');
}

// ---------------------------------------------------------------------------
// flatpak

export interface SyntheticApps {
  /** App ids deployed in the user installation. */
  installed: string[];
  /** The manifest's entries. */
  declared: { id: string; remote: string; scope: 'user'; branch: string }[];
}

export const REMOTE = 'flathub';
export const BRANCH = 'stable';

export function syntheticApps(size: DesktopSize = ISSUE_SIZE): SyntheticApps {
  const installed = Array.from({ length: size.apps }, (_, n) => `io.github.bench.App${pad(n + 1, 3)}`);
  const declared = installed.map((id) => ({ id, remote: REMOTE, scope: 'user' as const, branch: BRANCH }));
  // Planted: three apps declared but not installed in place of three installed ones, one on another branch, one from another remote.
  for (let k = 0; k < 3; k++) {
    const entry = declared[size.apps - 1 - k];
    if (entry) entry.id = `io.github.bench.Missing${pad(k + 1, 3)}`;
  }
  const beta = declared[10];
  if (beta) beta.branch = 'beta';
  const other = declared[20];
  if (other) other.remote = 'fedora';
  return { installed, declared };
}

// ---------------------------------------------------------------------------
// systemd

export type UnitState = 'enabled' | 'disabled' | 'static' | 'masked';

export interface SyntheticUnit {
  name: string;
  state: UnitState;
  /** The manifest's state, for the declared units. */
  declared?: 'enabled' | 'disabled' | 'masked';
}

/** Planted: a masked unit declared enabled (the tuned.service story), an enabled one declared disabled, a disabled one declared masked. */
export const PLANTED_UNITS: readonly string[] = ['bench-050.service', 'bench-007.service', 'bench-004.service'];

function unitState(n: number): UnitState {
  if (n % 50 === 0) return 'masked';
  if (n % 5 === 1) return 'static';
  if (n % 5 === 2) return 'enabled';
  return 'disabled';
}

export function syntheticUnits(size: DesktopSize = ISSUE_SIZE): SyntheticUnit[] {
  const units: SyntheticUnit[] = Array.from({ length: size.units }, (_, i) => ({ name: `bench-${pad(i + 1, 3)}.service`, state: unitState(i + 1) }));
  // Declare every masked unit (so none is an undeclared mask), then the first units of the other states in turn.
  const declared = new Set(units.filter((u) => u.state === 'masked').map((u) => u.name));
  for (const unit of units) {
    if (declared.size >= size.declaredUnits) break;
    declared.add(unit.name);
  }
  for (const unit of units) {
    if (!declared.has(unit.name)) continue;
    unit.declared = unit.state === 'static' ? 'enabled' : unit.state;
  }
  const plant: Record<string, SyntheticUnit['declared']> = { 'bench-050.service': 'enabled', 'bench-007.service': 'disabled', 'bench-004.service': 'masked' };
  for (const unit of units) if (unit.name in plant) unit.declared = plant[unit.name];
  return units;
}

export function unitFile(unit: SyntheticUnit): string {
  const install = unit.state === 'static' ? '' : '\n[Install]\nWantedBy=multi-user.target\n';
  return `[Unit]\nDescription=Synthetic unit ${unit.name}\n\n[Service]\nType=oneshot\nExecStart=/bin/true\n${install}`;
}

// ---------------------------------------------------------------------------
// manifests

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function manifests(keys: readonly SyntheticKey[], apps: SyntheticApps, units: readonly SyntheticUnit[]): Map<string, string> {
  const services: Record<string, string> = {};
  for (const unit of units) if (unit.declared) services[unit.name] = unit.declared;
  return new Map([
    ['flatpak-apps.json', json({ apps: apps.declared })],
    ['gsettings.json', json({ settings: keys.map((k) => ({ schema: k.schema, key: k.key, value: k.declared })) })],
    ['systemd-services.json', json({ services })],
  ]);
}

// ---------------------------------------------------------------------------
// the drift a correct check finds

/** How many drift items each domain should report: the planted differences, counted from the data. */
export function plantedDrift(keys: readonly SyntheticKey[], apps: SyntheticApps, units: readonly SyntheticUnit[]): Record<'flatpak' | 'gsettings' | 'systemd', number> {
  const installed = new Set(apps.installed);
  const declaredIds = new Set(apps.declared.map((a) => a.id));
  const removals = apps.declared.filter((a) => !installed.has(a.id)).length;
  const additions = apps.installed.filter((id) => !declaredIds.has(id)).length;
  const modifications = apps.declared.filter((a) => installed.has(a.id) && (a.remote !== REMOTE || a.branch !== BRANCH)).length;
  const satisfies = (declared: SyntheticUnit['declared'], state: UnitState) => declared === state || (declared === 'enabled' && state === 'static');
  return {
    flatpak: removals + additions + modifications,
    gsettings: keys.filter((k) => k.declared !== k.live && k.declared !== k.live.replace('uint32 ', '')).length,
    systemd: units.filter((u) => u.declared !== undefined && !satisfies(u.declared, u.state)).length,
  };
}
