// systemd unit states: `systemd-services.json` declares units enabled,
// disabled or masked; the live states are computed in process from the unit
// directories (helper/systemd/unit-state.ts), and changes go to the manager
// over D-Bus (helper/systemd/client.ts), or through `systemctl --root` for an
// offline tree.
import { posix } from 'node:path';
import * as z from 'zod/mini';
import { byCodeUnits, DomainError, DomainUnavailable, driftItem, type Domain, type DriftItem, type Environment, type Operation } from '../domain.js';
import { inRoot } from '../environment.js';
import type { SystemdClient } from '../systemd/client.js';
import { isValidUnitName, parseUnitArgument } from '../systemd/unit-name.js';
import { PERSISTENT_CONFIG, RUNTIME_CONFIG, UnitFileStates, realUnitFs, type MaskLocation, type UnitFileState } from '../systemd/unit-state.js';

export const DeclaredState = z.enum(['enabled', 'disabled', 'masked']);
export type DeclaredState = z.infer<typeof DeclaredState>;

/**
 * A whole unit name; the message says what is wrong with one that is not. On
 * the key, not on the record: a record's own checks do not run once one of
 * its values is wrong, and every bad unit is reported at once.
 */
const UnitName = z.string().check(
  z.superRefine((unit, ctx) => {
    if (isValidUnitName(unit)) return;
    const parsed = parseUnitArgument(unit);
    ctx.addIssue({ code: 'custom', message: parsed.ok ? `"${unit}" has no unit type suffix; write "${parsed.name}"` : parsed.error, input: unit });
  }),
);
const Services = z.record(UnitName, DeclaredState);

export const SystemdManifest = z.looseObject({
  $schema: z.optional(z.string()),
  services: Services,
});
export type SystemdManifest = z.infer<typeof SystemdManifest>;

export const SYSTEMD_MANIFEST_FILE = 'systemd-services.json';

export interface UnitStatus {
  state: UnitFileState | 'not-found';
  /** Masks in /etc/systemd/system (admin) or /run/systemd/system (runtime), which sync may remove. */
  masks: MaskLocation[];
  /** The file that decided the state: the unit file, or the mask. */
  path?: string;
  /** For a name that is an alias: the unit it names, whose state `state` is. */
  aliasOf?: string;
  /** Why the state is `bad`. */
  error?: string;
}

/** The manifest's units and every unit masked in /etc or /run, by name. */
export interface SystemdLive {
  units: Record<string, UnitStatus>;
}

/** The states that satisfy each declared state (systemctl is-enabled's own grouping). */
const SATISFIES: Record<DeclaredState, ReadonlySet<UnitStatus['state']>> = {
  enabled: new Set(['enabled', 'enabled-runtime', 'static', 'indirect', 'generated', 'transient']),
  disabled: new Set(['disabled', 'linked', 'linked-runtime']),
  masked: new Set(['masked', 'masked-runtime']),
};

export function satisfies(declared: DeclaredState, state: UnitStatus['state']): boolean {
  return SATISFIES[declared].has(state);
}

/** The declared state that keeps a live state as it is, for capture. */
export function declaredStateOf(state: UnitStatus['state']): DeclaredState | undefined {
  return (Object.keys(SATISFIES) as DeclaredState[]).find((declared) => SATISFIES[declared].has(state));
}

/** Items that `bkt capture` records only when asked: masks the manifest does not list (the registry's opt-in flag). */
export const INCLUDE_MASKED = 'include-masked';

/** Reads the live states of `units` and of every unit masked in /etc or /run, from the files under `root` ('/' for the live system). */
export function collectUnits(root: string, units: readonly string[]): SystemdLive {
  const states = new UnitFileStates(realUnitFs(root));
  if (!states.hasUnitDirectories()) {
    // The live system may simply have no systemd; a tree the user named with --root was meant to be a system.
    if (root === '/') throw new DomainUnavailable('no systemd unit directories on this system');
    throw new DomainError(
      `--root ${root}: no systemd unit directories under it (looked for /usr/lib/systemd/system, /lib/systemd/system, /usr/local/lib/systemd/system, /etc/systemd/system and the rest of systemd's unit path): is it a system's root?`,
    );
  }
  const masks = states.configMasks();
  const live: SystemdLive = { units: {} };
  for (const unit of new Set([...units, ...masks.keys()])) {
    let lookup;
    try {
      lookup = states.lookup(unit);
    } catch (error) {
      throw new DomainError(`cannot read the unit files of ${unit}: ${(error as Error).message}`);
    }
    const status: UnitStatus = { state: lookup.state, masks: masks.get(unit) ?? [] };
    if (lookup.path !== undefined) status.path = lookup.path;
    if (lookup.error !== undefined) status.error = lookup.error;
    if (lookup.state === 'alias' && lookup.path !== undefined) {
      // An alias is as enabled as the unit it names.
      status.aliasOf = posix.basename(lookup.path);
      status.state = states.lookup(status.aliasOf).state;
    }
    live.units[unit] = status;
  }
  return live;
}

