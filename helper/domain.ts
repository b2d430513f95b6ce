// The one contract every domain keeps. A domain is one file under
// helper/domains/ and one line in helper/registry.ts; nothing else lists domains.
import type { $ZodType } from 'zod/v4/core';
import type { Runner } from './run.js';

export type DriftKind = 'addition' | 'removal' | 'modification';

/** One difference between a manifest and the live system. */
export interface DriftItem {
  /** Stable `domain:key`, used by ignore rules, the report and D-Bus. */
  id: string;
  domain: string;
  kind: DriftKind;
  /** What the item is, in the domain's own words: an app id, `schema.key`, a unit. */
  key: string;
  /** The manifest's value, as the user wrote it (modifications and removals). */
  expected?: string;
  /** The live value (modifications and additions). */
  actual?: string;
  /** A short human note, e.g. "installed, not in manifest". */
  detail?: string;
  /** Domain data that capture and apply need (plain JSON). */
  data?: Record<string, unknown>;
}

/** A domain's item: its id is `domain:key`, which ignore rules and the report go by. */
export const driftItem = (domain: string, key: string, rest: Omit<DriftItem, 'id' | 'domain' | 'key'>): DriftItem => ({ id: `${domain}:${key}`, domain, key, ...rest });

/**
 * UTF-16 code-unit order, for a stable order of keys and items: localeCompare's
 * first call loads ICU's collator, about 30 ms of a check.
 */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Where things are on this machine; every edge takes its paths from here. */
export interface Environment {
  home: string;
  xdgConfigHome: string;
  xdgDataHome: string;
  xdgDataDirs: string[];
  /** Where bkt keeps what it can read again ($XDG_CACHE_HOME/bkt). */
  cacheDir: string;
  /** An offline root tree (`--root DIR`), or '/' for the live system. */
  root: string;
  /** Process environment handed to child processes. */
  env: NodeJS.ProcessEnv;
  /** Runs external programs (node:child_process underneath, see run.ts). */
  run: Runner;
}

/** A loaded manifest: the validated value plus its source, for positions and edits. */
export interface LoadedManifest<M> {
  path: string;
  text: string;
  value: M;
  /** 1-based line:column of a JSON path in the file, for messages that name the line. */
  positionOf(path: (string | number)[]): { line: number; column: number } | undefined;
}

/** The domain cannot be read on this machine: not drift, not an error. */
export class DomainUnavailable extends Error {
  override name = 'DomainUnavailable';
}

/** Something the user must fix: a bad value, a schema missing, a failed call. */
export class DomainError extends Error {
  override name = 'DomainError';
}

/** A change to a manifest, expressed on its JSON structure (see manifest-writer). */
export type ManifestEdit =
  | { op: 'set'; path: (string | number)[]; value: unknown }
  | { op: 'remove'; path: (string | number)[] }
  /** Insert into the array at `path`; kept sorted by `sortKey` when the array already is. */
  | { op: 'insert'; path: (string | number)[]; value: unknown; sortKey?: (entry: unknown) => string };

/** One step that changes the system, printed as `▸ Verb target (details)`. */
export interface Operation {
  verb: string;
  target: string;
  details?: string;
  /** Uninstalls or deletes something: asks first unless --yes. */
  destructive: boolean;
  run(env: Environment): Promise<void>;
}

/** What a domain watches for the live helper; the helper turns these into inotify/D-Bus subscriptions. */
export interface WatchSpec {
  paths: string[];
  dconf?: boolean;
  systemd?: boolean;
}

/** A line of the registry: what is known of a domain before its code is loaded. */
export interface DomainEntry {
  /** The domain's `name`. */
  name: string;
  /** The domain's `file`: when it is not in the manifests directory, the domain's code is not loaded. */
  file: string;
  /** Items `bkt capture` holds back unless given `--<flag>`; the domain marks them with `data.optIn` = flag. */
  captureOptIns?: readonly CaptureOptIn[];
  load(): Promise<Domain>;
}

export interface CaptureOptIn {
  flag: string;
  /** What the flag adds, for `bkt capture --help`. */
  help: string;
  /** What is held back without it: "3 items not captured without --flag (<held>)". */
  held: string;
}

export interface Domain<M = unknown, L = unknown> {
  /** The name used on the command line, in ids and in ignore rules. */
  name: string;
  /** The heading of the human report, e.g. "Flatpaks". */
  title: string;
  /** The manifest's file name inside the manifests directory. */
  file: string;
  /** The manifest's schema, written with zod/mini (small, so the command starts fast). */
  schema: $ZodType<M>;
  /**
   * Reads the live state in bulk. Throws DomainUnavailable when the domain's
   * tool or directory is not on this machine, DomainError when it cannot be read.
   */
  collect(env: Environment, manifest: LoadedManifest<M>): Promise<L>;
  /** Pure: manifest and live state in, drift items out. */
  compare(manifest: LoadedManifest<M>, live: L): DriftItem[];
  /** Problems that are errors, not drift, found while comparing (e.g. a key this machine lacks). */
  problems?(manifest: LoadedManifest<M>, live: L): string[];
  /** Edits that write the item's live state into the manifest. */
  capture(item: DriftItem, manifest: LoadedManifest<M>): ManifestEdit[];
  /** The operations that make the system match the manifest for this item, or why it cannot. */
  apply(item: DriftItem, manifest: LoadedManifest<M>, env: Environment): Operation[] | { unsupported: string };
  /** Runs once after a batch of this domain's operations (systemd's daemon Reload). */
  finishApply?(env: Environment): Promise<void>;
  watch(env: Environment): WatchSpec;
}
