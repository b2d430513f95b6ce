// The journal of resolutions: one JSON line each, with what `bkt drift undo`
// needs to put things back (the manifest's previous text, the item as it was).
import { appendFile, mkdir, readFile } from './fs-async.js';
import { dirname, join } from 'node:path';
import type { DriftItem, Environment } from './domain.js';

export type Resolution =
  | { action: 'capture'; item: DriftItem; file: string; before: string; after: string }
  | { action: 'ignore'; item: DriftItem; file: string; rule: string }
  /** manifestText: the manifest when the system was changed to match it. */
  | { action: 'apply'; item: DriftItem; file: string; manifestText: string };

/** `run`: the bkt command that made it (a time and a process id); undo reverts a run at a time. */
export type JournalEntry = Resolution & { seq: number; at: string; run?: string };
type UndoMark = { undo: number; at: string };

/** The journal cannot be read or written: the user must fix the file (printed as is, exit 2). */
export class JournalError extends Error {
  override name = 'JournalError';
}

/** Runs a file operation on the journal, naming the journal in its error. */
async function onJournal<T>(file: string, what: 'read' | 'write', operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new JournalError(`cannot ${what} the journal ${file}: ${(error as Error).message}`);
  }
}

/** Makes sure the journal can be written, before anything is changed that it must record. */
export async function openJournal(file: string): Promise<void> {
  await onJournal(file, 'write', async () => {
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, '');
  });
}

export function journalFileFor(env: Environment): string {
  const state = env.env.XDG_STATE_HOME || join(env.home, '.local/state');
  return join(state, 'bkt', 'journal.jsonl');
}

async function readLines(file: string): Promise<(JournalEntry | UndoMark)[]> {
  const text = await onJournal(file, 'read', () =>
    readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    }),
  );
  return text
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as JournalEntry | UndoMark];
      } catch {
        // A line cut short by a crash is not a resolution; the others still are.
        return [];
      }
    });
}

/** An id for the resolutions of one bkt command. */
export const newRun = (now = new Date()): string => `${now.toISOString()} ${process.pid}`;

export async function recordResolution(file: string, resolution: Resolution, run: string, now = new Date()): Promise<JournalEntry> {
  const lines = await readLines(file);
  const seq = lines.reduce((max, line) => Math.max(max, 'seq' in line ? line.seq : 0), 0) + 1;
  const entry: JournalEntry = { ...resolution, seq, at: now.toISOString(), run };
  await onJournal(file, 'write', async () => {
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, `${JSON.stringify(entry)}\n`);
  });
  return entry;
}

/**
 * The resolutions of the newest run (one bkt command) that are not undone yet,
 * newest first. An entry without a run (journals of earlier versions) is a run
 * of its own.
 */
export async function lastRun(file: string): Promise<JournalEntry[]> {
  const lines = await readLines(file);
  const undone = new Set(lines.flatMap((line) => ('undo' in line ? [line.undo] : [])));
  const open = lines.filter((line): line is JournalEntry => 'seq' in line && !undone.has(line.seq)).reverse();
  const newest = open[0];
  if (!newest) return [];
  return newest.run === undefined ? [newest] : open.filter((entry) => entry.run === newest.run);
}

export async function markUndone(file: string, seq: number, now = new Date()): Promise<void> {
  const mark: UndoMark = { undo: seq, at: now.toISOString() };
  await onJournal(file, 'write', () => appendFile(file, `${JSON.stringify(mark)}\n`));
}
