import { describe, expect, it } from 'vitest';
import type { DriftItem, LoadedManifest } from '../../helper/domain.js';
import { changesFor, INCLUDE_MASKED, compareUnits, operationFor, systemd, SystemdManifest, type SystemdLive, type UnitStatus } from '../../helper/domains/systemd.js';
import { declare, unitArguments } from '../../helper/commands/systemd.js';
import { plain } from '../../helper/systemd/client.js';
import { Variant } from '@jellybrick/dbus-next';
import { parseManifest } from '../../helper/manifest.js';

const live = (units: Record<string, Partial<UnitStatus> & Pick<UnitStatus, 'state'>>): SystemdLive => ({
  units: Object.fromEntries(Object.entries(units).map(([unit, status]) => [unit, { masks: [], ...status }])),
});

const manifestOf = (services: SystemdManifest['services']): LoadedManifest<SystemdManifest> => ({
  path: '/m/systemd-services.json',
  text: '',
  value: { services },
  positionOf: () => undefined,
});

describe('which live states satisfy a declared state', () => {
  const table: [string, string, boolean][] = [
    ['enabled', 'enabled', true],
    ['enabled', 'enabled-runtime', true],
    ['enabled', 'static', true],
    ['enabled', 'indirect', true],
    ['enabled', 'generated', true],
    ['enabled', 'transient', true],
    ['enabled', 'disabled', false],
    ['enabled', 'masked', false],
    ['enabled', 'masked-runtime', false],
    ['enabled', 'linked', false],
    ['enabled', 'bad', false],
    ['disabled', 'disabled', true],
    ['disabled', 'linked', true],
    ['disabled', 'linked-runtime', true],
    ['disabled', 'enabled', false],
    ['disabled', 'static', false],
    ['disabled', 'masked', false],
    ['masked', 'masked', true],
    ['masked', 'masked-runtime', true],
    ['masked', 'disabled', false],
    ['masked', 'enabled', false],
  ];
  it.each(table)('declared %s, live %s: satisfied %s', (declared, state, ok) => {
    const items = compareUnits({ 'u.service': declared as 'enabled' }, live({ 'u.service': { state: state as UnitStatus['state'] } }));
    expect(items.length === 0).toBe(ok);
    if (!ok) expect(items[0]).toMatchObject({ id: 'systemd:u.service', kind: 'modification', key: 'u.service', expected: declared, actual: state });
  });
});

describe('systemd drift', () => {
  it('reports the incident as the RFC shows it, with where the mask is', () => {
    const items = compareUnits(
      { 'tuned.service': 'enabled' },
      live({ 'tuned.service': { state: 'masked', masks: ['admin'], path: '/etc/systemd/system/tuned.service' } }),
    );
    expect(items).toEqual([
      {
        id: 'systemd:tuned.service',
        domain: 'systemd',
        kind: 'modification',
        key: 'tuned.service',
        expected: 'enabled',
        actual: 'masked',
        detail: 'masked by /etc/systemd/system/tuned.service',
        data: { state: 'masked', masks: ['admin'] },
      },
    ]);
  });

  it('reports a unit that does not exist as such, never as enabled', () => {
    const items = compareUnits({ 'nope.service': 'enabled', 'gone.service': 'disabled' }, live({ 'nope.service': { state: 'not-found' } }));
    expect(items.map((i) => [i.kind, i.key, i.detail])).toEqual([
      ['removal', 'nope.service', 'in manifest, no such unit on this system'],
      ['removal', 'gone.service', 'in manifest, no such unit on this system'],
    ]);
  });

  it('makes masks in /etc and /run the manifest does not list additions, in name order, that capture takes only when asked', () => {
    const items = compareUnits(
      { 'a.service': 'enabled' },
      live({
        'a.service': { state: 'enabled' },
        'z.service': { state: 'masked-runtime', masks: ['runtime'] },
        'b.service': { state: 'masked', masks: ['admin', 'runtime'] },
        'shadowed.service': { state: 'generated', masks: ['admin'] },
      }),
    );
    expect(items.map((i) => [i.kind, i.key, i.actual, i.detail])).toEqual([
      ['addition', 'b.service', 'masked', 'masked in /etc/systemd/system and /run/systemd/system, not in manifest'],
      ['addition', 'z.service', 'masked-runtime', 'masked in /run/systemd/system, not in manifest'],
    ]);
    // Held back by bkt capture until --include-masked, the flag the registry gives the systemd domain.
    expect(items.map((i) => i.data?.optIn)).toEqual([INCLUDE_MASKED, INCLUDE_MASKED]);
  });

  it('compares an alias by the state of the unit it names, and says so', () => {
    const items = compareUnits({ 'display-manager.service': 'masked' }, live({ 'display-manager.service': { state: 'enabled', aliasOf: 'gdm.service' } }));
    expect(items[0]).toMatchObject({ kind: 'modification', actual: 'enabled', detail: 'alias of gdm.service' });
  });

  it('says why a bad unit file is bad', () => {
    const items = compareUnits({ 'x.service': 'enabled' }, live({ 'x.service': { state: 'bad', error: '/etc/systemd/system/x.service:1: invalid section header' } }));
    expect(items[0]).toMatchObject({ kind: 'modification', actual: 'bad', detail: '/etc/systemd/system/x.service:1: invalid section header' });
    expect(items[0]?.data?.optIn).toBeUndefined();
  });
});

