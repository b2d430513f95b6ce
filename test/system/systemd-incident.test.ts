// The masked-tuned incident end to end, on a booted systemd container: a
// vendor ships and enables tuned.service, something masks it, `bkt drift
// check systemd` reports it, `bkt sync systemd` fixes it over D-Bus. The real
// `bkt` runs inside the container (the host's node and this checkout bound in),
// as it would on the machine itself.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemdCallError, SystemdClient } from '../../helper/systemd/client.js';
import { UnitFileStates, SEARCH_PATH, realUnitFs } from '../../helper/systemd/unit-state.js';
import { isValidUnitName } from '../../helper/systemd/unit-name.js';
import { bootContainer, containerUnavailable, REPO, REPO_INSIDE, type SystemdContainer } from '../harness/systemd-container.js';
import { shapeUnitNames, writeUnitShapes } from '../harness/unit-shapes.js';

const VENDOR_UNIT = (description: string) => `[Unit]
Description=${description}
[Service]
ExecStart=/bin/sleep infinity
[Install]
WantedBy=multi-user.target
`;

const unavailable = containerUnavailable();
// Where a user's machine cannot run it (no root, no systemd), say so and skip;
// CI installs everything it needs, so there a missing component is a failure.
if (unavailable && process.env.CI) throw new Error(`systemd container tests cannot run in CI: ${unavailable}`);
if (unavailable) process.stderr.write(`systemd container tests skipped: ${unavailable}\n`);

