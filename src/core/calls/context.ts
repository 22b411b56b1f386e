import { Observable } from 'rxjs';
import { WIRE_REF, type WireRef } from '../wire/codec.js';
import { CallChain, type ChainOptions } from './call-chain.js';
import { encodeCall } from './call-message.js';
import { ChannelError } from '../errors.js';
import type { Message } from '../messaging/message.js';
import { normalizeModuleSpec } from './module-spec.js';
import { CALL_FUNCTION, FORWARD_MODULE, NO_REPLY } from '../wire/protocol.js';
import { Receiver, callReceiver } from '../messaging/receiver.js';
import { CallView } from './call-view.js';
import { NO_OPTIONS, callAsyncWith, callNoReplyWith, callWith, mergeCallOptions, type CallOptions } from './call-options.js';
import { remoteModule, type RemoteModule } from './remote-module.js';
import { startStream, type RemoteStream } from './remote-stream.js';
import { execIn, spawnIn } from './shell-client.js';
import type { ExecOptions, ExecResult, ShellCommand, ShellOutput, SpawnOptions, SpawnedProcess } from './shell-types.js';
import type { CoreRouter } from '../routing/router.js';
import { callServiceWith, serviceProxy, type ServiceProxy } from './service-client.js';
import { filesOf, type ContextFiles } from './files-hook.js';

/**
 * Where a context is in its lifecycle: being connected to, receiving its payload, running,
 * shutting down (draining), or dead (terminal).
 */
export type ContextState = 'connecting' | 'bootstrapping' | 'running' | 'draining' | 'dead';

/** Options of {@link Context.shutdown}. */
export interface ShutdownOptions {
  /** Resolve only once the context is dead (default false). */
  wait?: boolean;
}

// Only routers move a context's lifecycle: these functions are not members of the public
// Context (and src/index.ts does not export them).
let lifecycle: {
  setState(ctx: Context, s: ContextState): void;
  markDead(ctx: Context, reason: string): void;
};

/** Moves `ctx` to `state`, as its lifecycle machine moved (the router). Dead is terminal. */
export function setContextState(ctx: Context, state: ContextState): void {
  lifecycle.setState(ctx, state);
}

/** Records why `ctx` died and moves it to dead (the router). The first reason stays. */
export function markContextDead(ctx: Context, reason: string): void {
  lifecycle.markDead(ctx, reason);
}

/** A handle on another (or this) context: call its functions, send it messages. */
export class Context {
  private currentState: ContextState = 'running';
  private reasonDead: string | null = null;
  private listeners: Set<(s: ContextState) => void> | null = null;

  /** @internal Contexts are made by routers (one per id per router), never by users. */
  constructor(
    /** The router this handle belongs to (the one its calls leave from). */
    readonly router: CoreRouter,
    /** The context's id, unique in the whole tree (the master is 0). */
    readonly id: number,
    /** Its name: given in the options, or made from the method and target (`ssh.web1`, `local.3`). */
    readonly name: string,
  ) {}

  /** The current lifecycle state (see {@link state$}). */
  get state(): ContextState {
    return this.currentState;
  }

  /**
   * Why the context died, in words a person can act on (null while alive): `exited with code
   * 7`, `killed by SIGKILL`, `uncaught TypeError: boom (tasks.ts:12)` (the child reports its
   * uncaught errors before it dies, with the source line of served modules), `no heartbeat
   * from web for 15000 ms`, `parent context 'bastion' died: <its reason>`, `shutdown requested`.
   * Calls pending on the context reject with a ChannelError carrying the same words.
   */
  get deadReason(): string | null {
    return this.reasonDead;
  }

  /** Lifecycle as an observable: emits the current state, then every change; completes at dead. */
  get state$(): Observable<ContextState> {
    return new Observable<ContextState>((sub) => {
      sub.next(this.currentState);
      if (this.currentState === 'dead') {
        sub.complete();
        return undefined;
      }
      const fn = (s: ContextState): void => {
        sub.next(s);
        if (s === 'dead') sub.complete();
      };
      (this.listeners ??= new Set()).add(fn);
      return () => this.listeners?.delete(fn);
    });
  }

