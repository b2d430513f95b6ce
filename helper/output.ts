// Writing a command's output straight to its file descriptor. process.stdout
// is a stream whose creation loads Node's stream and net modules (~4 ms of a
// check, measured); a check writes its whole report once, so a synchronous
// write does the same job without them.
import { writeSync } from 'node:fs';

/** Writes all of `text` to stdout (fd 1), or stderr with fd 2; a reader that went away (EPIPE) ends the output quietly. */
export function writeOutput(text: string, fd: 1 | 2 = 1): void {
  let bytes = Buffer.from(text, 'utf8');
  while (bytes.length > 0) {
    let written: number;
    try {
      written = writeSync(fd, bytes);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      // A non-blocking pipe that is full: the stream waits for it instead.
      if (code === 'EAGAIN') return void (fd === 1 ? process.stdout : process.stderr).write(bytes);
      throw error;
    }
    bytes = bytes.subarray(written);
  }
}

/** Colours only for a person at a terminal, and never with NO_COLOR set. */
export function useColor(fd: 1 | 2 = 1): boolean {
  if (process.env.NO_COLOR) return false;
  // Only here, on the human report's path: node:tty loads the stream modules.
  return process.getBuiltinModule('node:tty').isatty(fd);
}
