// PTYs for the tools that insist on a terminal. Two shapes (notes/child-io.md):
//  - prompt: the PTY is only the controlling terminal, where the tool asks for its password;
//    the data stays on plain pipes (the program's stdin/stdout), byte-exact and fast;
//  - full: the program runs entirely on the PTY and the data goes through it (the command
//    makes it raw and no-echo before node starts).
// Two backends: node-pty (registered by the master, where the npm package is installed) and
// util-linux `script` (anywhere it exists: what an intermediate context uses, since a native
// addon cannot travel to a target). PTYs are scarce: callers use one only when needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { shellQuote } from './shell-quote.js';

/** A program started with a PTY. */
export interface PtyProcess {
  proc: ChildProcess;
  /** prompt: the program's stdin/stdout/stderr (pipes). full: the PTY itself (stdout = stdin's peer). */
  stdin: Writable;
  stdout: Readable;
  /** The program's stderr (prompt), or the backend's own error output (full), if any. */
  stderr: Readable | null;
  /** The terminal: what the program shows on it and what we type into it. */
  terminal: { output: Readable; input: Writable };
}

export interface PtyBackend {
  name: string;
  start(mode: 'prompt' | 'full', argv: string[], env: NodeJS.ProcessEnv): PtyProcess;
}

/** util-linux script: `script -qec CMD /dev/null` runs CMD on a new PTY, copying it to its stdio. */
export const scriptBackend: PtyBackend = {
  name: 'script',
  start(mode, argv, env) {
    const scriptEnv = { ...env, SHELL: '/bin/sh' };
    if (mode === 'full') {
      // script waits for its command even when its stdin is gone, and the command only sees
      // the PTY: if this process died, nothing would tell it. Die with us (setpriv, util-linux):
      // the PTY then hangs up and the command ends.
      hasSetpriv ??= onPath('setpriv');
      const [cmd, ...args] = [...(hasSetpriv ? ['setpriv', '--pdeathsig', 'KILL', '--'] : []), 'script', '-qec', shellQuote(argv), '/dev/null'];
      const proc = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'], env: scriptEnv });
      return { proc, stdin: proc.stdin!, stdout: proc.stdout!, stderr: proc.stderr, terminal: { output: proc.stdout!, input: proc.stdin! } };
    }
    // fds 3/4/5 pass through script to the command (they are not close-on-exec in script).
    const proc = spawn('script', ['-qec', `${shellQuote(argv)} <&3 >&4 2>&5`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: scriptEnv,
    });
    const io = proc.stdio as unknown as [Writable, Readable, Readable, Writable, Readable, Readable];
    tieRef(proc, [io[5] as unknown as Refable]);
    return { proc, stdin: io[3], stdout: io[4], stderr: io[5], terminal: { output: io[1], input: io[0] } };
  },
};

let hasSetpriv: boolean | undefined;

/** Whether a program is on this process's PATH. */
export function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, program)));
}

let backend: PtyBackend = scriptBackend;

/** The master installs node-pty here when it can load it. */
export function setPtyBackend(b: PtyBackend): void {
  backend = b;
}

export function ptyBackend(): PtyBackend {
  return backend;
}

export type Refable = { ref?(): unknown; unref?(): unknown } | null | undefined;

/** Makes proc.ref()/unref() (what ChildSet calls) also apply to other handles of the launch. */
export function tieRef(proc: ChildProcess, handles: Refable[]): void {
  const ref = proc.ref.bind(proc);
  const unref = proc.unref.bind(proc);
  proc.ref = () => {
    ref();
    for (const h of handles) h?.ref?.();
  };
  proc.unref = () => {
    unref();
    for (const h of handles) h?.unref?.();
  };
}