  private setState(s: ContextState): void {
    if (this.currentState === 'dead' || this.currentState === s) return;
    this.currentState = s;
    if (this.listeners) for (const fn of [...this.listeners]) fn(s);
    this.router.states.emit(this, s);
  }

  private markDead(reason: string): void {
    if (this.currentState === 'dead') return;
    this.reasonDead = reason;
    this.setState('dead');
  }

  static {
    lifecycle = { setState: (ctx, s) => ctx.setState(s), markDead: (ctx, reason) => ctx.markDead(reason) };
  }

  // ---- calls ----
  /**
   * Calls `module#fn(...args)` in this context; one reply, for Select or manual waiting.
   * `module`: a builtin (`node:os`), an absolute path or `file:` URL on the master, or a bare
   * package name resolved from the master's working directory.
   */
  callAsync(module: string | URL, fn: string, ...args: unknown[]): Receiver {
    return callAsyncWith(this, null, module, fn, args, NO_OPTIONS);
  }

  /** @internal `limit`: the call may be cancelled (ms allowed, or null); see call-message.ts. */
  callInChain(chainId: string | null, module: string | URL, fn: string, args: unknown[], limit?: number | null): Receiver {
    const data = encodeCall(chainId, module, fn, args, limit);
    const receiver = callReceiver(this.router, this.id, module, fn);
    this.router.sendFrame(this.id, CALL_FUNCTION, data, receiver.handle);
    return receiver;
  }

  /** Calls `module#fn(...args)` in this context and resolves with its (awaited) result. */
  call(module: string | URL, fn: string, ...args: unknown[]): Promise<unknown> {
    return callWith(this, null, module, fn, args, NO_OPTIONS);
  }

  /**
   * Calls without waiting for, or receiving, any reply.
   * @throws ChannelError when the stream the call leaves on already holds its bound of bytes
   * not yet written, max(64 MiB, 2 × maxMessageSize): the receiver is not reading (frozen,
   * overloaded). Nothing is queued then; a later call may pass once it reads again.
   */
  callNoReply(module: string | URL, fn: string, ...args: unknown[]): void {
    callNoReplyWith(this, null, module, fn, args, NO_OPTIONS);
  }

  /**
   * A typed proxy: `ctx.import<typeof import('node:os')>('node:os').hostname()`; its calls
   * use `opts` (see {@link Context.with}).
   */
  import<T>(module: string | URL, opts?: CallOptions): RemoteModule<T> {
    normalizeModuleSpec(module);
    return remoteModule<T>(opts === undefined ? this : this.with(opts), module);
  }

  /**
   * This context with call options: `ctx.with({ timeout: 300 }).call(...)`. A timeout
   * rejects with a TimeoutError naming `module#fn` and the context, an abort with
   * `signal.reason`; either way the callee's `currentCall().signal` aborts.
   */
  with(opts: CallOptions): CallView {
    return new CallView(this, mergeCallOptions(NO_OPTIONS, opts));
  }

  /**
   * Calls `module#fn(...args)`, a function returning an async iterable (an async generator, a
   * Readable), and streams its values back under flow control (see {@link RemoteStream};
   * `ctx.with({ highWaterMark })` sets how far the producer may run ahead, default 64).
   */
  stream<V = unknown>(module: string | URL, fn: string, ...args: unknown[]): RemoteStream<V> {
    return startStream<V>(this, module, fn, args, NO_OPTIONS);
  }

  /**
   * Runs a shell command in this context (a string under `/bin/sh -c`, an array without a
   * shell) and resolves with `{ code, signal, stdout, stderr }` whatever the exit code.
   * A timeout or abort kills the command's process group. Other calls run meanwhile.
   */
  exec<O extends ExecOptions = {}>(command: ShellCommand, opts?: O): Promise<ExecResult<ShellOutput<O>>> {
    return execIn(this, NO_OPTIONS, command, opts) as Promise<ExecResult<ShellOutput<O>>>;
  }

