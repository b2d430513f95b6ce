// The bundle's entry: bin/bkt.cjs loads it (through V8's code cache) and runs main.
//
// zod's own schema compiler goes first, before any module builds a schema: it
// compiles each manifest schema on its first parse, which validates a
// 1,000-setting manifest in ~4 ms instead of ~15 ms; a schema it cannot
// compile keeps zod's interpreter, and every error still comes from zod.
import 'zod/compile';

export { main } from './cli.js';
export { domainsLoaded } from './registry.js';
