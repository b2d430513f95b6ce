// Builds the command line (and the helper) into dist/ with esbuild.
//
// One CommonJS file, dist/bkt.cjs, because bin/bkt.cjs compiles it through
// V8's code cache (vm.Script cachedData), which only scripts have: a check
// then starts without parsing or compiling the code it runs. What only some
// commands need (D-Bus, the manifest writer, prompts) is imported with
// import(), which esbuild turns into lazily initialised modules, so it is
// never evaluated on the path of `bkt drift check`. The build goes to a fresh
// directory that then replaces dist/, so stale files never pile up.
import { build } from 'esbuild';
import { readFile, rename, rm } from 'node:fs/promises';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // jsonc-parser's UMD main hides its requires from the bundler; its ESM build does not.
  mainFields: ['module', 'main'],
  // dbus-next's optional X11 transport and abstract-socket module are never used.
  external: ['x11', 'usocket'],
  logLevel: 'warning',
};

const next = `dist.next-${process.pid}`;
await build({
  ...common,
  // What only the interactive and D-Bus commands need stays in node_modules,
  // loaded by Node when first used: bundled, it made every check read and
  // load ~900 KB more (8 ms of a check, measured). With dynamic import() marked
  // unsupported, esbuild turns import() of these into require(), which the
  // script bin/bkt.cjs compiles can call (it has no loader for import()).
  external: [...common.external, '@inquirer/prompts', '@jellybrick/dbus-next'],
  supported: { 'dynamic-import': false },
  entryPoints: { bkt: 'helper/main.ts' },
  // Names this build, so that what it records as validated is not trusted by another (helper/validated.ts).
  define: { BKT_BUILD: JSON.stringify(`${JSON.parse(await readFile('package.json', 'utf8')).version}+${Date.now().toString(36)}.${process.pid}`) },
  outdir: next,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  sourcemap: 'linked',
  // Whitespace and syntax only: names kept for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
});
// The manifests' JSON Schemas, generated from the domains' zod schemas.
await build({
  ...common,
  entryPoints: { 'manifest-schemas': 'build/manifest-schemas.ts' },
  outdir: next,
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  banner: { js: "import { createRequire as __bktCreateRequire } from 'node:module'; const require = __bktCreateRequire(import.meta.url);" },
});
// vm.Script (bin/bkt.cjs) has no loader for import(): every import() must be
// of a bundled module, which esbuild turns into a lazy require.
const bundled = await readFile(`${next}/bkt.cjs`, 'utf8');
const dynamic = /\bimport\((?!\))/.exec(bundled);
if (dynamic) throw new Error(`dist/bkt.cjs keeps a dynamic import() near: ${bundled.slice(dynamic.index - 80, dynamic.index + 40)}`);

const old = `dist.old-${process.pid}`;
// No dist/ yet on a first build; any other failure is the build's.
await rename('dist', old).catch((error) => {
  if (error.code !== 'ENOENT') throw error;
});
await rename(next, 'dist');
await rm(old, { recursive: true, force: true });

const { writeManifestSchemas } = await import(new URL('../dist/manifest-schemas.mjs', import.meta.url).href);
await writeManifestSchemas('schemas');
