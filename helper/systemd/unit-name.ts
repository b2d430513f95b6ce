// systemd's unit-name rules (src/basic/unit-name.c), as plain functions: the
// validation every name passes before it reaches the manifest or the bus, and
// the template/instance helpers the state computation needs.

export const UNIT_TYPES = [
  'service',
  'mount',
  'swap',
  'socket',
  'target',
  'device',
  'automount',
  'timer',
  'path',
  'slice',
  'scope',
] as const;

export type UnitType = (typeof UNIT_TYPES)[number];

/** Unit types that may have templates and instances (`foo@bar.service`). */
const TEMPLATE_TYPES: ReadonlySet<string> = new Set(['service', 'socket', 'target', 'timer', 'path']);

/** Unit types that may have `Alias=` names and alias symlinks. */
const ALIAS_TYPES: ReadonlySet<string> = new Set(['service', 'socket', 'target', 'device', 'timer', 'path']);

/** systemd's UNIT_NAME_MAX is 256 including the terminating NUL. */
export const UNIT_NAME_MAX = 255;

const VALID_CHARS_WITH_AT = /^[0-9A-Za-z:\-_.\\@]*$/;
const GLOB_CHARS = /[*?[]/;

export type UnitNameKind = 'plain' | 'instance' | 'template';

/** The unit's type (its suffix), or undefined when the suffix is not a unit type. */
export function unitType(name: string): UnitType | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const suffix = name.slice(dot + 1);
  return (UNIT_TYPES as readonly string[]).includes(suffix) ? (suffix as UnitType) : undefined;
}

/** What kind of valid unit name this is, or undefined when systemd would reject it. */
export function unitNameKind(name: string): UnitNameKind | undefined {
  if (name.length === 0 || name.length > UNIT_NAME_MAX) return undefined;
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || unitType(name) === undefined) return undefined;
  const stem = name.slice(0, dot);
  if (!VALID_CHARS_WITH_AT.test(stem)) return undefined;
  const at = stem.indexOf('@');
  if (at === 0) return undefined;
  if (at < 0) return 'plain';
  return at === stem.length - 1 ? 'template' : 'instance';
}

export function isValidUnitName(name: string, kinds: readonly UnitNameKind[] = ['plain', 'instance', 'template']): boolean {
  const kind = unitNameKind(name);
  return kind !== undefined && kinds.includes(kind);
}

/** `foo@bar.service` -> `foo@.service`; undefined for names that are not instances or templates. */
export function unitTemplate(name: string): string | undefined {
  const kind = unitNameKind(name);
  if (kind !== 'instance' && kind !== 'template') return undefined;
  const at = name.indexOf('@');
  return name.slice(0, at + 1) + name.slice(name.lastIndexOf('.'));
}

/** `foo@bar.service` -> `bar`; undefined for plain names and templates. */
export function unitInstance(name: string): string | undefined {
  if (unitNameKind(name) !== 'instance') return undefined;
  return name.slice(name.indexOf('@') + 1, name.lastIndexOf('.'));
}

/** `foo@.service` + `bar` -> `foo@bar.service`; undefined when the result is not a valid instance. */
export function replaceInstance(name: string, instance: string): string | undefined {
  const template = unitTemplate(name);
  if (template === undefined || !isValidInstance(instance)) return undefined;
  const result = template.slice(0, template.indexOf('@') + 1) + instance + template.slice(template.lastIndexOf('.'));
  return unitNameKind(result) === 'instance' ? result : undefined;
}

export function isValidInstance(instance: string): boolean {
  return instance.length > 0 && VALID_CHARS_WITH_AT.test(instance);
}

export function unitTypeMayTemplate(type: UnitType): boolean {
  return TEMPLATE_TYPES.has(type);
}

export function unitTypeMayAlias(type: UnitType): boolean {
  return ALIAS_TYPES.has(type);
}

/** What systemctl turns an invalid name into: `/` becomes `-`, other bad characters `\xNN`. */
export function mangleUnitName(text: string): string {
  let out = '';
  for (const char of text) {
    if (char === '/') out += '-';
    else if (!VALID_CHARS_WITH_AT.test(char)) {
      for (const byte of Buffer.from(char, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else out += char;
  }
  return out;
}

/** A unit name the user typed: the name to use, or why it is refused. */
export type ParsedUnitArgument = { ok: true; name: string } | { ok: false; error: string };

/**
 * Validates a unit name given on the command line the way systemctl does,
 * except that systemctl silently escapes bad names and we refuse them: a
 * silently rewritten name would land in the manifest unseen. A name without a
 * unit-type suffix gets `.service`.
 */
export function parseUnitArgument(argument: string): ParsedUnitArgument {
  const refuse = (why: string): ParsedUnitArgument => ({ ok: false, error: `invalid unit name "${argument}": ${why}` });
  if (argument.length === 0) return refuse('it is empty');
  if (GLOB_CHARS.test(argument)) return refuse('patterns are not accepted here; name each unit');
  if (argument.startsWith('/')) {
    return refuse('a path is not a unit name; for a mount unit use `systemd-escape --path --suffix=mount PATH`');
  }
  const name = unitType(argument) === undefined ? `${argument}.service` : argument;
  const dot = name.lastIndexOf('.');
  const stem = name.slice(0, dot);
  const type = unitType(name) as UnitType;
  if (stem.length === 0) return refuse('the name before the suffix is empty');
  const bad = [...stem].find((char) => !VALID_CHARS_WITH_AT.test(char));
  if (bad !== undefined) {
    return refuse(`the character ${JSON.stringify(bad)} is not allowed; escaped, the name is "${mangleUnitName(stem)}.${type}" (see systemd-escape)`);
  }
  if (stem.startsWith('@')) return refuse('the name before "@" is empty');
  if (name.length > UNIT_NAME_MAX) return refuse(`it is ${name.length} characters long; systemd allows ${UNIT_NAME_MAX}`);
  const kind = unitNameKind(name);
  if (kind === undefined) return refuse('systemd does not accept it');
  if (kind !== 'plain' && !unitTypeMayTemplate(type)) return refuse(`.${type} units cannot be templates or instances`);
  return { ok: true, name };
}
