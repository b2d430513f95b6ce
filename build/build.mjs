// Builds the CLI (and the helper) into dist/ with esbuild: ESM with code
// splitting, so that what only some commands need (D-Bus, the manifest writer,
// prompts) loads only when they run. The build goes to a fresh directory that
// then replaces dist/, so stale chunks never pile up and a `bkt` already
// running keeps its files.
import { build } from 'esbuild';
import { rename, rm } from 'node:fs/promises';

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  // jsonc-parser's UMD main hides its requires from the bundler; its ESM build does not.
  mainFields: ['module', 'main'],
  // dbus-next's optional X11 transport and abstract-socket module are never used.
  external: ['x11', 'usocket'],
  // CommonJS dependencies bundled into ESM still call require().
  banner: { js: "import { createRequire as __bktCreateRequire } from 'node:module'; const require = __bktCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};

const next = `dist.next-${process.pid}`;
await build({
  ...common,
  entryPoints: { bkt: 'helper/main.ts', 'manifest-schemas': 'build/manifest-schemas.ts' },
  outdir: next,
  splitting: true,
  sourcemap: 'linked',
  // Whitespace and syntax only: a short parse at every start, names kept for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
});
const old = `dist.old-${process.pid}`;
await rename('dist', old).catch(() => {});
await rename(next, 'dist');
await rm(old, { recursive: true, force: true });

// The manifests' JSON Schemas, generated from the domains' zod schemas.
const { writeManifestSchemas } = await import(new URL('../dist/manifest-schemas.mjs', import.meta.url).href);
await writeManifestSchemas('schemas');
