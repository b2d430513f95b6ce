// Shims: scripts in the shims directory that run a host command from inside a
// toolbox, `exec flatpak-spawn --host <host> "$@"`.
import type { Dirent, Stats } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from '../fs-async.js';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { commandOnPath } from '../command-path.js';
import { byCodeUnits, DomainError, DomainUnavailable, driftItem, type Domain, type DriftItem, type Environment } from '../domain.js';

const Shim = z.looseObject({
  name: z.string().check(z.regex(/^[^/\0]+$/, 'a shim name is a file name (no /)')),
  host: z.optional(z.string().check(z.minLength(1))),
});
const ShimsManifest = z.looseObject({ $schema: z.optional(z.string()), shims: z.array(Shim) });
type ShimsManifest = z.infer<typeof ShimsManifest>;

/** What is in the shims directory under a name: a host shim and its command, or what it is instead. */
type LiveShim = { host: string } | { not: string };

interface LiveShims {
  shims: Map<string, LiveShim>;
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

/** What a directory entry is when it is no script: only a file is read (reading a FIFO would hang the check). */
function notAScript(entry: Dirent | Stats): string | undefined {
  if (entry.isFile()) return undefined;
  if (entry.isDirectory()) return 'a directory, not a shim script';
  return `${entry.isFIFO() ? 'a FIFO' : entry.isSocket() ? 'a socket' : 'a device'}, not a shim script`;
}

const unreadable = (path: string, error: unknown) => new DomainError(`cannot read the shim ${path}: ${(error as Error).message}`);

/** The shim at `path`, undefined when it is gone (or a link to nothing, which is no shim either). */
async function readShim(path: string, entry: Dirent): Promise<LiveShim | undefined> {
  let kind: Dirent | Stats = entry;
  // The directory listing tells what an entry is at no cost, except behind a link.
  if (entry.isSymbolicLink()) {
    try {
      kind = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw unreadable(path, error);
    }
  }
  const not = notAScript(kind);
  if (not !== undefined) return { not };
  let script: string;
  try {
    script = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(path, error);
  }
  const host = hostCommandOf(script);
  return host === null ? { not: 'not a host shim' } : { host };
}

export const shims: Domain<ShimsManifest, LiveShims> = {
  name: 'shims',
  title: 'Shims',
  file: 'host-shims.json',
  schema: ShimsManifest,

  async collect(env) {
    const dir = shimsDirectory(env);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new DomainError(`cannot read the shims directory ${dir}: ${(error as Error).message}`);
      // A shim runs its command through `flatpak-spawn --host`, served by the host's flatpak:
      // without either, shims cannot work here, and their absence is not drift.
      if (commandOnPath('flatpak', env.env) === undefined && commandOnPath('flatpak-spawn', env.env) === undefined) {
        throw new DomainUnavailable(`no shims directory at ${dir}, and neither flatpak nor flatpak-spawn to run shims through`);
      }
      return { shims: new Map(), missingDirectory: dir };
    }
    const live = new Map<string, LiveShim>();
    await Promise.all(
      entries
        .filter((entry) => !entry.name.endsWith('.bkt-tmp'))
        .map(async (entry) => {
          const shim = await readShim(join(dir, entry.name), entry);
          if (shim) live.set(entry.name, shim);
        }),
    );
    return { shims: live };
  },

  compare(manifest, { shims: live, missingDirectory }) {
    const items: DriftItem[] = [];
    const missing = missingDirectory === undefined ? 'in manifest, no shim' : `in manifest, no shims directory at ${missingDirectory}`;
    const declared = new Set<string>();
    for (const shim of manifest.value.shims) {
      declared.add(shim.name);
      const host = shim.host ?? shim.name;
      const found = live.get(shim.name);
      if (!found) {
        items.push(driftItem('shims', shim.name, { kind: 'removal', expected: host, detail: missing }));
      } else if ('not' in found || found.host !== host) {
        items.push(driftItem('shims', shim.name, { kind: 'modification', expected: host, actual: 'not' in found ? found.not : found.host }));
      }
    }
    // In name order: the directory is read concurrently, so the map's order is the reads' order.
    for (const [name, found] of [...live].sort(([a], [b]) => byCodeUnits(a, b))) {
      if (declared.has(name) || 'not' in found) continue;
      items.push(driftItem('shims', name, { kind: 'addition', actual: found.host, detail: `runs ${found.host}, not in manifest`, data: { host: found.host } }));
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
