// The Environment every domain reads its paths from, built once at the edge
// from the process environment, so that tests point a whole run at a temp home.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Environment } from './domain.js';
import { runProcess, type Runner } from './run.js';

export function environmentFrom(env: NodeJS.ProcessEnv = process.env, options: { root?: string; run?: Runner } = {}): Environment {
  const home = env.HOME || homedir();
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  return {
    home,
    xdgConfigHome: env.XDG_CONFIG_HOME || join(home, '.config'),
    xdgDataHome: env.XDG_DATA_HOME || join(home, '.local/share'),
    xdgDataDirs: dataDirs,
    cacheDir: join(env.XDG_CACHE_HOME || join(home, '.cache'), 'bkt'),
    root: resolve(options.root ?? '/'),
    env,
    run: options.run ?? runProcess,
  };
}

/** A system path inside the checked root (`--root DIR`), or on the live system. */
export function inRoot(environment: Environment, path: string): string {
  return environment.root === '/' ? path : join(environment.root, path);
}
