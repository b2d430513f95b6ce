#!/usr/bin/env node
// `npm run bench`: bundles the TypeScript bench (bench/main.ts) with esbuild,
// already a dev dependency, then runs it with this command's arguments.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The sources find the repository from their own folder; in one bundle they would all see the bundle's.
const ownLocation = {
  name: 'own-location',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async ({ path }) => ({
      loader: 'ts',
      contents: (await readFile(path, 'utf8'))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(path)))
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)),
    }));
  },
};

const outfile = fileURLToPath(new URL('../node_modules/.cache/bkt-bench/main.mjs', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('main.ts', import.meta.url))],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [ownLocation],
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