  /** Starts a command in this context whose output streams back as it comes ({@link SpawnedProcess}). */
  spawn<O extends SpawnOptions = {}>(command: ShellCommand, opts?: O): SpawnedProcess<ShellOutput<O>> {
    return spawnIn(this, NO_OPTIONS, command, opts) as SpawnedProcess<ShellOutput<O>>;
  }

  /**
   * Calls `method(...args)` of the service class `className` exported by `module` in this
   * context (one instance per context, created on the first permitted call). Unexposed
   * methods, refused callers and unknown services reject with a CallError naming them.
   */
  callService(module: string | URL, className: string, method: string, ...args: unknown[]): Promise<unknown> {
    return callServiceWith(this, NO_OPTIONS, module, className, method, args);
  }

  /** A typed proxy of a service: `ctx.service<typeof Inventory>(url, 'Inventory').facts()`. */
  service<S>(module: string | URL, className: string): ServiceProxy<S> {
    normalizeModuleSpec(module);
    return serviceProxy<S>(this, NO_OPTIONS, module, className);
  }

  /** File transfer with this context (master only): `ctx.files.put(local, remote)`, `get(remote, local)`. */
  get files(): ContextFiles {
    return filesOf(this);
  }

  /** Calls sharing one failure state when `pipelined` (see CallChain). */
  chain(opts: ChainOptions = {}): CallChain {
    return new CallChain(this, opts);
  }

  /**
   * Sends these modules and their static graphs to this context ahead of use: it fetches
   * them through its parent (each intermediate on the way keeps them for its subtree), so a
   * fan-out below it costs one transfer of the code over each link. Rejects with a
   * CallError naming the module that cannot be served (missing, refused by importPolicy).
   */
  async forwardModules(modules: readonly (string | URL)[]): Promise<void> {
    const specifiers = modules.map((m) => normalizeModuleSpec(m));
    // The master serves its own code: nothing to hold.
    if (this.id === 0) return;
    await this.sendAwait({ handle: FORWARD_MODULE, data: specifiers });
  }

  // ---- messages ----
  /** Sends a value to `handle` in this context; no reply expected. */
  send(msg: { handle: number; data?: unknown; replyTo?: number }): void {
    this.router.sendValue(this.id, msg.handle, msg.data, msg.replyTo ?? NO_REPLY);
  }

  /** Sends and returns the receiver of the reply (one reply unless `persist`). */
  sendAsync(msg: { handle: number; data?: unknown }, opts: { persist?: boolean } = {}): Receiver {
    const receiver = new Receiver(this.router, { persist: opts.persist ?? false, respondent: this });
    this.router.sendValue(this.id, msg.handle, msg.data, receiver.handle);
    return receiver;
  }

  /** Sends and resolves with the decoded reply. */
  async sendAwait(msg: { handle: number; data?: unknown }, opts: { timeout?: number } = {}): Promise<unknown> {
    const receiver = this.sendAsync(msg);
    try {
      const reply: Message = await receiver.get(opts);
      return reply.decode();
    } finally {
      // A timed-out wait must not leave its reply handler behind.
      receiver.close();
    }
  }

  /** Asks the context to shut down (it drains, then exits). */
  async shutdown(opts: ShutdownOptions = {}): Promise<void> {
    await this.router.shutdownContext(this, opts);
  }

  /** Resolves when the context is dead. */
  whenDead(): Promise<void> {
    if (this.currentState === 'dead') return Promise.resolve();
    return new Promise((resolve) => {
      const fn = (s: ContextState): void => {
        if (s !== 'dead') return;
        this.listeners?.delete(fn);
        resolve();
      };
      (this.listeners ??= new Set()).add(fn);
    });
  }

  /** Throws ChannelError if the context is known to be dead. */
  assertAlive(): void {
    if (this.currentState === 'dead') throw new ChannelError(`context ${this.name} is dead: ${this.reasonDead}`);
  }

  /** @internal How a Context travels as a value. */
  [WIRE_REF](): WireRef {
    return { kind: 'context', id: this.id, name: this.name };
  }

  /** `Context(id, 'name')`, for logs. */
  toString(): string {
    return `Context(${this.id}, '${this.name}')`;
  }
}
