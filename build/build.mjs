// Builds the helper and the CLI into dist/ with esbuild. ESM with code
// splitting, so that D-Bus code loads only when a command needs it.
import { build } from 'esbuild';

await build({
  entryPoints: { bkt: 'helper/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // jsonc-parser's UMD main hides its requires from the bundler; its ESM build does not.
  mainFields: ['module', 'main'],
  target: 'node20',
  sourcemap: 'linked',
  // dbus-next's optional X11 transport and abstract-socket module are never used.
  external: ['x11', 'usocket'],
  // CommonJS dependencies bundled into ESM still call require().
  banner: { js: "import { createRequire as __bktCreateRequire } from 'node:module'; const require = __bktCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The manifests' JSON Schemas, generated from the domains' zod schemas.
await build({
  entryPoints: { 'manifest-schemas': 'build/manifest-schemas.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  mainFields: ['module', 'main'],
  external: ['x11', 'usocket'],
  banner: { js: "import { createRequire as __bktCreateRequire } from 'node:module'; const require = __bktCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
const { writeManifestSchemas } = await import(new URL('../dist/manifest-schemas.mjs', import.meta.url).href);
await writeManifestSchemas('schemas');
