#!/usr/bin/env node
// `npm run bench`: bundles the TypeScript bench (bench/main.ts) with esbuild,
// already a dev dependency, then runs it with this command's arguments.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const bench = fileURLToPath(new URL('.', import.meta.url));
const outfile = fileURLToPath(new URL('../node_modules/.cache/bkt-bench/main.mjs', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('main.ts', import.meta.url))],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // The bundle lives elsewhere; the sources find the repository from their own folder.
  define: { 'import.meta.dirname': JSON.stringify(bench) },
  logLevel: 'warning',
});
await import(new URL(`file://${outfile}`).href);
