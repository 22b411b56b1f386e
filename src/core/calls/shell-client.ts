// ctx.exec() and ctx.spawn() on the caller's side: exec is a plain call of `tendril:shell`,
// spawn a stream of its output chunks (with credit, so a slow subscriber slows the command's
// pipes) plus calls for write/end/kill. Timeouts and aborts are the call options' own.
import { Observable, type Subscriber } from 'rxjs';
import type { Context } from './context.js';
import { ChannelError } from '../errors.js';
import { callWith, mergeCallOptions, type CallOptions } from './call-options.js';
import { startStream } from './remote-stream.js';
import { SHELL_MODULE, type SpawnChunk } from './shell-runner.js';
import type { ExecOptions, ExecResult, ExitStatus, OutputLine, ShellCommand, SpawnOptions, SpawnedProcess } from './shell-types.js';

function checkCommand(command: unknown): void {
  const ok = (typeof command === 'string' && command !== '') || (Array.isArray(command) && command.length > 0 && command.every((a) => typeof a === 'string'));
  if (!ok) throw new TypeError('a command is a non-empty string (run by /bin/sh -c) or a non-empty array of strings [file, ...args]');
}

/** Splits the shell's options into what travels and the call options (timeout, signal). */
function split(base: Readonly<CallOptions>, opts: SpawnOptions): [Omit<SpawnOptions, 'timeout' | 'signal'>, Readonly<CallOptions>] {
  const { timeout, signal, ...rest } = opts;
  const over: CallOptions = {};
  if (timeout !== undefined) over.timeout = timeout;
  if (signal !== undefined) over.signal = signal;
  return [rest, timeout === undefined && signal === undefined ? base : mergeCallOptions(base, over)];
}

/** `ctx.exec()`: runs `command` in `ctx` and resolves with `{ code, signal, stdout, stderr }`. */
export function execIn(ctx: Context, base: Readonly<CallOptions>, command: ShellCommand, opts: ExecOptions = {}): Promise<ExecResult> {
  checkCommand(command);
  const [rest, callOpts] = split(base, opts);
  return callWith(ctx, null, SHELL_MODULE, 'exec', [command, rest], callOpts) as Promise<ExecResult>;
}

let spawned = 0;

/** `ctx.spawn()`: starts `command` in `ctx`; its output streams back. */
export function spawnIn(ctx: Context, base: Readonly<CallOptions>, command: ShellCommand, opts: SpawnOptions = {}): SpawnedProcess {
  checkCommand(command);
  const [rest, callOpts] = split(base, opts);
  // Unique in this process; the callee scopes it by caller.
  const id = `spawn-${process.pid}-${++spawned}`;
  return new RemoteProcess(ctx, id, startStream<SpawnChunk>(ctx, SHELL_MODULE, 'spawn', [command, rest, id], callOpts));
}

/** A hot observable: what is pushed goes to the subscribers of the moment; the end is kept. */
class Hot<T> {
  private readonly subs = new Set<Subscriber<T>>();
  private ended: { error: unknown } | null | undefined = undefined;
  readonly observable = new Observable<T>((sub) => {
    if (this.ended === null) sub.complete();
    else if (this.ended !== undefined) sub.error(this.ended.error);
    else this.subs.add(sub);
    return () => this.subs.delete(sub);
  });

  next(v: T): void {
    for (const s of this.subs) s.next(v);
  }

  error(error: unknown): void {
    this.ended = { error };
    for (const s of this.subs) s.error(error);
    this.subs.clear();
  }

  complete(): void {
    this.ended = null;
    for (const s of this.subs) s.complete();
    this.subs.clear();
  }
}

/** Cuts chunks of one stream into lines. */
class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder();

  constructor(private readonly stream: OutputLine['stream']) {}

  push(chunk: string | Uint8Array, out: Hot<OutputLine>): void {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    for (const line of lines) out.next({ stream: this.stream, line: line.endsWith('\r') ? line.slice(0, -1) : line });
  }

  end(out: Hot<OutputLine>): void {
    const last = this.rest + this.decoder.decode();
    if (last !== '') out.next({ stream: this.stream, line: last });
  }
}

class RemoteProcess implements SpawnedProcess {
  private readonly out = new Hot<string | Uint8Array>();
  private readonly err = new Hot<string | Uint8Array>();
  private readonly lines = new Hot<OutputLine>();
  readonly stdout$: Observable<string | Uint8Array> = this.out.observable;
  readonly stderr$: Observable<string | Uint8Array> = this.err.observable;
  readonly lines$: Observable<OutputLine> = this.lines.observable;
  readonly done: Promise<ExitStatus>;

  constructor(
    private readonly ctx: Context,
    private readonly id: string,
    stream: AsyncIterable<SpawnChunk>,
  ) {
    this.done = this.pump(stream);
    this.done.catch(() => {}); // failures reach the subjects too; nobody must await done
  }

  private async pump(stream: AsyncIterable<SpawnChunk>): Promise<ExitStatus> {
    const splitters = [new LineSplitter('stdout'), new LineSplitter('stderr')] as const;
    let status: ExitStatus | null = null;
    try {
      for await (const chunk of stream) {
        if (chunk[0] === 0) {
          status = { code: chunk[1], signal: chunk[2] };
          continue;
        }
        (chunk[0] === 1 ? this.out : this.err).next(chunk[1]);
        splitters[chunk[0] - 1].push(chunk[1], this.lines);
      }
      if (status === null) throw new ChannelError(`the command ${this.id} in context '${this.ctx.name}' ended without an exit status`);
    } catch (e) {
      for (const s of [this.out, this.err, this.lines]) s.error(e);
      throw e;
    }
    for (const s of splitters) s.end(this.lines);
    for (const s of [this.out, this.err, this.lines]) s.complete();
    return status;
  }

  async write(data: string | Uint8Array): Promise<void> {
    await this.ctx.call(SHELL_MODULE, 'write', this.id, data);
  }

  async end(): Promise<void> {
    await this.ctx.call(SHELL_MODULE, 'end', this.id);
  }

  async kill(signal: string | number = 'SIGTERM'): Promise<void> {
    await this.ctx.call(SHELL_MODULE, 'kill', this.id, signal);
  }

  /** `SpawnedProcess(id in context 'name')`, for logs. */
  toString(): string {
    return `SpawnedProcess(${this.id} in context '${this.ctx.name}')`;
  }
}
