// GSettings schemas as GLib reads them, from their sources: the schema files
// (read by gschema-xml.ts), the vendor override keyfiles (`*.gschema.override`)
// that change defaults, and the rules GSettings applies to a stored value (its
// type must be the key's, its value in the key's range or choices, else the
// default counts). Pure: text in, definitions out; the gsettings domain reads
// the files.
import { formatGVariant, gvariantEqual, parseGVariant, type GVariant } from './gvariant.js';

/** A key as its schema file declares it. */
export interface RawKey {
  name: string;
  /** The GVariant type; absent for enum and flags keys, which are 's' and 'as'. */
  type?: string;
  enum?: string;
  flags?: string;
  /** The default in GVariant text. */
  default: string;
  range?: { min?: string; max?: string };
  choices?: string[];
  /** Old value -> new value, accepted when read back from dconf. */
  aliases: Record<string, string>;
}

export interface RawSchema {
  id: string;
  /** The dconf path; absent for a relocatable schema. */
  path?: string;
  extends?: string;
  keys: RawKey[];
  /** `<override name="key">` defaults of a schema that extends another. */
  overrides: Record<string, string>;
}

/** What one XML file defines. */
export interface SchemaFile {
  schemas: RawSchema[];
  /** Enum and flags ids -> their nicks. */
  enums: Record<string, string[]>;
  flags: Record<string, string[]>;
}

/** A key ready to compare: its type, default (after overrides) and what values it accepts. */
export interface KeyInfo {
  name: string;
  type: string;
  default: GVariant;
  /** Numbers from `<range>`, as typed values. */
  range?: { min?: GVariant; max?: GVariant };
  /** Strings it accepts: `<choices>`, or the nicks of its enum or flags. */
  choices?: string[];
  aliases: Record<string, string>;
}

export interface ResolveContext {
  /** Nicks of an enum or flags type, found in the schema's directory; undefined when it is nowhere. */
  enumNicks(id: string, kind: 'enum' | 'flags'): string[] | undefined;
  /** `XDG_CURRENT_DESKTOP`, split on ':', for `[schema:desktop]` overrides. */
  desktops: string[];
}

/**
 * The keys of a schema as GSettings sees them: the base schema's keys for
 * `extends` (first), its `<override>`s, then the vendor override files of its
 * directory in name order, a later file winning, and per-desktop groups for
 * the first current desktop that has one. A key whose default does not parse
 * is left out, as glib-compile-schemas refuses it.
 */
export function resolveKeys(
  schema: RawSchema,
  base: Map<string, KeyInfo> | undefined,
  overrideFiles: Map<string, Map<string, string>>[],
  context: ResolveContext,
  /** Only these keys (a check needs the declared ones, not whole schemas); all when absent. */
  wanted?: ReadonlySet<string>,
): Map<string, KeyInfo> {
  const keys = new Map(base);
  for (const raw of schema.keys) {
    if (wanted && !wanted.has(raw.name)) continue;
    const type = raw.type ?? (raw.enum ? 's' : raw.flags ? 'as' : undefined);
    if (!type) continue;
    const info: KeyInfo = { name: raw.name, type, default: { kind: 'boolean', type: 'b', value: false }, aliases: raw.aliases };
    const choices = raw.choices ?? (raw.enum ? context.enumNicks(raw.enum, 'enum') : raw.flags ? context.enumNicks(raw.flags, 'flags') : undefined);
    if (choices) info.choices = choices;
    if (raw.range) {
      const min = raw.range.min === undefined ? undefined : acceptedValue(info, raw.range.min);
      const max = raw.range.max === undefined ? undefined : acceptedValue(info, raw.range.max);
      info.range = {};
      if (min) info.range.min = min;
      if (max) info.range.max = max;
    }
    const value = acceptedValue(info, raw.default);
    if (!value) continue;
    info.default = value;
    keys.set(raw.name, info);
  }
  const setDefault = (name: string, text: string) => {
    const info = keys.get(name);
    const value = info && acceptedValue(info, text);
    if (info && value) keys.set(name, { ...info, default: value });
  };
  for (const [name, text] of Object.entries(schema.overrides)) setDefault(name, text);
  for (const file of overrideFiles) for (const [name, text] of file.get(schema.id) ?? []) setDefault(name, text);
  const desktop = context.desktops.find((d) => overrideFiles.some((file) => file.has(`${schema.id}:${d}`)));
  if (desktop) for (const file of overrideFiles) for (const [name, text] of file.get(`${schema.id}:${desktop}`) ?? []) setDefault(name, text);
  return keys;
}

/** The value of `text` for this key when it parses as the key's type and is in its range, else undefined. */
function acceptedValue(info: KeyInfo, text: string): GVariant | undefined {
  try {
    const value = parseGVariant(text, info.type);
    return inRange(info, value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** g_settings_schema_key_range_check: numbers within `<range>`, strings among the choices, containers item by item. */
export function inRange(info: Pick<KeyInfo, 'range' | 'choices'>, value: GVariant): boolean {
  if (!info.range && !info.choices) return true;
  switch (value.kind) {
    case 'array':
    case 'tuple':
    case 'entry':
      return value.value.every((item) => inRange(info, item));
    case 'maybe':
      return value.value === null || inRange(info, value.value);
    case 'variant':
      return inRange(info, value.value);
    case 'string':
      return !info.choices || info.choices.includes(value.value);
    case 'integer':
    case 'bigint':
    case 'double': {
      const { min, max } = info.range ?? {};
      return (!min || Number(min.value) <= Number(value.value)) && (!max || Number(value.value) <= Number(max.value));
    }
    case 'boolean':
      return true;
  }
}

/** What the key's range allows, for messages: "one of 'a', 'b'" or "between 0 and 100". */
export function rangeDescription(info: Pick<KeyInfo, 'range' | 'choices'>): string {
  if (info.choices) return `one of ${info.choices.map((c) => `'${c}'`).join(', ')}`;
  const { min, max } = info.range ?? {};
  return `between ${min ? formatGVariant(min, { annotate: false }) : '-∞'} and ${max ? formatGVariant(max, { annotate: false }) : '∞'}`;
}

/**
 * The value GSettings shows for a key, given the value dconf holds for it (or
 * nothing): a stored value of another type, or out of range and no alias,
 * counts as unset, as g_settings_read_from_backend does.
 */
export function effectiveValue(info: KeyInfo, stored: GVariant | undefined): { value: GVariant; userSet: boolean } {
  if (stored === undefined || stored.type !== info.type) return { value: info.default, userSet: false };
  if (inRange(info, stored)) return { value: stored, userSet: true };
  const fixed = withAliases(info, stored);
  return fixed && inRange(info, fixed) ? { value: fixed, userSet: true } : { value: info.default, userSet: false };
}

/** Strings (also inside arrays) replaced by their alias targets; undefined when nothing had an alias. */
function withAliases(info: KeyInfo, value: GVariant): GVariant | undefined {
  if (value.kind === 'string' && Object.hasOwn(info.aliases, value.value)) return { ...value, value: info.aliases[value.value]! };
  if (value.kind === 'array') {
    const items = value.value.map((item) => withAliases(info, item) ?? item);
    return items.some((item, i) => !gvariantEqual(item, value.value[i]!)) ? { ...value, value: items } : undefined;
  }
  return undefined;
}