describe('capture', () => {
  const item = (kind: DriftItem['kind'], state: string): DriftItem => ({ id: 'systemd:u.service', domain: 'systemd', kind, key: 'u.service', actual: state, data: { state, masks: [] } });
  it.each([
    ['masked', 'masked'],
    ['masked-runtime', 'masked'],
    ['disabled', 'disabled'],
    ['linked', 'disabled'],
    ['static', 'enabled'],
    ['enabled-runtime', 'enabled'],
  ])('writes %s as %s', (state, declared) => {
    expect(systemd.capture(item('modification', state), manifestOf({}))).toEqual([{ op: 'set', path: ['services', 'u.service'], value: declared }]);
  });

  it('takes a unit that does not exist out of the manifest', () => {
    expect(systemd.capture(item('removal', 'not-found'), manifestOf({ 'u.service': 'enabled' }))).toEqual([{ op: 'remove', path: ['services', 'u.service'] }]);
  });

  it('refuses to write a bad unit’s state', () => {
    expect(() => systemd.capture({ ...item('modification', 'bad'), detail: 'x.service:1: invalid section header' }, manifestOf({}))).toThrow(
      'cannot capture u.service: its state is bad (x.service:1: invalid section header)',
    );
  });
});

describe('apply', () => {
  it.each([
    ['enabled', 'masked', ['admin'], [['unmask', false], ['enable', false]]],
    ['enabled', 'masked-runtime', ['runtime'], [['unmask', true], ['enable', false]]],
    ['enabled', 'masked', ['admin', 'runtime'], [['unmask', false], ['unmask', true], ['enable', false]]],
    ['enabled', 'disabled', [], [['enable', false]]],
    ['enabled', 'not-found', [], [['enable', false]]],
    ['disabled', 'enabled', [], [['disable', false], ['disable', true]]],
    ['disabled', 'masked', ['admin'], [['unmask', false], ['disable', false], ['disable', true]]],
    ['masked', 'disabled', [], [['mask', false]]],
    ['masked', 'not-found', [], [['mask', false]]],
    [undefined, 'masked', ['admin'], [['unmask', false]]],
  ] as const)('declared %s, live %s masked in %j: %j', (declared, state, masks, calls) => {
    const changes = changesFor(declared, { state, masks: [...masks] });
    expect(Array.isArray(changes) ? changes.map((c) => [c.verb, c.runtime]) : changes).toEqual(calls);
  });

  it.each(['static', 'generated', 'transient'] as const)('cannot disable a %s unit, and says what to do instead', (state) => {
    expect(changesFor('disabled', { state, masks: [] })).toEqual({
      unsupported: `a ${state} unit has no [Install] section to disable; declare it masked to keep it from starting, or enabled to accept it`,
    });
  });

  it('plans one operation per unit, printed as the plan shows it', () => {
    const op = operationFor('tuned.service', 'enabled', { state: 'masked', masks: ['admin'] });
    expect(op).toMatchObject({ verb: 'Enable', target: 'tuned.service', details: 'now masked; unmask first', destructive: false });
    expect(operationFor('bkt-d.service', undefined, { state: 'masked', masks: ['admin'] })).toMatchObject({
      verb: 'Unmask',
      details: 'now masked; remove the mask in /etc/systemd/system',
    });
    expect(operationFor('nope.service', 'enabled', { state: 'not-found', masks: [] })).toMatchObject({ verb: 'Enable', details: 'no such unit on this system' });
    const apply = systemd.apply(
      { id: 'systemd:tuned.service', domain: 'systemd', kind: 'modification', key: 'tuned.service', data: { state: 'masked', masks: ['admin'] } },
      manifestOf({ 'tuned.service': 'enabled' }),
      {} as never,
    );
    expect(Array.isArray(apply) && apply.length).toBe(1);
  });
});

describe('bkt systemd enable|disable|mask|unmask', () => {
  it('validates every name first and refuses them all together', () => {
    expect(unitArguments(['tuned', 'getty@tty1', 'tuned.service'])).toEqual(['tuned.service', 'getty@tty1.service']);
    expect(() => unitArguments(['ok', 'bad name', '/x'])).toThrow(
      'invalid unit name "bad name": the character " " is not allowed; escaped, the name is "bad\\x20name.service" (see systemd-escape)\ninvalid unit name "/x": a path is not a unit name; for a mount unit use `systemd-escape --path --suffix=mount PATH`',
    );
  });

  it('declares states, saying what changed', () => {
    expect(declare('enable', ['a.service', 'b.service', 'c.service'], { 'a.service': 'enabled', 'b.service': 'masked' })).toEqual({
      edits: [
        { op: 'set', path: ['services', 'b.service'], value: 'enabled' },
        { op: 'set', path: ['services', 'c.service'], value: 'enabled' },
      ],
      lines: ['a.service: already declared enabled', 'b.service: declared enabled (was masked)', 'c.service: declared enabled'],
    });
  });

  it('unmask takes out a masked declaration, leaving the unit not managed, and touches nothing else', () => {
    expect(declare('unmask', ['a.service', 'b.service', 'c.service'], { 'a.service': 'masked', 'b.service': 'enabled' })).toEqual({
      edits: [{ op: 'remove', path: ['services', 'a.service'] }],
      lines: [
        'a.service: no longer declared masked; it is now not managed (declare it enabled or disabled to manage it)',
        'b.service: declared enabled, not masked; nothing to unmask',
        'c.service: not in the manifest; nothing to unmask',
      ],
    });
  });
});

