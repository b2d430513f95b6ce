// The systemd D-Bus client against a real `systemd --user` manager: the same
// Manager interface, methods and errors as the system manager, runnable
// without booting a container.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainUnavailable, type Environment, type Operation } from '../../helper/domain.js';
import { operationFor, systemd } from '../../helper/domains/systemd.js';
import { environmentFrom } from '../../helper/environment.js';
import { SystemdCallError, SystemdClient, SystemdTimeout } from '../../helper/systemd/client.js';
import { startUserManager, userManagerUnavailable, type UserManager } from '../harness/systemd-user.js';

const FIXTURE = `[Unit]
Description=bkt fixture
[Service]
ExecStart=/bin/sleep infinity
[Install]
WantedBy=default.target
`;

const unavailable = userManagerUnavailable();
// Where a user's machine cannot run it (no root, no systemd), say so and skip;
// CI installs everything it needs, so there a missing component is a failure.
if (unavailable && process.env.CI) throw new Error(`systemd-user tests cannot run in CI: ${unavailable}`);
if (unavailable) process.stderr.write(`systemd-user tests skipped: ${unavailable}\n`);

describe.skipIf(unavailable !== undefined)('systemd client on a real systemd --user', () => {
  let manager: UserManager;
  let client: SystemdClient;

  beforeAll(async () => {
    manager = await startUserManager();
    await writeFile(join(manager.unitDir, 'bkt-fixture.service'), FIXTURE);
    await writeFile(join(manager.unitDir, 'bkt-tpl@.service'), FIXTURE);
    client = await SystemdClient.connect({ address: manager.address, timeoutMs: 5_000 });
    await client.reload();
  });

  afterAll(async () => {
    client?.close();
    await manager?.stop();
  });

  const isEnabled = async (unit: string) => (await manager.systemctl('is-enabled', unit)).stdout.trim();

  it('enables, disables, masks and unmasks a unit, as systemctl then reports', async () => {
    const enabled = await client.enableUnitFiles(['bkt-fixture.service']);
    expect(enabled).toEqual([
      { type: 'symlink', file: join(manager.env.XDG_CONFIG_HOME as string, 'systemd/user/default.target.wants/bkt-fixture.service'), destination: join(manager.unitDir, 'bkt-fixture.service') },
    ]);
    expect(await isEnabled('bkt-fixture.service')).toBe('enabled');

    await client.disableUnitFiles(['bkt-fixture.service']);
    expect(await isEnabled('bkt-fixture.service')).toBe('disabled');

    const masked = await client.maskUnitFiles(['bkt-fixture.service']);
    expect(masked[0]).toMatchObject({ type: 'symlink', destination: '/dev/null' });
    expect(await isEnabled('bkt-fixture.service')).toBe('masked');

    await client.unmaskUnitFiles(['bkt-fixture.service']);
    await client.reload();
    expect(await isEnabled('bkt-fixture.service')).toBe('disabled');
  });

  it('enables an instance of a template unit', async () => {
    await client.enableUnitFiles(['bkt-tpl@one.service']);
    expect(await isEnabled('bkt-tpl@one.service')).toBe('enabled');
    expect(await isEnabled('bkt-tpl@.service')).toBe('indirect');
    await client.disableUnitFiles(['bkt-tpl@one.service']);
    expect(await isEnabled('bkt-tpl@one.service')).toBe('disabled');
  });

  it('cannot enable a masked unit until it is unmasked', async () => {
    await client.maskUnitFiles(['bkt-fixture.service'], { runtime: true });
    expect(await isEnabled('bkt-fixture.service')).toBe('masked-runtime');
    const refused = await client.enableUnitFiles(['bkt-fixture.service']).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SystemdCallError);
    expect((refused as SystemdCallError).errorName).toBe('org.freedesktop.systemd1.UnitMasked');
    expect((refused as SystemdCallError).message).toContain('bkt-fixture.service');

    await client.unmaskUnitFiles(['bkt-fixture.service'], { runtime: true });
    await client.enableUnitFiles(['bkt-fixture.service']);
    expect(await isEnabled('bkt-fixture.service')).toBe('enabled');
    await client.disableUnitFiles(['bkt-fixture.service']);
  });

  it('reports a unit that does not exist with systemd’s own error, naming it', async () => {
    const error = await client.enableUnitFiles(['no-such-unit.service']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SystemdCallError);
    expect((error as SystemdCallError).errorName).toBe('org.freedesktop.systemd1.NoSuchUnit');
    expect((error as Error).message).toBe('EnableUnitFiles: Unit file no-such-unit.service does not exist.');
  });

  it('sets ALLOW_INTERACTIVE_AUTHORIZATION (0x4) on the calls that change things', async () => {
    const monitor = spawn('busctl', ['--user', 'monitor', '--json=short', 'org.freedesktop.systemd1'], { env: manager.env });
    let seen = '';
    monitor.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await client.maskUnitFiles(['bkt-fixture.service']);
    await client.unmaskUnitFiles(['bkt-fixture.service']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    monitor.kill();
    const calls = seen
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type: string; member?: string; flags: number })
      .filter((message) => message.type === 'method_call' && (message.member === 'MaskUnitFiles' || message.member === 'UnmaskUnitFiles'));
    expect(calls.map((call) => [call.member, call.flags & 0x4])).toEqual([
      ['MaskUnitFiles', 4],
      ['UnmaskUnitFiles', 4],
    ]);
  });

  it('runs the domain’s operations over D-Bus, one per unit, and reloads once at the end', async () => {
    await client.maskUnitFiles(['bkt-fixture.service']);
    await client.enableUnitFiles(['bkt-tpl@x.service']);
    // The domain talks to "the system bus"; here that is the user manager's.
    const env: Environment = environmentFrom({ ...manager.env, DBUS_SYSTEM_BUS_ADDRESS: manager.address });
    const operations = [
      operationFor('bkt-fixture.service', 'enabled', { state: 'masked', masks: ['admin'] }),
      operationFor('bkt-tpl@x.service', 'disabled', { state: 'enabled', masks: [] }),
    ] as Operation[];
    expect(operations.map((op) => `${op.verb} ${op.target} (${op.details})`)).toEqual([
      'Enable bkt-fixture.service (now masked; unmask first)',
      'Disable bkt-tpl@x.service (now enabled)',
    ]);
    const monitor = spawn('busctl', ['--user', 'monitor', '--json=short', 'org.freedesktop.systemd1'], { env: manager.env });
    let seen = '';
    monitor.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const op of operations) await op.run(env);
    await systemd.finishApply?.(env);
    await new Promise((resolve) => setTimeout(resolve, 300));
    monitor.kill();
    const members = seen
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type: string; destination?: string; member?: string; flags: number })
      .filter((message) => message.type === 'method_call' && message.destination === 'org.freedesktop.systemd1' && message.member !== 'Get')
      .map((message) => `${message.member} ${message.flags & 0x4}`);
    expect(members).toEqual(['UnmaskUnitFiles 4', 'EnableUnitFiles 4', 'DisableUnitFiles 4', 'DisableUnitFiles 4', 'Reload 4']);
    expect(await isEnabled('bkt-fixture.service')).toBe('enabled');
    expect(await isEnabled('bkt-tpl@x.service')).toBe('disabled');
    await client.disableUnitFiles(['bkt-fixture.service']);
  });

  it('turns 64-bit values from the bus into plain numbers that JSON can hold', async () => {
    const value = await client.getProperty('org.freedesktop.systemd1.Manager', 'UserspaceTimestampMonotonic');
    expect(typeof value).toBe('number');
    expect(value as number).toBeGreaterThan(0);
    const busctl = await execa('busctl', ['--user', 'get-property', 'org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager', 'UserspaceTimestampMonotonic'], {
      env: manager.env,
      extendEnv: false,
    });
    expect(busctl.stdout).toBe(`t ${value as number}`);
    expect(JSON.stringify({ value })).toBe(`{"value":${value as number}}`);
  });

  it('gives up on a manager that does not answer, with an error naming the call, instead of hanging', async () => {
    const slow = await SystemdClient.connect({ address: manager.address, timeoutMs: 400 });
    process.kill(manager.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const error = await slow.enableUnitFiles(['bkt-fixture.service']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SystemdTimeout);
      expect((error as Error).message).toMatch(/^systemd did not answer EnableUnitFiles within 0\.4 s/);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      process.kill(manager.pid, 'SIGCONT');
      slow.close();
    }
    // The manager still got the call, and carries it out once it runs again.
    await expect.poll(() => isEnabled('bkt-fixture.service'), { timeout: 5_000 }).toBe('enabled');
    await client.disableUnitFiles(['bkt-fixture.service']);
  });
});

