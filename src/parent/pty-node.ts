// The node-pty PTY backend (master only: node-pty is a native addon, it cannot travel to a
// target). prompt mode opens a PTY pair and starts the program in a new session whose shell
// opens the PTY's slave first, which makes it the session's controlling terminal: the program
// (sudo, doas, ssh) asks for its password there, while its stdin/stdout/stderr stay pipes.
// full mode is node-pty's own spawn: the program's stdio is the PTY.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, write, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { ReadStream } from 'node:tty';
import { tieRef, type PtyBackend, type PtyProcess } from './pty.js';

interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}
interface IPty {
  pid: number;
  onData(cb: (d: Buffer | string) => void): void;
  onExit(cb: (e: { exitCode: number; signal?: number }) => void): void;
  write(d: Buffer | string): void;
  kill(signal?: string): void;
  pause(): void;
  resume(): void;
}
interface NodePty {
  native: NativePty;
  spawn(file: string, args: string[], opts: Record<string, unknown>): IPty;
}

/** Why node-pty did not load (set by loadNodePty). */
let loadFailure = 'not tried';

/**
 * node-pty, or null when it is not installed or does not load here. It is an optional
 * dependency (it compiles from source): required only when a PTY is first needed.
 */
export function loadNodePty(): NodePty | null {
  try {
    const pty = createRequire(import.meta.url)('node-pty') as NodePty;
    if (pty.native && typeof pty.native.open === 'function') return pty;
    loadFailure = 'it loaded without its native part';
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    loadFailure = err.code === 'MODULE_NOT_FOUND' && /'node-pty'/.test(err.message) ? 'it is not installed' : (err.message.split('\n')[0] ?? String(e));
  }
  return null;
}

/**
 * The backend when neither node-pty nor util-linux `script` is there: a launch that needs a
 * PTY (a password asked on a terminal) fails at once with the ways to fix it.
 */
export function missingPtyBackend(): PtyBackend {
  return {
    name: 'none',
    start(_mode, argv) {
      throw new Error(
        `${argv[0]} needs a terminal (PTY) here, and none can be made: node-pty did not load (${loadFailure}) and util-linux \`script\` is not on PATH. ` +
          'Fix: `npm install node-pty` (`npm rebuild node-pty` when it is installed but not built: an optional dependency of tendril that compiles, so it needs python3, make and a C++ compiler), or install util-linux (`apt-get install util-linux`).',
      );
    },
  };
}

const SIGNALS: Record<number, NodeJS.Signals> = { 1: 'SIGHUP', 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' };

export function nodePtyBackend(pty: NodePty): PtyBackend {
  return {
    name: 'node-pty',
    start(mode, argv, env) {
      return mode === 'full' ? full(pty, argv, env) : prompt(pty, argv, env);
    },
  };
}

function prompt(pty: NodePty, argv: string[], env: NodeJS.ProcessEnv): PtyProcess {
  const t = pty.native.open(80, 24);
  const master = new ReadStream(t.master);
  master.on('error', () => undefined); // EIO once the last process on the PTY is gone
  const input = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        writeSync(t.master, chunk);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
  // `exec 9<>PTY` in a session leader without a terminal acquires it; the program inherits it.
  const proc = spawn('/bin/sh', ['-c', 'exec 9<>"$0" && exec "$@" 9<&-', t.pty, ...argv], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
    detached: true,
  });
  // Our copy of the slave only keeps the master readable until the program has it open; the
  // master stays open as long as the program lives (closing it would hang up its session).
  const release = (): void => {
    for (const fd of [t.slave]) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    master.destroy();
  };
  proc.on('exit', release);
  proc.on('error', release);
  tieRef(proc, [master]);
  return { proc, stdin: proc.stdin!, stdout: proc.stdout!, stderr: proc.stderr, terminal: { output: master, input } };
}

function full(pty: NodePty, argv: string[], env: NodeJS.ProcessEnv): PtyProcess {
  const term = pty.spawn(argv[0]!, argv.slice(1), { name: 'dumb', cols: 80, rows: 24, env: { ...env, NO_COLOR: '1' }, encoding: null });
  const output = new PassThrough();
  term.onData((d) => {
    if (!output.write(d)) {
      term.pause();
      output.once('drain', () => term.resume());
    }
  });
  let exited = false;
  // Our own writes on the PTY master: backpressure (node-pty's queue has none), and no EBADF
  // printed by node-pty when the target is gone with data still queued.
  const fd = (term as unknown as { _fd?: number })._fd;
  const input = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (fd === undefined) {
        if (!exited) term.write(chunk);
        cb();
        return;
      }
      let at = 0;
      const step = (): void => {
        if (exited) return cb();
        write(fd, chunk, at, chunk.length - at, null, (err, n) => {
          if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') return void setTimeout(step, 1);
          if (err) return cb(exited ? null : err);
          at += n;
          if (at < chunk.length) step();
          else cb();
        });
      };
      step();
    },
  });
  const proc = Object.assign(new EventEmitter(), {
    pid: term.pid,
    exitCode: null as number | null,
    signalCode: null as NodeJS.Signals | null,
    stdout: null,
    stderr: null,
    kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
      try {
        term.kill(typeof signal === 'number' ? SIGNALS[signal] : signal);
      } catch {
        return false;
      }
      return true;
    },
    // node-pty's socket on the PTY master: the only handle of the launch.
    ref(): void {
      (term as unknown as { _socket?: { ref(): void } })._socket?.ref();
    },
    unref(): void {
      (term as unknown as { _socket?: { unref(): void } })._socket?.unref();
    },
  });
  term.onExit(({ exitCode, signal }) => {
    exited = true;
    proc.exitCode = signal ? null : exitCode;
    proc.signalCode = signal ? (SIGNALS[signal] ?? 'SIGKILL') : null;
    output.end();
    proc.emit('exit', proc.exitCode, proc.signalCode);
    proc.emit('close', proc.exitCode, proc.signalCode);
  });
  return { proc: proc as unknown as ChildProcess, stdin: input, stdout: output as Readable, stderr: null, terminal: { output, input } };
}
