// Runs the tendril command as a real process: through pipes (what scripts see: JSON lines) or
// on a real PTY from node-pty (what a person sees), answering prompts as they appear.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';

export const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
/** The command from the sources (tsx), so the tests see the tree as it is. */
export const CLI = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
/** The built command, as the package's bin runs it. */
export const BIN = [join(ROOT, 'bin/tendril.mjs')];

export interface Piped {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's lines parsed as JSON (throws if one is not). */
  json(): Record<string, unknown>[];
}

export function runPiped(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<Piped> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...CLI, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeout ?? 90_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout,
        stderr,
        json: () => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
      });
    });
  });
}

interface IPty {
  onData(cb: (d: string) => void): void;
  onExit(cb: (e: { exitCode: number; signal?: number }) => void): void;
  write(d: string): void;
  kill(sig?: string): void;
}
const pty = createRequire(import.meta.url)('node-pty') as { spawn(file: string, args: string[], opts: Record<string, unknown>): IPty };

export interface OnPty {
  code: number;
  /** The signal that ended the command, if one did (node-pty then reports `code` 0). */
  signal: number | undefined;
  /** Everything written to the terminal. */
  raw: string;
  /** The same without escape sequences and carriage returns (every redraw, in order). */
  text: string;
  /** The terminal's screen at the end, scrollback included, as a terminal shows it (xterm.js). */
  screen: string;
}

/** What a terminal of this size shows after `raw`, scrollback included. */
export function screenOf(raw: string, cols: number, rows: number): Promise<string> {
  const term = new xterm.Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true });
  return new Promise((resolve) => {
    term.write(raw, () => {
      const b = term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < b.length; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
      while (lines.length && lines[lines.length - 1] === '') lines.pop();
      term.dispose();
      resolve(lines.join('\n'));
    });
  });
}

/** Strips ANSI escape sequences (colors, cursor moves, erase) and CRs. */
export function plain(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b[()][AB0]/g, '').replace(/\r/g, '');
}

export function runOnPty(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number; answers?: Array<{ when: RegExp; send: string }>; cols?: number; rows?: number; cli?: string[] } = {},
): Promise<OnPty> {
  return new Promise((resolve, reject) => {
    const [cols, rows] = [opts.cols ?? 120, opts.rows ?? 40];
    const term = pty.spawn(process.execPath, [...(opts.cli ?? CLI), ...args], {
      name: 'xterm-256color',
      cols,
      rows,
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
    });
    let raw = '';
    const answers = [...(opts.answers ?? [])];
    let answeredUpTo = 0;
    term.onData((d) => {
      raw += d;
      const next = answers[0];
      if (next && next.when.test(plain(raw.slice(answeredUpTo)))) {
        answers.shift();
        answeredUpTo = raw.length;
        term.write(next.send);
      }
    });
    const timer = setTimeout(() => {
      term.kill('SIGKILL');
      reject(new Error(`tendril ${args.join(' ')} did not end; screen:\n${plain(raw)}`));
    }, opts.timeout ?? 90_000);
    term.onExit(({ exitCode, signal }) => {
      clearTimeout(timer);
      // node-pty can report the exit before the last output: let it drain.
      setTimeout(() => {
        screenOf(raw, cols, rows).then((screen) => resolve({ code: exitCode, signal: signal || undefined, raw, text: plain(raw), screen }), reject);
      }, 100);
    });
  });
}