describe('systemd client without systemd', () => {
  it('says the domain is unavailable when there is no bus', async () => {
    const error = await SystemdClient.connect({ address: 'unix:path=/nonexistent/bkt/bus' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainUnavailable);
    expect((error as Error).message).toBe('no D-Bus system bus (/nonexistent/bkt/bus does not exist)');
  });

  // A bus with no systemd: one that cannot start it (the stock session config) and one that knows no such service.
  it.each([
    ['cannot start it', undefined, /^systemd is not on the bus at unix:path=.*\/bus \(.*org\.freedesktop\.systemd1.*\)$/],
    ['knows no such service', 'minimal', /^systemd is not on the bus at unix:path=.*\/bus \(The name org\.freedesktop\.systemd1 was not provided by any \.service files\)$/],
  ])('says the domain is unavailable when the bus %s', async (_, config, message) => {
    const dir = await mkdtemp(join(tmpdir(), 'bkt-bus-'));
    const socket = join(dir, 'bus');
    const args = ['--nofork'];
    if (config === 'minimal') {
      await writeFile(
        join(dir, 'bus.conf'),
        `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=${socket}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/></policy></busconfig>`,
      );
      args.push(`--config-file=${join(dir, 'bus.conf')}`);
    } else args.push('--session', `--address=unix:path=${socket}`);
    const daemon = spawn('dbus-daemon', args, { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      const error = await SystemdClient.connect({ address: `unix:path=${socket}`, timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainUnavailable);
      expect((error as Error).message).toMatch(message);
    } finally {
      daemon.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
