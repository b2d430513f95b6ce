// GLib keyfiles: flatpak's repo/config and overrides, GSettings vendor
// overrides, `dconf dump`. Groups of `key=value` lines; comments and localised
// keys (`key[de]=`) are skipped, a repeated key keeps its last value.

/** group -> key -> value. */
export type Keyfile = Map<string, Map<string, string>>;

const ESCAPES: Record<string, string> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' };

/**
 * `unescape`: undo the keyfile escapes (`\s`, `\n`, ...) of string values, as
 * g_key_file_get_string does; without it values stay as written, which is what
 * GVariant text (overrides, dconf) needs.
 */
export function parseKeyfile(text: string, { unescape }: { unescape: boolean }): Keyfile {
  const groups: Keyfile = new Map();
  let current: Map<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^[ \t]+/, '').replace(/\r$/, '');
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const name = line.slice(1, line.lastIndexOf(']'));
      current = groups.get(name) ?? new Map();
      groups.set(name, current);
      continue;
    }
    const equals = line.indexOf('=');
    if (!current || equals < 0) continue;
    const key = line.slice(0, equals).trimEnd();
    if (key.includes('[')) continue;
    const value = line.slice(equals + 1).replace(/^[ \t]+/, '');
    current.set(key, unescape ? value.replace(/\\(.)/g, (whole, c: string) => ESCAPES[c] ?? whole) : value);
  }
  return groups;
}

/** A keyfile list value (`a;b;`) as its items. */
export function keyfileList(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(';').filter((item) => item !== '');
}
