// A separate writer process for the manifest-writer integration tests, bundled
// by the test with esbuild and run with node:
//   insert FILE PREFIX COUNT   inserts PREFIX-0 .. PREFIX-(COUNT-1) into "formulae"
//   append FILE PREFIX COUNT   appends those as lines (the ignore file)
//   forever FILE PREFIX        inserts PREFIX-0, PREFIX-1, ... until killed, printing each number once written
import { appendLine, applyEdits } from '../../helper/manifest-writer.js';

const [mode, file, prefix, count] = process.argv.slice(2);
if (!file || !prefix) throw new Error('usage: insert|append|forever FILE PREFIX [COUNT]');
// A killed writer's lock is taken over after 2 s, the shortest proper-lockfile allows.
const options = { staleMs: 2000, waitMs: 20_000 };
const name = (n: number) => `${prefix}-${String(n).padStart(4, '0')}`;

if (mode === 'forever') {
  for (let n = 0; ; n++) {
    await applyEdits(file, [{ op: 'insert', path: ['formulae'], value: name(n) }], options);
    process.stdout.write(`${n}\n`);
  }
}
for (let n = 0; n < Number(count); n++) {
  if (mode === 'insert') await applyEdits(file, [{ op: 'insert', path: ['formulae'], value: name(n) }], options);
  else await appendLine(file, name(n), options);
}
