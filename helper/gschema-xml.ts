// Reading GSettings schema XML files (`*.gschema.xml`, `*.enums.xml`) into
// plain definitions. Apart from gschema.ts so that the XML parser loads only
// when a check reads schemas, not with every command.
import { XMLParser } from 'fast-xml-parser';
import type { RawKey, RawSchema, SchemaFile } from './gschema.js';

/** A schema file that is not XML; names the file. */
export class SchemaFileError extends Error {
  override name = 'SchemaFileError';
}

const ARRAYS = new Set(['schema', 'key', 'enum', 'flags', 'value', 'choice', 'alias', 'override', 'child']);

// Parsers are cheap to keep and costly to build per file.
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

type Node = Record<string, unknown>;
const nodes = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : []);
const attr = (node: Node, name: string): string | undefined => (typeof node[`@${name}`] === 'string' ? (node[`@${name}`] as string) : undefined);
/** An element's text, whether it has attributes (`{'#text': ...}`) or not. */
const textOf = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : value && typeof value === 'object' && '#text' in value ? String((value as Node)['#text']) : undefined;

export function parseSchemaFile(text: string, file: string): SchemaFile {
  let document: Node;
  try {
    document = xml.parse(text) as Node;
  } catch (error) {
    throw new SchemaFileError(`${file}: not a schema file: ${(error as Error).message}`);
  }
  const list = (document.schemalist ?? {}) as Node;
  const nicks = (node: Node) => nodes(node.value).flatMap((value) => attr(value, 'nick') ?? []);
  const result: SchemaFile = { schemas: [], enums: {}, flags: {} };
  for (const node of nodes(list.enum)) result.enums[attr(node, 'id') ?? ''] = nicks(node);
  for (const node of nodes(list.flags)) result.flags[attr(node, 'id') ?? ''] = nicks(node);
  for (const node of nodes(list.schema)) {
    const id = attr(node, 'id');
    if (!id) continue;
    const schema: RawSchema = { id, keys: [], overrides: {} };
    const path = attr(node, 'path');
    const base = attr(node, 'extends');
    if (path) schema.path = path;
    if (base) schema.extends = base;
    for (const key of nodes(node.key)) schema.keys.push(rawKey(key));
    for (const override of nodes(node.override)) {
      const name = attr(override, 'name');
      const value = textOf(override);
      if (name && value !== undefined) schema.overrides[name] = value.trim();
    }
    result.schemas.push(schema);
  }
  return result;
}

function rawKey(node: Node): RawKey {
  const key: RawKey = { name: attr(node, 'name') ?? '', default: (textOf(node.default) ?? '').trim(), aliases: {} };
  for (const name of ['type', 'enum', 'flags'] as const) {
    const value = attr(node, name);
    if (value) key[name] = value;
  }
  const range = node.range as Node | undefined;
  if (range && typeof range === 'object') {
    key.range = {};
    const min = attr(range, 'min');
    const max = attr(range, 'max');
    if (min !== undefined) key.range.min = min;
    if (max !== undefined) key.range.max = max;
  }
  const choices = node.choices as Node | undefined;
  if (choices && typeof choices === 'object') key.choices = nodes(choices.choice).flatMap((choice) => attr(choice, 'value') ?? []);
  const aliases = node.aliases as Node | undefined;
  if (aliases && typeof aliases === 'object') {
    for (const alias of nodes(aliases.alias)) {
      const from = attr(alias, 'value');
      const to = attr(alias, 'target');
      if (from !== undefined && to !== undefined) key.aliases[from] = to;
    }
  }
  return key;
}

