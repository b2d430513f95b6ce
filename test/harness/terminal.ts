// A real pseudo-terminal for driving interactive commands: util-linux's
// `script` allocates the pty and runs the command in it; we type into its
// stdin and read what the terminal shows from its stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export class Terminal {
  private output = '';
  private readonly exited: Promise<number>;
  private readonly child: ChildProcess;

  constructor(command: string[], env: NodeJS.ProcessEnv, cwd?: string) {
    this.child = spawn('script', ['-qfec', `stty cols 120 rows 40; exec ${command.map(quote).join(' ')}`, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm-256color', ...env },
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code ?? -1)));
  }

  /** Everything the terminal has shown so far, without colours and cursor moves. */
  get screen(): string {
    return stripVTControlCharacters(this.output).replace(/\r/g, '');
  }

  async waitFor(expected: string | RegExp, timeoutMs = 20_000): Promise<void> {
    const started = Date.now();
    const seen = () => (typeof expected === 'string' ? this.screen.includes(expected) : expected.test(this.screen));
    while (!seen()) {
      if (Date.now() - started > timeoutMs) throw new Error(`terminal never showed ${String(expected)}; it shows:\n${this.screen}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Types keys as a person would, one at a time. */
  async type(keys: string): Promise<void> {
    for (const key of keys) {
      this.child.stdin!.write(key);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  async exitCode(timeoutMs = 60_000): Promise<number> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