function detailOf(status: UnitStatus): string | undefined {
  if (status.state === 'bad') return status.error ?? 'the unit file cannot be read';
  if (status.aliasOf) return `alias of ${status.aliasOf}`;
  if ((status.state === 'masked' || status.state === 'masked-runtime') && status.path) return `masked by ${status.path}`;
  return undefined;
}

export function compareUnits(services: Record<string, DeclaredState>, live: SystemdLive): DriftItem[] {
  const items: DriftItem[] = [];
  for (const [unit, declared] of Object.entries(services)) {
    const status = live.units[unit] ?? { state: 'not-found', masks: [] };
    const base = { expected: declared, data: { state: status.state, masks: status.masks } };
    if (status.state === 'not-found') {
      items.push(driftItem('systemd', unit, { ...base, kind: 'removal', detail: 'in manifest, no such unit on this system' }));
    } else if (!satisfies(declared, status.state)) {
      const detail = detailOf(status);
      items.push(driftItem('systemd', unit, { ...base, kind: 'modification', actual: status.state, ...(detail ? { detail } : {}) }));
    }
  }
  // Sorted, so that the report does not follow the order of a directory listing.
  for (const [unit, status] of Object.entries(live.units).sort(([a], [b]) => byCodeUnits(a, b))) {
    if (unit in services || status.masks.length === 0 || !satisfies('masked', status.state)) continue;
    const where = status.masks.map((location) => (location === 'admin' ? PERSISTENT_CONFIG : RUNTIME_CONFIG)).join(' and ');
    items.push(
      driftItem('systemd', unit, {
        kind: 'addition',
        actual: status.state,
        detail: `masked in ${where}, not in manifest`,
        data: { state: status.state, masks: status.masks, optIn: INCLUDE_MASKED },
      }),
    );
  }
  return items;
}

interface ItemData {
  state: UnitStatus['state'];
  masks: MaskLocation[];
}

const itemData = (item: DriftItem): ItemData => ({
  state: (item.data?.state ?? item.actual ?? 'not-found') as UnitStatus['state'],
  masks: (item.data?.masks ?? []) as MaskLocation[],
});

/** One call that changes a unit: a D-Bus method, or the same verb of `systemctl --root`. */
interface Change {
  verb: 'enable' | 'disable' | 'mask' | 'unmask';
  runtime: boolean;
}

/** The changes that bring a unit from its live state to the declared one (undefined: unmanaged, remove its masks). */
export function changesFor(declared: DeclaredState | undefined, data: ItemData): Change[] | { unsupported: string } {
  const unmasks: Change[] = data.masks.map((location) => ({ verb: 'unmask', runtime: location === 'runtime' }));
  switch (declared) {
    case undefined:
      return unmasks;
    case 'enabled':
      return [...unmasks, { verb: 'enable', runtime: false }];
    case 'disabled':
      if (data.state === 'static' || data.state === 'generated' || data.state === 'transient') {
        return {
          unsupported: `a ${data.state} unit has no [Install] section to disable; declare it masked to keep it from starting, or enabled to accept it`,
        };
      }
      return [...unmasks, { verb: 'disable', runtime: false }, { verb: 'disable', runtime: true }];
    case 'masked':
      return [{ verb: 'mask', runtime: false }];
  }
}

const VERBS: Record<Change['verb'], string> = { enable: 'Enable', disable: 'Disable', mask: 'Mask', unmask: 'Unmask' };

/** The connection of one run of operations, shared by its operations and closed by finishApply. */
interface Session {
  client?: Promise<SystemdClient>;
  changed: boolean;
}

