#!/usr/bin/env node
// The `bkt` command: runs the bundle that `npm install` (prepare) or `npm run build` writes.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/bkt.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('bkt: dist/bkt.mjs is missing; run `npm install` or `npm run build` in the bkt-drift checkout.\n');
  process.exit(2);
}
await import(bundle.href);
