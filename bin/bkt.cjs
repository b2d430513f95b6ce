#!/usr/bin/env node
'use strict';
// The `bkt` command (CommonJS: Node starts a CommonJS entry ~10 ms sooner than
// an ES module, measured). It runs dist/bkt.cjs (written by `npm install` or `npm run
// build`) through V8's code cache: the compiled code of a run is kept in
// $XDG_CACHE_HOME/bkt/ and reused while the bundle and Node stay the same, so
// that a check does not spend its first 20-40 ms parsing and compiling.
// (v8-compile-cache creates its cache before the code runs, which leaves out
// every function compiled lazily during the run: most of them.)
// Started by bin/bkt without NODE_EXTRA_CA_CERTS (see there): the programs bkt runs get it back.
if (process.env.BKT_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.BKT_NODE_EXTRA_CA_CERTS;
  delete process.env.BKT_NODE_EXTRA_CA_CERTS;
}

const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { Module } = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'bkt.cjs');
let source;
let stamp;
try {
  source = readFileSync(bundle, 'utf8');
  const info = statSync(bundle);
  stamp = `${process.version}-${process.arch}-${info.size}-${Math.round(info.mtimeMs)}`;
} catch {
  process.stderr.write('bkt: dist/bkt.cjs is missing; run `npm install` or `npm run build` in the bkt-drift checkout.\n');
  process.exit(2);
}

const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bkt');
const cacheFile = join(cacheDir, `code-${stamp}.v8`);
// The file starts with the domains whose code is in it (4 bytes, little-endian,
// a bit per registry line: domainsLoaded), then V8's data.
const HEADER = 4;
let cachedData;
let cachedDomains = 0;
try {
  const file = readFileSync(cacheFile);
  cachedDomains = file.readUInt32LE(0);
  cachedData = file.subarray(HEADER);
} catch {
  cachedData = undefined;
}

// commander requires child_process when it loads, for subcommands run as
// separate programs, which bkt has none of; loading it (and the stream and net
// modules under it) costs a check ~5 ms. The bundle gets it on first use instead.
const deferred = new Map([['node:child_process', () => require('node:child_process')]]);
function bundleRequire(id) {
  const load = deferred.get(id);
  if (!load) return require(id);
  return new Proxy({}, { get: (_, name) => load()[name], has: (_, name) => name in load() });
}

const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
const bundled = { exports: {} };
script.runInThisContext().call(bundled.exports, bundled.exports, bundleRequire, bundled, bundle, dirname(bundle));
bundled.exports.main(process.argv).then((code) => {
  process.exitCode = code;
  // The cache holds the code its writers ran: after `bkt --help` wrote it,
  // every check would compile the domains' code again, so a run that loaded a
  // domain the cache lacks writes it anew (what it read, plus what it compiled).
  const fresh = cachedData === undefined || script.cachedDataRejected;
  const domains = bundled.exports.domainsLoaded();
  if (fresh) writeCache(domains);
  else if ((domains & ~cachedDomains) !== 0) writeCache(domains | cachedDomains);
});

function writeCache(domains) {
  // After the run, so that the functions it compiled are in the cache; a cache
  // that cannot be written only costs the next run its compile.
  try {
    mkdirSync(cacheDir, { recursive: true });
    const temporary = `${cacheFile}.${process.pid}`;
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(domains >>> 0);
    writeFileSync(temporary, Buffer.concat([header, script.createCachedData()]));
    renameSync(temporary, cacheFile);
    // Caches of earlier builds or Node versions are of no more use.
    for (const name of readdirSync(cacheDir)) {
      if (name.startsWith('code-') && name.endsWith('.v8') && join(cacheDir, name) !== cacheFile) rmSync(join(cacheDir, name), { force: true });
    }
  } catch {
    // read-only or full cache directory
  }
}
