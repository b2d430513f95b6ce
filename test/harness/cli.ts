// Runs the real `bkt` command (bin/bkt.cjs over dist/) as a user would.
import { execa } from 'execa';
import { mkdtemp, mkdir, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AjvModule from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';

export const REPO = resolve(import.meta.dirname, '../..');
export const FIXTURES = resolve(REPO, '../shared/fixtures/bootc-manifests');
const BKT = join(REPO, 'bin/bkt.cjs');

export interface BktResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export async function bkt(args: string[], env: NodeJS.ProcessEnv = {}, options: { input?: string; cwd?: string } = {}): Promise<BktResult> {
  const result = await execa(process.execPath, [BKT, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    reject: false,
    input: options.input,
    cwd: options.cwd ?? REPO,
    timeout: 120_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1 };
}

/** A fresh temp home with the XDG variables pointing inside it. */
export async function tempHome(prefix = 'bkt-home-'): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  return {
    dir,
    env: {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_CACHE_HOME: join(home, '.cache'),
    },
  };
}

/** A copy of some of the real user's manifests in a fresh directory. */
export async function copyFixtures(dir: string, files?: string[]): Promise<string> {
  const manifests = join(dir, 'manifests');
  await mkdir(manifests, { recursive: true });
  if (files) for (const file of files) await cp(join(FIXTURES, file), join(manifests, file));
  else await cp(FIXTURES, manifests, { recursive: true });
  return manifests;
}

const Ajv = AjvModule.default ?? AjvModule;
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv({ allErrors: true, strict: true });
(addFormats as unknown as (a: unknown) => void)(ajv);
const validateReport = ajv.compile(JSON.parse(readFileSync(join(REPO, 'schemas/drift-report.schema.json'), 'utf8')));

/** Parses `bkt drift check --json` output and validates it against the report's JSON Schema. */
export function parseReport(stdout: string): any {
  const report = JSON.parse(stdout);
  if (!validateReport(report)) throw new Error(`report does not match schemas/drift-report.schema.json: ${ajv.errorsText(validateReport.errors)}`);
  return report;
}
