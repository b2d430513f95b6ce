// The bundle's entry: bin/bkt.mjs loads it (through V8's code cache) and runs main.
export { main } from './cli.js';
