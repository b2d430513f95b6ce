// `bkt drift undo`: reverts the newest resolution in the journal.
//  - capture: the manifest goes back to its previous text, if nobody changed it since;
//  - ignore: the rule line comes out of the ignore file;
//  - apply: the system goes back to the state it had, by applying the inverse
//    item against the manifest as it would read with that state captured.
import { readFile } from './fs-async.js';
import type { DriftItem, Environment } from './domain.js';
import { journalFileFor, lastResolution, markUndone } from './journal.js';
import { parseManifest } from './manifest.js';
import { editText, removeLine, replaceText } from './manifest-writer.js';
import { domainOf } from './resolve.js';

/** The item as it would be seen had the other side won. */
export function invertItem(item: DriftItem): DriftItem {
  const kind = item.kind === 'addition' ? 'removal' : item.kind === 'removal' ? 'addition' : 'modification';
  const inverted: DriftItem = { ...item, kind };
  if (item.actual !== undefined) inverted.expected = item.actual;
  else delete inverted.expected;
  if (item.expected !== undefined) inverted.actual = item.expected;
  else delete inverted.actual;
  return inverted;
}

export async function undoLast(env: Environment, log: (line: string) => void): Promise<number> {
  const journal = journalFileFor(env);
  const entry = await lastResolution(journal);
  if (!entry) {
    log('Nothing to undo.');
    return 0;
  }
  const { item } = entry;
  try {
    if (entry.action === 'capture') {
      const current = await readFile(entry.file, 'utf8').catch(() => undefined);
      if (current !== entry.after) {
        log(`✗ Cannot undo the capture of ${item.id}: ${entry.file} changed since; nothing was changed.`);
        return 2;
      }
      await replaceText(entry.file, entry.after, entry.before);
      log(`✓ Restored ${entry.file} as it was before capturing ${item.id}`);
    } else if (entry.action === 'ignore') {
      await removeLine(entry.file, entry.rule);
      log(`✓ Removed the ignore rule ${entry.rule} from ${entry.file}`);
    } else {
      const domain = await domainOf(item);
      const manifest = parseManifest(entry.file, entry.manifestText, domain.schema);
      const previousState = parseManifest(entry.file, editText(manifest.text, domain.capture(item, manifest)), domain.schema);
      const result = domain.apply(invertItem(item), previousState, env);
      if ('unsupported' in result) {
        log(`✗ Cannot undo ${item.id}: ${result.unsupported}`);
        return 2;
      }
      try {
        for (const op of result) {
          await op.run(env);
          log(`✓ ${op.verb} ${op.target}`);
        }
      } catch (error) {
        // What ran before the failed operation still needs the domain's finishing call (systemd's reload).
        await domain.finishApply?.(env).catch((finish: unknown) => log(`✗ ${domain.title}: ${(finish as Error).message}`));
        throw error;
      }
      await domain.finishApply?.(env);
    }
  } catch (error) {
    log(`✗ Undo of ${item.id} failed: ${(error as Error).message}`);
    return 2;
  }
  await markUndone(journal, entry.seq);
  return 0;
}
