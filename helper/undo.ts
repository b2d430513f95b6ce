// `bkt drift undo`: reverts the resolutions of the last bkt command in the
// journal (a capture, sync or resolve run), newest first.
//  - capture: the manifest goes back to its previous text, if nobody changed it since;
//  - ignore: the rule line comes out of the ignore file;
//  - apply: the system goes back to the state it had, by applying the inverse
//    item against the manifest as it would read with that state captured.
import { readFile } from './fs-async.js';
import type { Domain, DriftItem, Environment } from './domain.js';
import { journalFileFor, lastRun, markUndone, type JournalEntry } from './journal.js';
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

/** Reverts what the last bkt command resolved, newest first; stops at the first resolution it cannot revert. */
export async function undoLast(env: Environment, log: (line: string) => void): Promise<number> {
  const journal = journalFileFor(env);
  const entries = await lastRun(journal);
  if (entries.length === 0) {
    log('Nothing to undo.');
    return 0;
  }
  // Domains whose operations ran get their finishing call once, at the end (systemd reloads once).
  const ran = new Set<Domain>();
  let code: 0 | 2 = 0;
  for (const [index, entry] of entries.entries()) {
    if ((await undoOne(entry, env, log, ran)) !== 0) {
      if (index > 0) log(`${index} of the ${entries.length} resolutions of that command were undone; the rest stay (run bkt drift undo again once the cause is fixed).`);
      code = 2;
      break;
    }
    await markUndone(journal, entry.seq);
  }
  for (const domain of ran) {
    try {
      await domain.finishApply?.(env);
    } catch (error) {
      log(`✗ ${domain.title}: ${(error as Error).message}`);
      code = 2;
    }
  }
  if (code === 0 && entries.length > 1) log(`Undid the ${entries.length} resolutions of the last command.`);
  return code;
}

async function undoOne(entry: JournalEntry, env: Environment, log: (line: string) => void, ran: Set<Domain>): Promise<0 | 2> {
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
      for (const op of result) {
        // Before it runs: a failed operation may have changed something, which the finishing call must see.
        ran.add(domain);
        await op.run(env);
        log(`✓ ${op.verb} ${op.target}`);
      }
    }
  } catch (error) {
    log(`✗ Undo of ${item.id} failed: ${(error as Error).message}`);
    return 2;
  }
  return 0;
}
