// A real flatpak world built offline (after ../shared/recipes/flatpak-local.sh):
// a local repo holding a tiny runtime and three apps in branches `stable` and
// `beta`, offered by two remotes (`one`, `two`: the same repo under two names,
// so an app can come from the "wrong" one), a user installation in a temp home
// and a system installation in a temp directory named by FLATPAK_SYSTEM_DIR
// (which flatpak honours). Build it once per test file; reset() brings both
// installations back to the start (remotes added, runtime installed, no apps).
import { execa } from 'execa';
import { chmod, copyFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const APPS = ['org.example.Hello', 'org.example.Extra', 'org.example.Third'] as const;
export const BRANCHES = ['stable', 'beta'] as const;
export const REMOTES = ['one', 'two'] as const;
export const RUNTIME = 'org.example.Platform';

export interface FlatpakWorld {
  dir: string;
  repo: string;
  arch: string;
  /** The whole environment of a flatpak command in this world (nothing inherited but PATH). */
  env: NodeJS.ProcessEnv;
  userDir: string;
  systemDir: string;
  /** Runs flatpak in this world; returns stdout, throws with stderr on failure. */
  flatpak(args: string[]): Promise<string>;
  /** Both installations back to the start: remotes `one` and `two`, the runtime, no apps. */
  reset(): Promise<void>;
  /** `application origin branch installation` lines of `flatpak list --app`, sorted. */
  list(): Promise<string[]>;
  remove(): Promise<void>;
}

async function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const result = await execa(file, args, { env, extendEnv: false, reject: false });
  if (result.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (${result.exitCode}): ${result.stderr || result.stdout}`);
  return result.stdout;
}

/** The shared libraries a host binary needs, from ldd. */
async function librariesOf(binary: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const out = await run('ldd', [binary], env);
  return [...out.matchAll(/(\/\S+)/g)].map((m) => m[1] as string);
}

async function buildRepo(dir: string, arch: string, env: NodeJS.ProcessEnv): Promise<string> {
  const repo = join(dir, 'repo');
  const runtime = join(dir, 'build-runtime');
  await mkdir(join(runtime, 'files/bin'), { recursive: true });
  const ref = `${RUNTIME}/${arch}/1`;
  await writeFile(join(runtime, 'metadata'), `[Runtime]\nname=${RUNTIME}\nruntime=${ref}\nsdk=${ref}\n`);
  await copyFile('/bin/dash', join(runtime, 'files/bin/sh'));
  // The runtime's /usr is the host's dash and its libraries, so the apps can run.
  for (const library of await librariesOf('/bin/dash', env)) {
    const target = join(runtime, 'files', library.replace(/^\/usr\//, '/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(library, target);
  }
  await run('flatpak', ['build-export', '--runtime', '--files=files', '--no-update-summary', repo, runtime, '1'], env);

  for (const id of APPS) {
    for (const branch of BRANCHES) {
      const app = join(dir, `build-${id}-${branch}`);
      await mkdir(join(app, 'files/bin'), { recursive: true });
      await writeFile(join(app, 'metadata'), `[Application]\nname=${id}\nruntime=${ref}\nsdk=${ref}\n`);
      await writeFile(join(app, 'files/bin/hello'), `#!/bin/sh\necho "hello from $FLATPAK_ID ${branch}"\n`);
      await chmod(join(app, 'files/bin/hello'), 0o755);
      await run('flatpak', ['build-finish', '--command=hello', app], env);
      await run('flatpak', ['build-export', '--no-update-summary', repo, app, branch], env);
    }
  }
  await run('flatpak', ['build-update-repo', repo], env);
  return repo;
}

export async function createFlatpakWorld(): Promise<FlatpakWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'bkt-flatpak-'));
  const home = join(dir, 'home');
  const systemDir = join(dir, 'system');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    FLATPAK_SYSTEM_DIR: systemDir,
  };
  await mkdir(home, { recursive: true });
  const arch = (await run('flatpak', ['--default-arch'], env)).trim();
  const repo = await buildRepo(dir, arch, env);
  const flatpak = (args: string[]) => run('flatpak', args, env);

  for (const scope of ['--user', '--system']) {
    for (const remote of REMOTES) await flatpak(['remote-add', scope, '--no-gpg-verify', remote, `file://${repo}`]);
    await flatpak(['install', scope, '--noninteractive', '-y', 'one', `${RUNTIME}//1`]);
  }
  // Copies keep the installations' own paths, so nothing inside them needs to move.
  const templates = { home: join(dir, 'template-home'), system: join(dir, 'template-system') };
  await cp(home, templates.home, { recursive: true, verbatimSymlinks: true });
  await cp(systemDir, templates.system, { recursive: true, verbatimSymlinks: true });

  return {
    dir,
    repo,
    arch,
    env,
    userDir: join(home, '.local/share/flatpak'),
    systemDir,
    flatpak,
    async reset() {
      await rm(home, { recursive: true, force: true });
      await rm(systemDir, { recursive: true, force: true });
      await cp(templates.home, home, { recursive: true, verbatimSymlinks: true });
      await cp(templates.system, systemDir, { recursive: true, verbatimSymlinks: true });
    },
    async list() {
      const out = await flatpak(['list', '--app', '--columns=application,origin,branch,installation']);
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t').join(' '))
        .sort();
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
