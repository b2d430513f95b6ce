// Shims: scripts in the shims directory that run a host command from inside a
// toolbox, `exec flatpak-spawn --host <host> "$@"`.
import { mkdir, readdir, readFile, rename, rm, writeFile } from '../fs-async.js';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { commandOnPath } from '../command-path.js';
import { DomainUnavailable, type Domain, type DriftItem, type Environment } from '../domain.js';

const Shim = z.looseObject({
  name: z.string().check(z.regex(/^[^/\0]+$/, 'a shim name is a file name (no /)')),
  host: z.optional(z.string().check(z.minLength(1))),
});
const ShimsManifest = z.looseObject({ $schema: z.optional(z.string()), shims: z.array(Shim) });
type ShimsManifest = z.infer<typeof ShimsManifest>;

interface LiveShims {
  /** Name -> the host command it runs, or null for a file that is not a host shim. */
  shims: Map<string, string | null>;
  /** The shims directory, when it does not exist: every declared shim is missing. */
  missingDirectory?: string;
}

export function shimsDirectory(env: Environment): string {
  return env.env.BKT_SHIMS_DIR || join(env.home, '.local/toolbox/shims');
}

const HOST_COMMAND = /flatpak-spawn\s+--host\s+(?:'([^']+)'|"([^"]+)"|(\S+))/;

/** The host command a shim script runs, or null when the script is not a host shim. */
export function hostCommandOf(script: string): string | null {
  const match = HOST_COMMAND.exec(script);
  return match ? (match[1] ?? match[2] ?? match[3] ?? null) : null;
}

const shellQuote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export function shimScript(host: string): string {
  return `#!/bin/sh\n# bkt shim: runs ${host} on the host\nexec flatpak-spawn --host ${shellQuote(host)} "$@"\n`;
}

export const shims: Domain<ShimsManifest, LiveShims> = {
  name: 'shims',
  title: 'Shims',
  file: 'host-shims.json',
  schema: ShimsManifest,

  async collect(env) {
    const dir = shimsDirectory(env);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // A shim runs its command through `flatpak-spawn --host`, served by the host's flatpak:
      // without either, shims cannot work here, and their absence is not drift.
      if (commandOnPath('flatpak', env.env) === undefined && commandOnPath('flatpak-spawn', env.env) === undefined) {
        throw new DomainUnavailable(`no shims directory at ${dir}, and neither flatpak nor flatpak-spawn to run shims through`);
      }
      return { shims: new Map(), missingDirectory: dir };
    }
    const live = new Map<string, string | null>();
    await Promise.all(
      names
        .filter((name) => !name.endsWith('.bkt-tmp'))
        .map(async (name) => {
          const script = await readFile(join(dir, name), 'utf8').catch(() => '');
          live.set(name, hostCommandOf(script));
        }),
    );
    return { shims: live };
  },

  compare(manifest, { shims: live, missingDirectory }) {
    const items: DriftItem[] = [];
    const missing = missingDirectory === undefined ? 'expected shim missing' : `expected shim missing, no shims directory at ${missingDirectory}`;
    const declared = new Set<string>();
    for (const shim of manifest.value.shims) {
      declared.add(shim.name);
      const host = shim.host ?? shim.name;
      const base = { id: `shims:${shim.name}`, domain: 'shims', key: shim.name };
      if (!live.has(shim.name)) {
        items.push({ ...base, kind: 'removal', expected: host, detail: missing });
      } else if (live.get(shim.name) !== host) {
        const actual = live.get(shim.name) ?? 'not a host shim';
        items.push({ ...base, kind: 'modification', expected: host, actual });
      }
    }
    for (const [name, host] of live) {
      if (declared.has(name) || host === null) continue;
      items.push({ id: `shims:${name}`, domain: 'shims', key: name, kind: 'addition', actual: host, detail: `runs ${host}, not in manifest`, data: { host } });
    }
    return items;
  },

  capture(item, manifest) {
    const index = manifest.value.shims.findIndex((s) => s.name === item.key);
    if (item.kind === 'removal') return index < 0 ? [] : [{ op: 'remove', path: ['shims', index] }];
    const host = item.actual ?? item.key;
    if (item.kind === 'modification') {
      if (index < 0) return [];
      return host === item.key ? [{ op: 'remove', path: ['shims', index, 'host'] }] : [{ op: 'set', path: ['shims', index, 'host'], value: host }];
    }
    const entry = host === item.key ? { name: item.key } : { name: item.key, host };
    return [{ op: 'insert', path: ['shims'], value: entry, sortKey: (e) => String((e as { name?: unknown }).name ?? '') }];
  },

  apply(item, manifest, env) {
    const path = join(shimsDirectory(env), item.key);
    if (item.kind === 'addition') {
      return [{ verb: 'Remove', target: path, details: `shim for ${item.actual}`, destructive: true, run: () => rm(path, { force: true }) }];
    }
    const host = manifest.value.shims.find((s) => s.name === item.key)?.host ?? item.key;
    return [
      {
        verb: item.kind === 'removal' ? 'Create' : 'Rewrite',
        target: path,
        details: `runs ${host} on the host`,
        destructive: false,
        run: async () => {
          await mkdir(shimsDirectory(env), { recursive: true });
          // A half-written script must never be run: write beside it, then rename over.
          const temporary = `${path}.${process.pid}.bkt-tmp`;
          await writeFile(temporary, shimScript(host), { mode: 0o755 });
          await rename(temporary, path);
        },
      },
    ];
  },

  watch: (env) => ({ paths: [shimsDirectory(env)] }),
};