const sessions = new WeakMap<Environment, Session>();

function sessionOf(env: Environment): Session {
  let session = sessions.get(env);
  if (!session) {
    session = { changed: false };
    sessions.set(env, session);
  }
  return session;
}

async function runChange(env: Environment, unit: string, change: Change): Promise<void> {
  if (env.root !== '/') {
    // An offline tree has no manager: systemctl --root edits its links the same way.
    await env.run('systemctl', ['--root', env.root, ...(change.runtime ? ['--runtime'] : []), change.verb, unit]);
    return;
  }
  // D-Bus code loads only when something is applied, so that a check starts fast.
  const { SystemdCallError, SystemdClient, systemBusAddress } = await import('../systemd/client.js');
  const session = sessionOf(env);
  session.client ??= SystemdClient.connect({ address: systemBusAddress(env.env) });
  const client = await session.client;
  try {
    if (change.verb === 'enable') await client.enableUnitFiles([unit]);
    else if (change.verb === 'disable') await client.disableUnitFiles([unit], { runtime: change.runtime });
    else if (change.verb === 'mask') await client.maskUnitFiles([unit]);
    else await client.unmaskUnitFiles([unit], { runtime: change.runtime });
    session.changed = true;
  } catch (error) {
    if (error instanceof SystemdCallError && error.refused) {
      throw new DomainError(`not allowed to ${change.verb} ${unit}: ${error.text || error.errorName} (polkit refused; run as root, or where a polkit agent can ask for a password)`);
    }
    if (error instanceof SystemdCallError) throw new DomainError(`cannot ${change.verb} ${unit}: ${error.text || error.errorName}`);
    throw error;
  }
}

/** The operation that brings one unit to the declared state (one per unit; the reload comes once, in finishApply). */
export function operationFor(unit: string, declared: DeclaredState | undefined, data: ItemData): Operation | { unsupported: string } {
  const changes = changesFor(declared, data);
  if (!Array.isArray(changes)) return changes;
  const main = changes.at(-1) as Change;
  const notes: string[] = [];
  if (data.state === 'not-found') notes.push('no such unit on this system');
  else notes.push(`now ${data.state}`);
  const unmasks = changes.filter((change) => change.verb === 'unmask');
  if (declared !== undefined && unmasks.length > 0) notes.push('unmask first');
  if (main.verb === 'unmask') notes.push(`remove the mask in ${unmasks.map((c) => (c.runtime ? RUNTIME_CONFIG : PERSISTENT_CONFIG)).join(' and ')}`);
  return {
    verb: VERBS[main.verb],
    target: unit,
    details: notes.join('; '),
    destructive: false,
    async run(env) {
      for (const change of changes) await runChange(env, unit, change);
    },
  };
}

export const systemd: Domain<SystemdManifest, SystemdLive> = {
  name: 'systemd',
  title: 'Systemd Services',
  file: SYSTEMD_MANIFEST_FILE,
  schema: SystemdManifest,

  async collect(env, manifest) {
    return collectUnits(env.root, Object.keys(manifest.value.services));
  },

  compare(manifest, live) {
    return compareUnits(manifest.value.services, live);
  },

  capture(item) {
    if (item.kind === 'removal') return [{ op: 'remove', path: ['services', item.key] }];
    const { state } = itemData(item);
    const declared = declaredStateOf(state);
    if (declared === undefined) throw new DomainError(`cannot capture ${item.key}: its state is ${state}${item.detail ? ` (${item.detail})` : ''}`);
    return [{ op: 'set', path: ['services', item.key], value: declared }];
  },

  apply(item, manifest) {
    const result = operationFor(item.key, manifest.value.services[item.key], itemData(item));
    return 'unsupported' in result ? result : [result];
  },

  async finishApply(env) {
    const session = sessions.get(env);
    if (!session?.client) return;
    sessions.delete(env);
    const client = await session.client.catch(() => undefined);
    if (!client) return;
    try {
      if (session.changed) await client.reload();
    } finally {
      client.close();
    }
  },

  watch: (env) => ({ paths: [inRoot(env, PERSISTENT_CONFIG), inRoot(env, RUNTIME_CONFIG)], systemd: env.root === '/' }),
};
