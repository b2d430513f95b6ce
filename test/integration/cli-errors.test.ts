// How bkt tells the user about errors, from the command line.
import { describe, expect, it } from 'vitest';
import { bkt } from '../harness/cli.js';

describe('bkt --help', () => {
  it('says how to see the stack trace of an internal error, and what exit 130 means', async () => {
    const result = await bkt(['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('An internal error (a bug in bkt) is printed without its stack trace; set BKT_DEBUG=1 to see it.');
    expect(result.stdout).toContain('130 stopped with Ctrl-C at a question');
  });
});
