import { describe, expect, it } from 'vitest';
import {
  ISSUE_SIZE,
  dconfKeyfile,
  manifests,
  plantedDrift,
  schemaFiles,
  syntheticApps,
  syntheticKeys,
  syntheticUnits,
  unitFile,
} from '../../bench/synthetic.js';

const keys = syntheticKeys();
const apps = syntheticApps();
const units = syntheticUnits();

describe('the bench synthetic desktop', () => {
  it('has the issue size: 1,000 keys over 40 schemas, 300 of them changed in dconf', () => {
    expect(keys).toHaveLength(1000);
    expect(new Set(keys.map((k) => k.schema)).size).toBe(40);
    expect(keys.filter((k) => k.dconf !== undefined)).toHaveLength(300);
    expect(new Set(keys.map((k) => k.type))).toEqual(new Set(['s', 'b', 'i', 'u', 'd', 'as']));
  });

  it('names schemas and keys the way glib-compile-schemas accepts', () => {
    for (const key of keys) {
      expect(key.schema).toMatch(/^org\.bench\.s\d\d$/);
      expect(key.path).toBe(`/${key.schema.replaceAll('.', '/')}/`);
      expect(key.key).toMatch(/^[a-z][a-z0-9-]*$/);
    }
    expect(new Set(keys.map((k) => `${k.schema} ${k.key}`)).size).toBe(keys.length);
  });

  it('types every dconf value as its key (uint32 for u), so gsettings does not fall back to the default', () => {
    for (const key of keys.filter((k) => k.type === 'u' && k.dconf !== undefined)) expect(key.dconf).toMatch(/^uint32 \d+$/);
    const text = dconfKeyfile(keys);
    expect(text.split('\n').filter((line) => line.startsWith('['))).toHaveLength(40);
    expect(text.split('\n').filter((line) => line.includes('='))).toHaveLength(300);
    expect(text).toContain("[org/bench/s01]\nkey-04=uint32 1003\nkey-07='changed-6'\n");
  });

  it('writes one schema file per schema holding all of its keys with their defaults', () => {
    const files = schemaFiles(keys);
    expect(files.size).toBe(40);
    const first = files.get('org.bench.s01.gschema.xml') ?? '';
    expect(first).toContain('<schema id="org.bench.s01" path="/org/bench/s01/">');
    expect(first.match(/<key /g)).toHaveLength(25);
    expect(first).toContain('<key name="key-06" type="as">\n      <default>[\'a5\', \'b5\']</default>');
  });

  it('installs 300 apps and declares 300, five entries differing', () => {
    expect(apps.installed).toHaveLength(300);
    expect(apps.declared).toHaveLength(300);
    expect(apps.declared.every((a) => a.scope === 'user')).toBe(true);
    const installed = new Set(apps.installed);
    expect(apps.declared.filter((a) => !installed.has(a.id)).map((a) => a.id)).toEqual([
      'io.github.bench.Missing003',
      'io.github.bench.Missing002',
      'io.github.bench.Missing001',
    ]);
    expect(apps.declared.filter((a) => a.branch !== 'stable' || a.remote !== 'flathub').map((a) => a.id)).toEqual([
      'io.github.bench.App011',
      'io.github.bench.App021',
    ]);
  });

  it('has 500 units, 50 declared, every masked one among them', () => {
    expect(units).toHaveLength(500);
    expect(units.filter((u) => u.declared)).toHaveLength(50);
    expect(units.filter((u) => u.state === 'masked').every((u) => u.declared)).toBe(true);
    expect(new Set(units.map((u) => u.state))).toEqual(new Set(['enabled', 'disabled', 'static', 'masked']));
    expect(unitFile(units.find((u) => u.state === 'static')!)).not.toContain('[Install]');
    expect(unitFile(units.find((u) => u.state === 'enabled')!)).toContain('[Install]\nWantedBy=multi-user.target\n');
  });

  it('plants drift a correct check finds: 8 flatpak items, 6 settings, 3 units', () => {
    expect(plantedDrift(keys, apps, units)).toEqual({ flatpak: 8, gsettings: 6, systemd: 3 });
  });

  it('does not count a uint32 written without its annotation as drift', () => {
    const bare = keys.filter((k) => k.type === 'u' && !k.declared.startsWith('uint32 '));
    expect(bare.length).toBeGreaterThan(50);
    const planted = plantedDrift(keys, apps, units).gsettings;
    expect(keys.filter((k) => k.declared !== k.live)).toHaveLength(planted + bare.length - 1);
  });

  it('writes the three manifests in the shapes of the user manifests', () => {
    const files = manifests(keys, apps, units);
    expect([...files.keys()]).toEqual(['flatpak-apps.json', 'gsettings.json', 'systemd-services.json']);
    const flatpak = JSON.parse(files.get('flatpak-apps.json') ?? '');
    expect(flatpak.apps[0]).toEqual({ id: 'io.github.bench.App001', remote: 'flathub', scope: 'user', branch: 'stable' });
    const gsettings = JSON.parse(files.get('gsettings.json') ?? '');
    expect(gsettings.settings).toHaveLength(ISSUE_SIZE.keys);
    expect(gsettings.settings[3]).toEqual({ schema: 'org.bench.s01', key: 'key-04', value: '1003' });
    expect(gsettings.settings[9]).toEqual({ schema: 'org.bench.s01', key: 'key-10', value: 'uint32 1009' });
    const systemd = JSON.parse(files.get('systemd-services.json') ?? '');
    expect(Object.keys(systemd.services)).toHaveLength(50);
    expect(systemd.services['bench-050.service']).toBe('enabled');
  });
});
