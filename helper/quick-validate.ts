// A quick reading of a manifest that zod would accept, for the schema shapes
// manifests use (objects, arrays, strings with min-length and regex checks,
// booleans, enums, literals, optional, nullable, unions). zod/mini walks its
// schema interpretively, allocating a result and an issue list for every
// value: in a fresh process, validating the bench's manifests of 1,000
// settings and 300 apps took ~12 ms with zod, ~6 ms with this reading.
//
// It only ever says "valid, and this is the value zod would return" or "ask
// zod": any value it does not accept, and any schema with a part it does not
// know (checks on objects or arrays, defaults, transforms, refinements,
// discriminated unions, records...), goes to zod, so every error and its
// message still come from zod.
import type { $ZodType } from 'zod/v4/core';

const ASK_ZOD: unique symbol = Symbol('ask zod');
type Reader = (value: unknown) => unknown;

/** The parts of zod's schema definitions this reads. */
interface Definition {
  type: string;
  coerce?: boolean;
  checks?: { _zod: { def: { check: string; minimum?: number; format?: string; pattern?: RegExp } } }[];
  innerType?: $ZodType;
  element?: $ZodType;
  options?: $ZodType[];
  discriminator?: string;
  shape?: Record<string, $ZodType>;
  catchall?: $ZodType;
}

const definition = (schema: $ZodType) => schema._zod.def as unknown as Definition;

const readers = new WeakMap<$ZodType, Reader | null>();

/** The value zod would return for `value`, or undefined when zod must decide (an invalid value, or a schema this cannot read). */
export function quickValidate<M>(schema: $ZodType<M>, value: unknown): { value: M } | undefined {
  let reader = readers.get(schema);
  if (reader === undefined) {
    reader = readerOf(schema) ?? null;
    readers.set(schema, reader);
  }
  if (!reader) return undefined;
  const read = reader(value);
  return read === ASK_ZOD ? undefined : { value: read as M };
}

/** zod's min-length counts code points, not UTF-16 units. */
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function stringTest(check: NonNullable<Definition['checks']>[number]): ((text: string) => boolean) | undefined {
  const { check: kind, minimum, format, pattern } = check._zod.def;
  if (kind === 'min_length' && minimum !== undefined) {
    return (text) => text.length >= 2 * minimum || (text.length >= minimum && codePoints(text) >= minimum);
  }
  if (kind === 'string_format' && format === 'regex' && pattern) {
    return (text) => {
      pattern.lastIndex = 0;
      return pattern.test(text);
    };
  }
  return undefined;
}

function readerOf(schema: $ZodType): Reader | undefined {
  const def = definition(schema);
  const checks = def.checks ?? [];
  if (def.coerce) return undefined;
  if (def.type === 'string') {
    const tests = checks.map(stringTest);
    if (tests.some((test) => !test)) return undefined;
    return (value) => (typeof value === 'string' && tests.every((test) => test!(value)) ? value : ASK_ZOD);
  }
  if (checks.length > 0) return undefined;
  switch (def.type) {
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : ASK_ZOD);
    case 'enum':
    case 'literal': {
      const values = schema._zod.values;
      return values ? (value) => (values.has(value as never) ? value : ASK_ZOD) : undefined;
    }
    case 'optional':
    case 'nullable': {
      const inner = def.innerType && readerOf(def.innerType);
      const empty = def.type === 'optional' ? undefined : null;
      return inner && ((value) => (value === empty ? value : inner(value)));
    }
    case 'array': {
      const element = def.element && readerOf(def.element);
      if (!element) return undefined;
      return (value) => {
        if (!Array.isArray(value)) return ASK_ZOD;
        const read = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = element(value[i]);
          if (item === ASK_ZOD) return ASK_ZOD;
          read[i] = item;
        }
        return read;
      };
    }
    case 'union': {
      if (def.discriminator !== undefined || !def.options) return undefined;
      const options = def.options.map(readerOf);
      if (options.some((option) => !option)) return undefined;
      // zod returns the first option that accepts the value.
      return (value) => {
        for (const option of options) {
          const read = option!(value);
          if (read !== ASK_ZOD) return read;
        }
        return ASK_ZOD;
      };
    }
    case 'object':
      return objectReader(def);
  }
  return undefined;
}

function objectReader(def: Definition): Reader | undefined {
  const shape = def.shape;
  // Without a catchall zod drops unknown keys, with `unknown` (looseObject) it keeps them; other catchalls check them.
  const extra = def.catchall && definition(def.catchall).type;
  if (!shape || Object.getOwnPropertySymbols(shape).length > 0 || (extra !== undefined && extra !== 'unknown')) return undefined;
  const fields = Object.entries(shape).map(([key, field]) => ({
    key,
    read: readerOf(field),
    // An absent optional key is left out; zod's other rungs (defaults) are not read here.
    optional: field._zod.optin === 'optional' && field._zod.optout === 'optional',
  }));
  if (fields.some((field) => !field.read || field.key === '__proto__')) return undefined;
  const known = new Set(fields.map((field) => field.key));
  return (value) => {
    // zod quietly drops a `__proto__` key (JSON.parse makes it an own key): left to zod.
    if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.hasOwn(value, '__proto__')) return ASK_ZOD;
    const input = value as Record<string, unknown>;
    const read: Record<string, unknown> = {};
    for (const field of fields) {
      // `in`, as zod tests presence.
      if (!(field.key in input)) {
        if (field.optional) continue;
        return ASK_ZOD;
      }
      const item = field.read!(input[field.key]);
      if (item === ASK_ZOD || item === undefined) return ASK_ZOD;
      read[field.key] = item;
    }
    if (extra === 'unknown') for (const key in input) if (!known.has(key)) read[key] = input[key];
    return read;
  };
}
