// Reading GSettings schema XML files (`*.gschema.xml`, `*.enums.xml`) into
// plain definitions, in one streaming pass. saxes is a strict XML parser, as
// GLib's GMarkup is, and several times quicker to start than a DOM-building
// one, which counts when a check reads forty files. Apart from gschema.ts so
// that the parser loads only when a check reads schemas.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { RawKey, RawSchema, SchemaFile } from './gschema.js';

/** A schema file that is not well-formed XML; names the file. */
export class SchemaFileError extends Error {
  override name = 'SchemaFileError';
}

export function parseSchemaFile(text: string, file: string): SchemaFile {
  const result: SchemaFile = { schemas: [], enums: {}, flags: {} };
  const parser = new SaxesParser();
  const open: string[] = [];
  let schema: RawSchema | undefined;
  let key: RawKey | undefined;
  let nicks: string[] | undefined;
  /** The element whose text is being read (`default`, `override`), and its text so far. */
  let reading: { element: string; name?: string; text: string } | undefined;

  parser.on('opentag', (tag: SaxesTagPlain) => {
    const a = tag.attributes;
    const parent = open[open.length - 1];
    open.push(tag.name);
    switch (tag.name) {
      case 'schema':
        if (parent === 'schemalist' && a.id) {
          schema = { id: a.id, keys: [], overrides: {} };
          if (a.path) schema.path = a.path;
          if (a.extends) schema.extends = a.extends;
          result.schemas.push(schema);
        }
        break;
      case 'key':
        if (parent === 'schema' && schema) {
          key = { name: a.name ?? '', default: '', aliases: {} };
          if (a.type) key.type = a.type;
          if (a.enum) key.enum = a.enum;
          if (a.flags) key.flags = a.flags;
          schema.keys.push(key);
        }
        break;
      case 'enum':
      case 'flags':
        if (parent === 'schemalist' && a.id) {
          nicks = [];
          (tag.name === 'enum' ? result.enums : result.flags)[a.id] = nicks;
        }
        break;
      case 'value':
        if ((parent === 'enum' || parent === 'flags') && a.nick !== undefined) nicks?.push(a.nick);
        break;
      case 'default':
        if (parent === 'key') reading = { element: 'default', text: '' };
        break;
      case 'override':
        if (parent === 'schema' && a.name) reading = { element: 'override', name: a.name, text: '' };
        break;
      case 'range':
        if (parent === 'key' && key) {
          key.range = {};
          if (a.min !== undefined) key.range.min = a.min;
          if (a.max !== undefined) key.range.max = a.max;
        }
        break;
      case 'choice':
        if (key && open[open.length - 2] === 'choices' && a.value !== undefined) (key.choices ??= []).push(a.value);
        break;
      case 'alias':
        if (key && a.value !== undefined && a.target !== undefined) key.aliases[a.value] = a.target;
        break;
    }
  });
  const addText = (text: string) => {
    if (reading) reading.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', (tag) => {
    open.pop();
    if (reading && tag.name === reading.element) {
      if (reading.element === 'default' && key) key.default = reading.text.trim();
      else if (reading.element === 'override' && schema && reading.name) schema.overrides[reading.name] = reading.text.trim();
      reading = undefined;
    }
    if (tag.name === 'key') key = undefined;
    else if (tag.name === 'schema') schema = undefined;
    else if (tag.name === 'enum' || tag.name === 'flags') nicks = undefined;
  });

  try {
    parser.write(text).close();
  } catch (error) {
    throw new SchemaFileError(`${file}: not a schema file: ${(error as Error).message}`);
  }
  return result;
}