describe('values from the bus', () => {
  it('are plain JSON: variants unwrapped, 64-bit integers as numbers, or strings past 2^53', () => {
    const value = plain([new Variant('t', 18446744073709551615n), 1700000000000000n, { nested: new Variant('x', -5n) }, 'text']);
    expect(value).toEqual(['18446744073709551615', 1700000000000000, { nested: -5 }, 'text']);
    expect(JSON.stringify(value)).toBe('["18446744073709551615",1700000000000000,{"nested":-5},"text"]');
  });
});

describe('the manifest', () => {
  const load = (text: string) => () => parseManifest('/m/systemd-services.json', text, SystemdManifest);

  it('names the line and what is wrong with a key that is not a unit name', () => {
    expect(load('{\n  "services": {\n    "tuned": "enabled"\n  }\n}\n')).toThrow('/m/systemd-services.json:3:5: services.tuned: "tuned" has no unit type suffix; write "tuned.service"');
    expect(load('{\n  "services": {\n    "my app.service": "masked"\n  }\n}\n')).toThrow(
      '/m/systemd-services.json:3:5: services["my app.service"]: invalid unit name "my app.service": the character " " is not allowed; escaped, the name is "my\\x20app.service" (see systemd-escape)',
    );
  });

  it('names every bad unit, not only the first', () => {
    expect(load('{\n  "services": {\n    "cron.service": "on",\n    "tuned": "enabled",\n    "ssh.service": "off"\n  }\n}\n')).toThrow(
      [
        '/m/systemd-services.json:3:21: services["cron.service"]: Invalid option: expected one of "enabled"|"disabled"|"masked"',
        '/m/systemd-services.json:4:5: services.tuned: "tuned" has no unit type suffix; write "tuned.service"',
        '/m/systemd-services.json:5:20: services["ssh.service"]: Invalid option: expected one of "enabled"|"disabled"|"masked"',
      ].join('\n'),
    );
  });

  it('refuses __proto__ and a unit declared twice, naming the line', () => {
    expect(load('{"services": {"__proto__": "masked"}}')).toThrow('/m/systemd-services.json:1:15: services.__proto__: a manifest cannot have the key "__proto__"');
    expect(load('{"services": {"__proto__": {"x": 1}}}')).toThrow('/m/systemd-services.json:1:15: services.__proto__: a manifest cannot have the key "__proto__"');
    expect(load('{\n  "services": {\n    "cron.service": "enabled",\n    "cron.service": "masked"\n  }\n}\n')).toThrow(
      '/m/systemd-services.json:4:5: services["cron.service"]: duplicate key, first on line 3; keep one',
    );
  });

  it('treats names of Object.prototype as units like any other', () => {
    expect(load('{"services": {"constructor": "enabled"}}')).toThrow('services.constructor: "constructor" has no unit type suffix; write "constructor.service"');
    const { services } = load('{"services": {"constructor.service": "enabled", "toString.service": "masked"}}')().value;
    expect(compareUnits(services, live({ 'constructor.service': { state: 'enabled' }, 'toString.service': { state: 'enabled' }, 'valueOf.service': { state: 'masked', masks: ['admin'] } }))).toEqual([
      {
        id: 'systemd:toString.service',
        domain: 'systemd',
        key: 'toString.service',
        kind: 'modification',
        expected: 'masked',
        actual: 'enabled',
        data: { state: 'enabled', masks: [] },
      },
      {
        id: 'systemd:valueOf.service',
        domain: 'systemd',
        key: 'valueOf.service',
        kind: 'addition',
        actual: 'masked',
        detail: 'masked in /etc/systemd/system, not in manifest',
        data: { state: 'masked', masks: ['admin'], optIn: 'include-masked' },
      },
    ]);
    expect(compareUnits(services, live({}))).toHaveLength(2);
  });

  it('accepts only enabled, disabled and masked, and keeps keys it does not know', () => {
    expect(load('{"services": {"tuned.service": "enable"}}')).toThrow('services["tuned.service"]: Invalid option: expected one of "enabled"|"disabled"|"masked"');
    expect(load('{"$schema": "x", "note": 1, "services": {"getty@tty1.service": "enabled"}}')().value).toEqual({ $schema: 'x', note: 1, services: { 'getty@tty1.service': 'enabled' } });
  });
});