describe.skipIf(unavailable !== undefined)('systemd drift on a booted container', () => {
  let container: SystemdContainer;
  let scenarios = 0;

  beforeAll(async () => {
    await execa(process.execPath, ['build/build.mjs'], { cwd: REPO });
    container = await bootContainer();
    // Units as packages ship them: in /usr/lib (systemctl mask refuses units that live in /etc).
    for (const unit of ['tuned', 'bkt-a', 'bkt-b', 'bkt-c', 'bkt-d']) {
      await container.write(`/usr/lib/systemd/system/${unit}.service`, VENDOR_UNIT(`fixture ${unit}`));
    }
    await container.write('/usr/lib/systemd/system/bkt-inst@.service', VENDOR_UNIT('fixture template'));
    await container.exec(['ln', '-s', '/dev/null', '/usr/lib/systemd/system/bkt-vendor-masked.service']);
    await sh('systemctl daemon-reload && systemctl enable tuned.service bkt-a.service bkt-inst@one.service');
  });

  afterAll(async () => {
    await container?.stop();
  });

  async function sh(script: string, user?: number) {
    const result = await container.exec(['sh', '-c', script], { user });
    if (result.exitCode !== 0) throw new Error(`${script}: ${result.stderr || result.stdout}`);
    return result.stdout;
  }

  const isEnabled = async (unit: string) => (await container.exec(['systemctl', 'is-enabled', unit])).stdout.trim();

  /** A manifests directory inside the container with these declarations. */
  async function manifest(services: Record<string, string>): Promise<string> {
    const dir = `/tmp/scenario-${++scenarios}/manifests`;
    await container.write(`${dir}/systemd-services.json`, `${JSON.stringify({ $schema: '../schemas/systemd-services.schema.json', services }, null, 2)}\n`);
    await sh(`chmod -R a+rX /tmp/scenario-${scenarios}`);
    return dir;
  }

  function bkt(args: string[], user?: number) {
    return container.exec(['node', `${REPO_INSIDE}/bin/bkt.cjs`, ...args], { user, env: { NO_COLOR: '1' } });
  }

  it('the incident: a masked tuned.service is drift; sync unmasks and enables it; then no drift', async () => {
    const dir = await manifest({ 'tuned.service': 'enabled' });
    expect((await bkt(['drift', 'check', 'systemd', '-m', dir])).exitCode).toBe(0);

    await sh('systemctl mask tuned');
    const check = await bkt(['drift', 'check', 'systemd', '-m', dir]);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain(
      ['Systemd Services:', '  ~ tuned.service (masked by /etc/systemd/system/tuned.service)', '    manifest: enabled', '    current:  masked'].join('\n'),
    );

    const plan = await bkt(['sync', 'systemd', '-m', dir, '--dry-run']);
    expect(plan.stdout).toContain('▸ Enable tuned.service (now masked; unmask first)');
    expect(await isEnabled('tuned')).toBe('masked');

    const sync = await bkt(['sync', 'systemd', '-m', dir]);
    expect(sync.stdout).toContain('✓ Enable tuned.service');
    expect(sync.exitCode).toBe(0);
    expect(await isEnabled('tuned')).toBe('enabled');
    // Reloaded once at the end: the manager has the unit as it is on disk.
    expect(await sh('systemctl show -p NeedDaemonReload --value tuned.service')).toBe('no');
    expect((await bkt(['drift', 'check', 'systemd', '-m', dir])).exitCode).toBe(0);
  });

  it.each([
    ['a disabled unit declared enabled', 'bkt-a.service', 'enabled', 'systemctl disable bkt-a', 'disabled', 'enabled'],
    ['an enabled unit declared disabled', 'bkt-b.service', 'disabled', 'systemctl enable bkt-b', 'enabled', 'disabled'],
    ['an unmasked unit declared masked', 'bkt-c.service', 'masked', 'systemctl mask bkt-c && systemctl unmask bkt-c', 'disabled', 'masked'],
    ['a runtime mask in /run/systemd/system', 'tuned.service', 'enabled', 'systemctl mask --runtime tuned', 'masked-runtime', 'enabled'],
    ['a hand-made /dev/null link, no daemon-reload', 'tuned.service', 'enabled', 'ln -s /dev/null /etc/systemd/system/tuned.service', 'masked', 'enabled'],
    ['an instance of a template', 'bkt-inst@one.service', 'enabled', 'systemctl disable bkt-inst@one.service', 'disabled', 'enabled'],
  ])('%s: check reports it, sync fixes it', async (_, unit, declared, cause, current, fixed) => {
    const dir = await manifest({ [unit]: declared });
    await sh(cause);
    const check = await bkt(['drift', 'check', 'systemd', '-m', dir]);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toMatch(new RegExp(`  ~ ${unit.replace(/[.@]/g, '\\$&')}( \\(.*\\))?\\n    manifest: ${declared}\\n    current:  ${current}\\n`));

    const sync = await bkt(['sync', 'systemd', '-m', dir]);
    expect(sync.exitCode, sync.stdout + sync.stderr).toBe(0);
    expect(await isEnabled(unit)).toBe(fixed);
    expect((await bkt(['drift', 'check', 'systemd', '-m', dir])).exitCode).toBe(0);
  });

  it('a mask in /etc the manifest does not list is an addition; a vendor mask under /usr is not', async () => {
    const dir = await manifest({ 'tuned.service': 'enabled' });
    await sh('systemctl mask bkt-d');
    const check = await bkt(['drift', 'check', 'systemd', '-m', dir]);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain('  + bkt-d.service (masked in /etc/systemd/system, not in manifest)\n');
    expect(check.stdout).not.toContain('bkt-vendor-masked');
    expect(await isEnabled('bkt-vendor-masked.service')).toBe('masked');

    expect((await bkt(['sync', 'systemd', '-m', dir])).exitCode).toBe(0);
    expect(await isEnabled('bkt-d.service')).toBe('disabled');
  });

  it('an unknown unit is reported, the other units are still synced, and sync exits 2', async () => {
    const dir = await manifest({ 'no-such.service': 'enabled', 'tuned.service': 'enabled' });
    await sh('systemctl mask tuned');
    const check = await bkt(['drift', 'check', 'systemd', '-m', dir]);
    expect(check.stdout).toContain('  - no-such.service (in manifest, no such unit on this system)\n');

    const sync = await bkt(['sync', 'systemd', '-m', dir]);
    expect(sync.exitCode).toBe(2);
    expect(sync.stdout).toContain('✗ Apply systemd:no-such.service failed: cannot enable no-such.service: Unit file no-such.service does not exist.');
    expect(sync.stdout).toContain('✓ Enable tuned.service');
    expect(await isEnabled('tuned')).toBe('enabled');
  });

  it('a refusal by polkit is reported clearly and sync exits 2', async () => {
    const dir = await manifest({ 'tuned.service': 'enabled' });
    await sh('systemctl mask tuned');
    const sync = await bkt(['sync', 'systemd', '-m', dir], 65534);
    expect(sync.exitCode).toBe(2);
    expect(sync.stdout).toMatch(/✗ Apply systemd:tuned\.service failed: not allowed to unmask tuned\.service: .+ \(polkit refused; run as root, or where a polkit agent can ask for a password\)/);
    expect(await isEnabled('tuned')).toBe('masked');
    await sh('systemctl unmask tuned');
  });

  it('bkt systemd declares states that sync then applies', async () => {
    const dir = await manifest({});
    const declared = await bkt(['systemd', 'mask', 'bkt-b', 'bkt-inst@two', '-m', dir]);
    expect(declared.stdout).toBe(
      `bkt-b.service: declared masked\nbkt-inst@two.service: declared masked\nWrote ${dir}/systemd-services.json; run \`bkt sync systemd\` to apply it.`,
    );
    expect((await bkt(['sync', 'systemd', '-m', dir])).exitCode).toBe(0);
    expect(await isEnabled('bkt-b.service')).toBe('masked');
    expect(await isEnabled('bkt-inst@two.service')).toBe('masked');

    const unmask = await bkt(['systemd', 'unmask', 'bkt-b.service', '-m', dir]);
    expect(unmask.stdout).toContain('bkt-b.service: no longer declared masked; it is now not managed');
    const check = await bkt(['drift', 'check', 'systemd', '-m', dir]);
    expect(check.stdout).toContain('  + bkt-b.service (masked in /etc/systemd/system, not in manifest)');
    await sh('systemctl unmask bkt-b bkt-inst@two.service');
  });

  it('captures the live states of the manifest’s units', async () => {
    const dir = await manifest({ 'bkt-a.service': 'enabled', 'bkt-b.service': 'enabled' });
    await sh('systemctl disable bkt-a bkt-b && systemctl mask bkt-b');
    expect((await bkt(['capture', 'systemd', '-m', dir])).exitCode).toBe(0);
    expect(JSON.parse(await sh(`cat ${dir}/systemd-services.json`)).services).toEqual({ 'bkt-a.service': 'disabled', 'bkt-b.service': 'masked' });
    await sh('systemctl unmask bkt-b');
  });

  it('checks the container’s tree from the host with --root, as inside', async () => {
    const dir = await manifest({ 'tuned.service': 'enabled', 'bkt-a.service': 'enabled', 'bkt-inst@one.service': 'disabled' });
    await sh('systemctl mask tuned && systemctl mask --runtime bkt-a');
    const inside = await bkt(['drift', 'check', 'systemd', '-m', dir]);
    const host = await execa(process.execPath, [join(REPO, 'bin/bkt.cjs'), 'drift', 'check', 'systemd', '--root', container.tree, '-m', join(container.tree, dir)], {
      reject: false,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(inside.exitCode).toBe(1);
    expect(host.exitCode).toBe(1);
    expect(host.stdout).toBe(inside.stdout);
    await sh('systemctl unmask tuned && systemctl unmask --runtime bkt-a');
  });

  it('computes every unit’s state as GetUnitFileState answers it, for units in every shape', async () => {
    await writeUnitShapes(container.tree);
    const names = new Set(shapeUnitNames());
    for (const dir of SEARCH_PATH) {
      try {
        for (const name of readdirSync(join(container.tree, dir))) if (isValidUnitName(name)) names.add(name);
      } catch {
        // A unit directory this container does not have.
      }
    }
    const client = await SystemdClient.connect({ address: container.busAddress });
    try {
      // The system bus allows a connection 128 pending calls; ask in batches below that.
      const answers: (readonly [string, unknown])[] = [];
      const list = [...names];
      const asked = performance.now();
      for (let start = 0; start < list.length; start += 100) {
        const batch = list.slice(start, start + 100).map(async (name) => {
          try {
            const [state] = await client.call({ interface: 'org.freedesktop.systemd1.Manager', member: 'GetUnitFileState', signature: 's', body: [name] });
            return [name, state] as const;
          } catch (error) {
            if (!(error instanceof SystemdCallError)) throw error;
            // systemd fails the call for a name with no unit file, and (with the errno) for a file it cannot load.
            if (error.errorName === 'org.freedesktop.DBus.Error.FileNotFound' || error.errorName === 'org.freedesktop.systemd1.NoSuchUnit') return [name, 'not-found'] as const;
            if (/^(System\.Error\.|org\.freedesktop\.DBus\.Error\.(InvalidArgs|InconsistentMessage)$)/.test(error.errorName)) return [name, 'bad'] as const;
            throw error;
          }
        });
        answers.push(...(await Promise.all(batch)));
      }
      const busMs = performance.now() - asked;
      const computed = performance.now();
      const states = new UnitFileStates(realUnitFs(container.tree));
      const ours = answers.map(([name]) => [name, states.lookup(name).state] as const);
      const oursMs = performance.now() - computed;
      process.stdout.write(`systemd: ${names.size} units: GetUnitFileState (pipelined) ${busMs.toFixed(0)} ms, in process ${oursMs.toFixed(0)} ms\n`);
      expect(oursMs).toBeLessThan(busMs);
      expect(names.size).toBeGreaterThan(250);
      expect(new Set(answers.map(([, state]) => state)).size).toBeGreaterThanOrEqual(13);
      expect(ours).toEqual(answers);
    } finally {
      client.close();
    }
  });
});
