import type { Context } from './context.js';
import { FORGET_CHAIN, NO_REPLY } from '../wire/protocol.js';
import type { Receiver } from '../messaging/receiver.js';
import { remoteModule, type RemoteModule } from './remote-module.js';
import { encode } from '../wire/codec.js';
import { NO_OPTIONS, callAsyncWith, callNoReplyWith, callWith, type CallOptions } from './call-options.js';

/** Options of {@link Context.chain}. */
export interface ChainOptions {
  /**
   * Calls share a failure state in the target: once one fails, every later call in the chain
   * fails with the same CallError until reset(). Calls in a chain run one after another there.
   * A call the caller gives up on (timeout, abort) counts as failed, even if it completes:
   * later calls fail with a CallError of type TimeoutError or AbortError (ChannelError when
   * the caller died) until reset(); one still queued behind an earlier call never runs.
   */
  pipelined?: boolean;
}

let chainCounter = 0;

/** A sequence of calls to one context; with `pipelined`, a failure sticks until reset(). */
export class CallChain {
  private chainId: string | null;

  /** Made by {@link Context.chain}. */
  constructor(
    /** The context every call of the chain goes to. */
    readonly context: Context,
    private readonly opts: ChainOptions,
    /** The options of every call of the chain (from a {@link Context.with} view). */
    private readonly callOptions: Readonly<CallOptions> = NO_OPTIONS,
  ) {
    this.chainId = this.newId();
  }

  private newId(): string | null {
    if (!this.opts.pipelined) return null;
    return `${this.context.router.myId}.${process.pid}.${++chainCounter}`;
  }

  /** Like {@link Context.callAsync}, as part of this chain. */
  callAsync(module: string | URL, fn: string, ...args: unknown[]): Receiver {
    return callAsyncWith(this.context, this.chainId, module, fn, args, this.callOptions);
  }

  /** Like {@link Context.call}, as part of this chain. */
  call(module: string | URL, fn: string, ...args: unknown[]): Promise<unknown> {
    return callWith(this.context, this.chainId, module, fn, args, this.callOptions);
  }

  /** Sends without a reply; in a pipelined chain a failure still fails the later calls. */
  callNoReply(module: string | URL, fn: string, ...args: unknown[]): void {
    callNoReplyWith(this.context, this.chainId, module, fn, args, this.callOptions);
  }

  /** Like {@link Context.import}: a typed proxy whose calls belong to this chain. */
  import<T>(module: string | URL): RemoteModule<T> {
    return remoteModule<T>(this, module);
  }

  /** Forgets a recorded failure: later calls run again. */
  reset(): void {
    if (this.chainId === null) return;
    this.context.router.sendData(this.context.id, FORGET_CHAIN, encode(this.chainId), NO_REPLY);
    this.chainId = this.newId();
  }
}

