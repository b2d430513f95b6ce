// Flatpak overrides, as the manifest writes them (`flatpak override` options
// such as `--filesystem=host`) and as flatpak stores them (the keyfile
// `<installation>/overrides/<id>`). Pure: the keyfile text comes from the edge.
import { keyfileList, parseKeyfile } from '../keyfile.js';

/** [Context] keys and the options that set (`x`) and unset (`!x`) them. */
const CONTEXT_OPTIONS: Record<string, [string, string | undefined]> = {
  shared: ['--share', '--unshare'],
  sockets: ['--socket', '--nosocket'],
  devices: ['--device', '--nodevice'],
  features: ['--allow', '--disallow'],
  filesystems: ['--filesystem', '--nofilesystem'],
  persistent: ['--persist', undefined],
  'unset-environment': ['--unset-env', undefined],
};

const BUS_OPTIONS: Record<string, Record<string, string>> = {
  'Session Bus Policy': { talk: '--talk-name', own: '--own-name', none: '--no-talk-name' },
  'System Bus Policy': { talk: '--system-talk-name', own: '--system-own-name', none: '--system-no-talk-name' },
};

const POLICY_GROUP = /^Policy (.+)$/;

/**
 * The `flatpak override` options that produce an overrides keyfile. Settings no
 * option can write (a bus policy of `see`, an unknown group) come out as
 * `[group] key=value`, so they still count as a difference.
 */
export function overrideOptions(keyfileText: string): string[] {
  const options: string[] = [];
  const keyfile = parseKeyfile(keyfileText, { unescape: true });
  const unset = new Set(keyfileList(keyfile.get('Context')?.get('unset-environment')));
  for (const [group, keys] of keyfile) {
    for (const [key, value] of keys) {
      const raw = `[${group}] ${key}=${value}`;
      if (group === 'Context') {
        const pair = CONTEXT_OPTIONS[key];
        if (!pair) {
          options.push(raw);
          continue;
        }
        for (const item of keyfileList(value)) {
          const negated = item.startsWith('!');
          const option = negated ? pair[1] : pair[0];
          options.push(option ? `${option}=${negated ? item.slice(1) : item}` : raw);
        }
      } else if (group === 'Environment') {
        // `--unset-env=X` also writes an empty `X=`; the unset option already says it.
        if (!(value === '' && unset.has(key))) options.push(`--env=${key}=${value}`);
      } else if (BUS_OPTIONS[group]) {
        const option = BUS_OPTIONS[group][value];
        options.push(option ? `${option}=${key}` : raw);
      } else {
        const subsystem = POLICY_GROUP.exec(group)?.[1];
        if (subsystem === undefined) {
          options.push(raw);
          continue;
        }
        for (const item of keyfileList(value)) {
          options.push(item.startsWith('!') ? `--remove-policy=${subsystem}.${key}=${item.slice(1)}` : `--add-policy=${subsystem}.${key}=${item}`);
        }
      }
    }
  }
  return options;
}

/** Options compare as a set: flatpak keeps no order and no duplicates. */
export function sameOverrides(manifest: readonly string[], live: readonly string[]): boolean {
  const a = new Set(manifest);
  const b = new Set(live);
  return a.size === b.size && [...a].every((option) => b.has(option));
}

/**
 * The live options in the manifest's own order: those it already lists keep
 * their place, new ones follow in the order flatpak stored them.
 */
export function overridesInManifestOrder(manifest: readonly string[], live: readonly string[]): string[] {
  const liveSet = new Set(live);
  const kept = [...new Set(manifest)].filter((option) => liveSet.has(option));
  const keptSet = new Set(kept);
  return [...kept, ...[...liveSet].filter((option) => !keptSet.has(option))];
}
