// What bkt prints when a command ends in an error: the message alone for what
// the user can act on, a hint (or with BKT_DEBUG the stack) for a bug.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { errorText } from '../../helper/cli.js';
import { DomainError } from '../../helper/domain.js';
import { JournalError } from '../../helper/journal.js';

describe('errorText', () => {
  it('prints what the user must fix as its message alone', async () => {
    expect(errorText(new DomainError('cannot enable tuned.service: access denied'), {})).toBe('bkt: cannot enable tuned.service: access denied\n');
    expect(errorText(new JournalError('cannot read the journal /j: EISDIR'), {})).toBe('bkt: cannot read the journal /j: EISDIR\n');
    const failedCall = await readFile('/nonexistent/bkt/manifest.json').catch((error: unknown) => error);
    expect(errorText(failedCall, {})).toBe("bkt: ENOENT: no such file or directory, open '/nonexistent/bkt/manifest.json'\n");
  });

  it('prints an internal error as one line and how to see more', () => {
    const text = errorText(new TypeError("Cannot read properties of undefined (reading 'id')"), {});
    expect(text).toBe("bkt: internal error: Cannot read properties of undefined (reading 'id')\n(run again with BKT_DEBUG=1 for details)\n");
  });

  it('prints an internal error with its stack when BKT_DEBUG is set', () => {
    const error = new TypeError('boom');
    expect(errorText(error, { BKT_DEBUG: '1' })).toBe(`bkt: ${error.stack}\n`);
    expect(error.stack).toMatch(/^TypeError: boom\n\s+at /);
  });
});
