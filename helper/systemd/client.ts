// The edge to systemd's manager on D-Bus (org.freedesktop.systemd1): the
// changes `bkt sync systemd` makes, sent as plain method calls on one
// connection. dbus-next has no call timeout, no constant for the interactive
// authorization flag and hands 64-bit integers over as BigInt; this wraps all
// three so that callers get a clear error instead of a hang and plain values.
import { existsSync } from 'node:fs';
import { DBusError, Message, sessionBus, Variant, type MessageBus } from '@jellybrick/dbus-next';
import { DomainError, DomainUnavailable } from '../domain.js';

const DESTINATION = 'org.freedesktop.systemd1';
const PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';

const NO_SERVICE = new Set(['org.freedesktop.DBus.Error.ServiceUnknown', 'org.freedesktop.DBus.Error.NameHasNoOwner']);

/** The D-Bus header flag that lets polkit ask the user for a password; dbus-next has no constant for it. */
export const ALLOW_INTERACTIVE_AUTHORIZATION = 0x4;

/** D-Bus's own default method timeout. */
export const DEFAULT_TIMEOUT_MS = 25_000;

/** The system bus of the environment: $DBUS_SYSTEM_BUS_ADDRESS, else the standard socket. */
export function systemBusAddress(env: NodeJS.ProcessEnv): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || 'unix:path=/run/dbus/system_bus_socket';
}

/** systemd did not answer in time. */
export class SystemdTimeout extends DomainError {
  override name = 'SystemdTimeout';
}

/** systemd answered a call with an error; `errorName` is the D-Bus error name. */
export class SystemdCallError extends DomainError {
  override name = 'SystemdCallError';
  constructor(
    readonly method: string,
    readonly errorName: string,
    readonly text: string,
  ) {
    super(`${method}: ${text || errorName}`);
  }

  /** polkit (or the bus policy) refused the call. */
  get refused(): boolean {
    return (
      this.errorName === 'org.freedesktop.DBus.Error.AccessDenied' ||
      this.errorName === 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired' ||
      this.errorName === 'org.freedesktop.PolicyKit1.Error.NotAuthorized'
    );
  }
}

/** One change systemd made: `symlink` or `unlink`, the link, and where it points. */
export interface UnitFileChange {
  type: string;
  file: string;
  destination: string;
}

export interface SystemdClientOptions {
  /** The bus address, e.g. systemBusAddress(env) or a user manager's `unix:path=$XDG_RUNTIME_DIR/bus`. */
  address: string;
  timeoutMs?: number;
  /** Let polkit ask the user (ALLOW_INTERACTIVE_AUTHORIZATION) on the calls that change things; default true. */
  interactive?: boolean;
}

/** A connection to systemd's manager. Close it when done; it never keeps the process alive by itself. */
export class SystemdClient {
  private closed: Error | undefined;
  private readonly waiting = new Set<(error: Error) => void>();

  private constructor(
    private readonly bus: MessageBus,
    private readonly address: string,
    private readonly timeoutMs: number,
    private readonly interactive: boolean,
  ) {}

  /** Fails the pending calls when the connection breaks. */
  private fail(error: Error): void {
    this.closed ??= error;
    for (const reject of this.waiting) reject(error);
    this.waiting.clear();
  }

