// The module `tendril:shell`, built into every context's dispatcher: runs commands for
// ctx.exec() and ctx.spawn() with child_process, asynchronously (other calls run meanwhile).
// Each command leads its own process group (detached), so a timeout, an abort, the caller's
// death or a cancelled spawn kills the whole group, not just the shell.
import { spawn as spawnProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { currentCall } from './current.js';

/** The spec calls name the module with. */
export const SHELL_MODULE = 'tendril:shell';

interface WireOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string | Uint8Array;
  encoding?: 'utf8' | 'buffer';
}

type Output = string | Uint8Array;
/** What a spawn streams: `[1, chunk]` stdout, `[2, chunk]` stderr, last `[0, code, signal]`. */
export type SpawnChunk = [1 | 2, Output] | [0, number | null, string | null];

function start(command: unknown, opts: WireOptions): ChildProcessWithoutNullStreams {
  let file: string;
  let args: string[];
  if (typeof command === 'string') {
    file = '/bin/sh';
    args = ['-c', command];
  } else if (Array.isArray(command) && command.length > 0 && command.every((a) => typeof a === 'string')) {
    [file, ...args] = command as string[];
  } else {
    throw new TypeError('a command is a string (run by /bin/sh -c) or a non-empty array of strings');
  }
  const env = opts.env === undefined ? process.env : { ...process.env, ...opts.env };
  const child = spawnProcess(file!, args, { cwd: opts.cwd, env, detached: true, stdio: 'pipe' });
  child.stdin.on('error', () => {}); // EPIPE when the command does not read its input
  if (opts.encoding !== 'buffer') {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
  }
  return child;
}

/** Sends `signal` to the command's whole process group (it leads one). */
function killGroup(child: ChildProcessWithoutNullStreams, signal: string | number): void {
  // Even after the shell exited: what it left behind in its group still runs.
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal as NodeJS.Signals);
    } catch {
      // gone already
    }
  }
}

const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function joined(chunks: Output[], encoding: WireOptions['encoding']): Output {
  if (encoding !== 'buffer') return (chunks as string[]).join('');
  return asBytes(Buffer.concat(chunks as Uint8Array[]));
}

/** Runs a command to its end: `{ code, signal, stdout, stderr }` whatever the exit code. */
export function exec(command: unknown, opts: WireOptions = {}): Promise<{ code: number | null; signal: string | null; stdout: Output; stderr: Output }> {
  const { signal } = currentCall();
  return new Promise((resolve, reject) => {
    const child = start(command, opts);
    const out: Output[] = [];
    const err: Output[] = [];
    const onData = (into: Output[]) => (c: string | Buffer): void => void into.push(typeof c === 'string' ? c : asBytes(c));
    child.stdout.on('data', onData(out));
    child.stderr.on('data', onData(err));
    const onAbort = (): void => killGroup(child, 'SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ code, signal: sig, stdout: joined(out, opts.encoding), stderr: joined(err, opts.encoding) });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Spawned commands by caller id and the caller's own id for them (write, end, kill find them). */
const running = new Map<string, ChildProcessWithoutNullStreams>();
const keyOf = (id: string): string => `${currentCall().caller.id}/${id}`;

/** Chunks buffered before the process's output is paused (the stream's credit does the rest). */
const PAUSE_AT = 16;

/** The output of one spawned command as an async iterator, pausing the pipes while it is not read. */
class ProcessOutput implements AsyncIterableIterator<SpawnChunk> {
  private readonly queue: SpawnChunk[] = [];
  private wake: (() => void) | null = null;
  private closed = false;
  private failure: Error | null = null;
  private paused = false;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly key: string,
  ) {
    child.stdout.on('data', (c: string | Buffer) => this.push([1, typeof c === 'string' ? c : asBytes(c)]));
    child.stderr.on('data', (c: string | Buffer) => this.push([2, typeof c === 'string' ? c : asBytes(c)]));
    child.on('error', (e) => {
      this.failure = e;
      this.finish();
    });
    child.on('close', (code, sig) => {
      this.queue.push([0, code, sig]);
      this.finish();
    });
  }

  private push(chunk: SpawnChunk): void {
    this.queue.push(chunk);
    if (!this.paused && this.queue.length >= PAUSE_AT) {
      this.paused = true;
      this.child.stdout.pause();
      this.child.stderr.pause();
    }
    this.wake?.();
  }

  private finish(): void {
    this.closed = true;
    if (running.get(this.key) === this.child) running.delete(this.key);
    this.wake?.();
  }

  async next(): Promise<IteratorResult<SpawnChunk>> {
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk !== undefined) {
        if (this.paused && this.queue.length < PAUSE_AT / 2) {
          this.paused = false;
          this.child.stdout.resume();
          this.child.stderr.resume();
        }
        return { value: chunk, done: false };
      }
      if (this.failure !== null) throw this.failure;
      if (this.closed) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  /** The consumer stopped (cancel, death, timeout): the whole group is killed. */
  async return(): Promise<IteratorResult<SpawnChunk>> {
    if (!this.closed) killGroup(this.child, 'SIGKILL');
    this.queue.length = 0;
    this.finish();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Starts a command whose output streams back (ctx.spawn()); `id` names it for write/end/kill. */
export function spawn(command: unknown, opts: WireOptions, id: string): AsyncIterableIterator<SpawnChunk> {
  const key = keyOf(id);
  const child = start(command, opts);
  running.set(key, child);
  const output = new ProcessOutput(child, key);
  if (opts.input !== undefined) child.stdin.end(opts.input);
  return output;
}

function find(id: string): ChildProcessWithoutNullStreams {
  const child = running.get(keyOf(id));
  if (child === undefined) throw new Error(`no running command ${id} started by this caller`);
  return child;
}

/** Writes to a spawned command's stdin. */
export function write(id: string, data: string | Uint8Array): Promise<void> {
  const child = find(id);
  return new Promise((resolve, reject) => child.stdin.write(data, (e) => (e ? reject(e) : resolve())));
}

/** Closes a spawned command's stdin. */
export function end(id: string): Promise<void> {
  const child = find(id);
  return new Promise((resolve) => child.stdin.end(resolve));
}

/** Signals a spawned command's process group. */
export function kill(id: string, signal: string | number = 'SIGTERM'): void {
  killGroup(find(id), signal);
}
