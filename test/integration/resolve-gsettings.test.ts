// `bkt sync`, `bkt capture` and `bkt drift undo` for gsettings, end to end: the
// real command, real compiled schemas, dconf behind a private session bus.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bkt } from '../harness/cli.js';
import { startPrivateSession, type PrivateSession } from '../harness/session.js';

const SCHEMAS = {
  'org.example.Desk.gschema.xml': `<?xml version="1.0" encoding="UTF-8"?>
<schemalist>
  <schema id="org.example.Desk" path="/org/example/desk/">
    <key name="gtk-theme" type="s"><default>'Adwaita'</default></key>
    <key name="sleep-timeout" type="u"><default>900</default></key>
    <key name="favorites" type="as"><default>[]</default></key>
  </schema>
</schemalist>
`,
};

const MANIFEST = `{
  "$schema": "https://wycats.github.io/bootc/gsettings.schema.json",
  "settings": [
    {
      "schema": "org.example.Desk",
      "key": "gtk-theme",
      "value": "'adw-gtk3'",
      "comment": "matches libadwaita"
    },
    {
      "schema": "org.example.Desk",
      "key": "sleep-timeout",
      "value": "0"
    },
    {
      "schema": "org.example.Desk",
      "key": "favorites",
      "value": "[\\"org.gnome.Nautilus.desktop\\"]"
    }
  ]
}`;

let session: PrivateSession;
let env: NodeJS.ProcessEnv;
let manifests: string;
let file: string;
const gsettings = async (...args: string[]) => {
  const { execa } = await import('execa');
  return (await execa('gsettings', args, { env: session.env, extendEnv: false })).stdout.trim();
};

beforeAll(async () => {
  session = await startPrivateSession({ schemas: SCHEMAS });
  // Only the test schemas: the XML the domain reads sits beside the compiled ones.
  env = { ...session.env, XDG_DATA_DIRS: join(session.dir, 'share') };
  await mkdir(join(session.dir, 'share/glib-2.0'), { recursive: true });
  await import('node:fs/promises').then((fs) => fs.symlink(join(session.dir, 'schemas'), join(session.dir, 'share/glib-2.0/schemas')));
  manifests = join(session.dir, 'dotfiles/manifests');
  file = join(manifests, 'gsettings.json');
}, 60_000);
afterAll(() => session?.stop());

beforeEach(async () => {
  await rm(join(session.dir, 'dotfiles'), { recursive: true, force: true });
  await mkdir(manifests, { recursive: true });
  await writeFile(file, MANIFEST);
  // The theme as the manifest says (in the other quote style), the timeout changed in a GUI, favorites at the default.
  await gsettings('set', 'org.example.Desk', 'gtk-theme', '"adw-gtk3"');
  await gsettings('set', 'org.example.Desk', 'sleep-timeout', '1800');
  await gsettings('reset', 'org.example.Desk', 'favorites');
});

describe('gsettings drift, resolved from the command line', () => {
  it('check compares typed values: another quote style is no drift, a changed number is', async () => {
    const result = await bkt(['drift', 'check', 'gsettings', '--manifests', manifests], env);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('  ~ org.example.Desk.sleep-timeout\n    manifest: 0\n    current:  uint32 1800');
    expect(result.stdout).toContain('  ~ org.example.Desk.favorites (the schema default)\n    manifest: ["org.gnome.Nautilus.desktop"]\n    current:  @as []');
    expect(result.stdout).not.toContain('gtk-theme');
  });

  it('sync sets the values through dconf, and the manifest is untouched', async () => {
    const result = await bkt(['sync', 'gsettings', '--manifests', manifests], env);
    expect(result.stdout).toContain('No drift remains.');
    expect(result.exitCode).toBe(0);
    expect(await gsettings('get', 'org.example.Desk', 'sleep-timeout')).toBe('uint32 0');
    expect(await gsettings('get', 'org.example.Desk', 'favorites')).toBe("['org.gnome.Nautilus.desktop']");
    expect(await readFile(file, 'utf8')).toBe(MANIFEST);
  });

  it('capture writes the live values into the manifest, keeping comments and the missing final newline', async () => {
    const result = await bkt(['capture', 'gsettings', '--manifests', manifests], env);
    expect(result.exitCode).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(
      MANIFEST.replace('"value": "0"', '"value": "1800"').replace('"value": "[\\"org.gnome.Nautilus.desktop\\"]"', '"value": "[]"'),
    );
    expect((await bkt(['drift', 'check', 'gsettings', '--manifests', manifests], env)).exitCode).toBe(0);
  });

  it('undo after a sync puts the value the user had back into dconf', async () => {
    await bkt(['sync', 'gsettings', '--only', 'gsettings:*sleep-timeout', '--manifests', manifests], env);
    expect(await gsettings('get', 'org.example.Desk', 'sleep-timeout')).toBe('uint32 0');
    const undo = await bkt(['drift', 'undo'], env);
    expect(undo.exitCode).toBe(0);
    expect(await gsettings('get', 'org.example.Desk', 'sleep-timeout')).toBe('uint32 1800');
  });
});