  /**
   * Connects and checks that systemd is on the bus. Throws DomainUnavailable
   * when there is no bus or no systemd on it, SystemdTimeout when the bus does
   * not answer within the timeout.
   */
  static async connect(options: SystemdClientOptions): Promise<SystemdClient> {
    const { address } = options;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = /^unix:path=([^,;]+)/.exec(address)?.[1];
    if (socket !== undefined && !existsSync(socket)) throw new DomainUnavailable(`no D-Bus system bus (${socket} does not exist)`);
    const bus = sessionBus({ busAddress: address });
    // One listener for the connection's whole life: an 'error' event without one would crash the process.
    let onError: (error: Error) => void = () => {};
    (bus as unknown as NodeJS.EventEmitter).on('error', (error: Error) => onError(error));
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          bus.once('connect', () => resolve());
          onError = reject;
        }),
        timeoutMs,
        () => new SystemdTimeout(`the bus at ${address} did not answer within ${timeoutMs} ms`),
      );
    } catch (error) {
      bus.disconnect();
      if (error instanceof SystemdTimeout) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED') throw new DomainUnavailable(`no D-Bus bus at ${address} (${code})`);
      throw new DomainError(`cannot connect to the bus at ${address}: ${(error as Error).message}`);
    }
    // The connection must not keep a finished command running; a pending call's timer does that while it waits.
    const stream = streamOf(bus);
    stream?.unref();
    const client = new SystemdClient(bus, address, timeoutMs, options.interactive ?? true);
    onError = (error) => client.fail(new DomainError(`the bus at ${address} failed: ${error.message}`));
    stream?.on('close', () => client.fail(new DomainError(`the bus at ${address} closed the connection`)));
    try {
      await client.getProperty(MANAGER, 'Version');
    } catch (error) {
      client.close();
      // No owner of the name, or the bus failed to start one for it: there is no systemd here.
      if (error instanceof SystemdCallError && (NO_SERVICE.has(error.errorName) || error.errorName.startsWith('org.freedesktop.DBus.Error.Spawn.'))) {
        throw new DomainUnavailable(`systemd is not on the bus at ${address} (${error.text || error.errorName})`);
      }
      throw error;
    }
    return client;
  }

  close(): void {
    this.closed ??= new DomainError('the connection to systemd was closed');
    this.bus.disconnect();
  }

  /**
   * Calls a method and returns its reply body with variants unwrapped and
   * 64-bit integers as numbers (as strings beyond 2^53, where a number would
   * lose digits), so the result can go into JSON.
   */
  async call(options: { interface: string; member: string; signature?: string; body?: unknown[]; interactive?: boolean; timeoutMs?: number }): Promise<unknown[]> {
    if (this.closed) throw this.closed;
    const method = options.member;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const message = new Message({
      destination: DESTINATION,
      path: PATH,
      interface: options.interface,
      member: options.member,
      signature: options.signature ?? '',
      body: options.body ?? [],
      flags: options.interactive && this.interactive ? ALLOW_INTERACTIVE_AUTHORIZATION : 0,
    });
    let reject: ((error: Error) => void) | undefined;
    const closed = new Promise<never>((_, fail) => {
      reject = fail;
      this.waiting.add(fail);
    });
    try {
      const reply = await withTimeout(
        Promise.race([this.bus.call(message), closed]),
        timeoutMs,
        () => new SystemdTimeout(`systemd did not answer ${method} within ${Math.round(timeoutMs / 100) / 10} s (bus ${this.address})`),
      );
      return plain(reply?.body ?? []) as unknown[];
    } catch (error) {
      if (error instanceof DBusError) throw new SystemdCallError(method, error.type, error.text);
      throw error;
    } finally {
      if (reject) this.waiting.delete(reject);
    }
  }

  async getProperty(iface: string, name: string): Promise<unknown> {
    const [value] = await this.call({ interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: [iface, name] });
    return value;
  }

  enableUnitFiles(units: string[], options: { runtime?: boolean; force?: boolean } = {}): Promise<UnitFileChange[]> {
    return this.change('EnableUnitFiles', 'asbb', [units, options.runtime ?? false, options.force ?? false], 1);
  }

  disableUnitFiles(units: string[], options: { runtime?: boolean } = {}): Promise<UnitFileChange[]> {
    return this.change('DisableUnitFiles', 'asb', [units, options.runtime ?? false], 0);
  }

  maskUnitFiles(units: string[], options: { runtime?: boolean; force?: boolean } = {}): Promise<UnitFileChange[]> {
    return this.change('MaskUnitFiles', 'asbb', [units, options.runtime ?? false, options.force ?? false], 0);
  }

  unmaskUnitFiles(units: string[], options: { runtime?: boolean } = {}): Promise<UnitFileChange[]> {
    return this.change('UnmaskUnitFiles', 'asb', [units, options.runtime ?? false], 0);
  }

  /** Makes the manager reread its unit files (`systemctl daemon-reload`); it answers when done. */
  async reload(): Promise<void> {
    // A reload rereads every unit file, so it gets longer than a plain call (systemctl allows minutes).
    await this.call({ interface: MANAGER, member: 'Reload', interactive: true, timeoutMs: Math.max(this.timeoutMs, 90_000) });
  }

  private async change(member: string, signature: string, body: unknown[], changesAt: number): Promise<UnitFileChange[]> {
    const reply = await this.call({ interface: MANAGER, member, signature, body, interactive: true });
    const changes = (reply[changesAt] ?? []) as [string, string, string][];
    return changes.map(([type, file, destination]) => ({ type, file, destination }));
  }
}

function streamOf(bus: MessageBus): (NodeJS.EventEmitter & { unref(): void }) | undefined {
  // dbus-next keeps the socket on its connection object and does not type it.
  const stream = (bus as unknown as { _connection?: { stream?: NodeJS.EventEmitter & { unref?: () => void } } })._connection?.stream;
  return stream && typeof stream.unref === 'function' ? (stream as NodeJS.EventEmitter & { unref(): void }) : undefined;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reply values as plain JSON: variants unwrapped, BigInt made a number (or a string when too large). */
export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Variant) return plain(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (Buffer.isBuffer(value)) return value;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, entry]) => [key, plain(entry)]));
  }
  return value;
}
