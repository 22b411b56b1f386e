// `ctx.with(opts)`: the same context, with call options applied to everything called through
// it. A view holds the options and hands each call to the options path (call-options.ts);
// a feature that calls (streams, shell, services) adds its method here as well as on Context.
import type { Context } from './context.js';
import { CallChain, type ChainOptions } from './call-chain.js';
import { callAsyncWith, callNoReplyWith, callWith, mergeCallOptions, type CallOptions } from './call-options.js';
import type { Receiver } from '../messaging/receiver.js';
import { normalizeModuleSpec } from './module-spec.js';
import { remoteModule, type RemoteModule } from './remote-module.js';
import { startStream, type RemoteStream } from './remote-stream.js';
import { execIn, spawnIn } from './shell-client.js';
import { callServiceWith, serviceProxy, type ServiceProxy } from './service-client.js';
import type { ExecOptions, ExecResult, ShellCommand, ShellOutput, SpawnOptions, SpawnedProcess } from './shell-types.js';

/** A view of a context whose calls use some {@link CallOptions} (made by `ctx.with(opts)`). */
export class CallView {
  /** @internal Made by {@link Context.with} and {@link CallView.with}. */
  constructor(
    /** The context every call of the view goes to. */
    readonly context: Context,
    /** The options its calls use (frozen). */
    readonly options: Readonly<CallOptions>,
  ) {}

  /** Its context's name. */
  get name(): string {
    return this.context.name;
  }

  /** A view with `opts` on top of these (values replace; signals combine: either aborts). */
  with(opts: CallOptions): CallView {
    return new CallView(this.context, mergeCallOptions(this.options, opts));
  }

  /** Like {@link Context.call}, with the view's options. */
  call(module: string | URL, fn: string, ...args: unknown[]): Promise<unknown> {
    return callWith(this.context, null, module, fn, args, this.options);
  }

  /**
   * Like {@link Context.callAsync}, with the view's options: on a timeout or abort the
   * receiver ends with a dead message saying so (get() rejects with a ChannelError).
   */
  callAsync(module: string | URL, fn: string, ...args: unknown[]): Receiver {
    return callAsyncWith(this.context, null, module, fn, args, this.options);
  }

  /** Like {@link Context.callNoReply}; the timeout becomes the callee's deadline, an abort still reaches it. */
  callNoReply(module: string | URL, fn: string, ...args: unknown[]): void {
    callNoReplyWith(this.context, null, module, fn, args, this.options);
  }

  /** A typed proxy whose calls use the view's options (and `opts` on top). */
  import<T>(module: string | URL, opts?: CallOptions): RemoteModule<T> {
    normalizeModuleSpec(module);
    return remoteModule<T>(opts === undefined ? this : this.with(opts), module);
  }

  /** Like {@link Context.stream}, with the view's options (timeout and signal end the stream; highWaterMark). */
  stream<V = unknown>(module: string | URL, fn: string, ...args: unknown[]): RemoteStream<V> {
    return startStream<V>(this.context, module, fn, args, this.options);
  }

  /** Like {@link Context.exec}; the view's timeout and signal apply (those of `opts` on top). */
  exec<O extends ExecOptions = {}>(command: ShellCommand, opts?: O): Promise<ExecResult<ShellOutput<O>>> {
    return execIn(this.context, this.options, command, opts) as Promise<ExecResult<ShellOutput<O>>>;
  }

  /** Like {@link Context.spawn}; the view's timeout and signal apply (those of `opts` on top). */
  spawn<O extends SpawnOptions = {}>(command: ShellCommand, opts?: O): SpawnedProcess<ShellOutput<O>> {
    return spawnIn(this.context, this.options, command, opts) as SpawnedProcess<ShellOutput<O>>;
  }

  /** Like {@link Context.callService}, with the view's options. */
  callService(module: string | URL, className: string, method: string, ...args: unknown[]): Promise<unknown> {
    return callServiceWith(this.context, this.options, module, className, method, args);
  }

  /** Like {@link Context.service}: a typed service proxy whose calls use the view's options. */
  service<S>(module: string | URL, className: string): ServiceProxy<S> {
    normalizeModuleSpec(module);
    return serviceProxy<S>(this.context, this.options, module, className);
  }

  /** A chain whose calls use the view's options (see {@link Context.chain}). */
  chain(opts: ChainOptions = {}): CallChain {
    return new CallChain(this.context, opts, this.options);
  }

  /** `CallView(Context(id, 'name'), {timeout})`, for logs. */
  toString(): string {
    const keys = Object.keys(this.options).join(', ');
    return `CallView(${this.context.toString()}, {${keys}})`;
  }
}
