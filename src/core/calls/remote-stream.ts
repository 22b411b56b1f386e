// The consumer's side of a stream (ctx.stream()): sends STREAM_CALL, queues the batches that
// arrive (at most highWaterMark values), gives credit back as values are taken, and tells
// the producer (CANCEL) when the consumer stops, its timeout passes or its signal aborts.
// The end is truthful: a close completes, a CallError or a dead producer fails.
import { Observable, type Subscriber } from 'rxjs';
import type { Context } from './context.js';
import { ChannelError, TendrilError, TimeoutError } from '../errors.js';
import { cancelHandle, type CancelKind, type CancelPayload } from '../handles/cancel.js';
import { streamCallHandle, type StreamCallTuple } from '../handles/stream-call.js';
import type { Message } from '../messaging/message.js';
import { encodeFrameGathered } from '../wire/codec.js';
import { MAX_TIMER_MS, describeReason, limitOf, timeoutOf, type CallOptions } from './call-options.js';
import { normalizeModuleSpec } from './module-spec.js';
import type { RemoteStream } from './remote-stream-type.js';
import type { CoreRouter } from '../routing/router.js';

export type { RemoteStream } from './remote-stream-type.js';

/** The default of `highWaterMark`: values the producer may run ahead of the consumer. */
export const DEFAULT_HIGH_WATER_MARK = 64;

/** Starts `module#fn(...args)` in `ctx` as a stream, with `opts` (timeout, signal, highWaterMark). */
export function startStream<V = unknown>(ctx: Context, module: string | URL, fn: string, args: unknown[], opts: Readonly<CallOptions>): RemoteStream<V> {
  return new RemoteStreamImpl<V>(ctx, module, fn, args, opts);
}

function checkHighWaterMark(v: unknown): number {
  if (v === undefined) return DEFAULT_HIGH_WATER_MARK;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
    throw new TypeError(`highWaterMark must be an integer >= 1 (got ${String(v)})`);
  }
  return v;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

type Ending = { kind: 'ok' } | { kind: 'error'; error: unknown };

class RemoteStreamImpl<V> implements RemoteStream<V> {
  private readonly router: CoreRouter;
  private readonly handle: number;
  private readonly what: string;
  private readonly threshold: number;
  /** The producer's credit handle (the replyTo of its batches); 0 until the first arrives. */
  private control = 0;
  /** Batches not fully taken, and the index of the next value in the first. */
  private readonly batches: unknown[][] = [];
  private head = 0;
  private ungranted = 0;
  /** A value was handed to the iterator's consumer: it counts as consumed at the next next(). */
  private handedOut = false;
  /** How it ended (set once); values still queued are taken first unless it was cancelled. */
  private ending: Ending | null = null;
  private waiter: { resolve(r: IteratorResult<V>): void; reject(e: unknown): void } | null = null;
  private consumer: 'none' | 'iterator' | 'observable' = 'none';
  private subscriber: Subscriber<V> | null = null;
  private observable: Observable<V> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort: (() => void) | undefined;
  private holding = false;

  constructor(
    private readonly ctx: Context,
    module: string | URL,
    fn: string,
    args: unknown[],
    opts: Readonly<CallOptions>,
  ) {
    const router = (this.router = ctx.router);
    const hwm = checkHighWaterMark(opts.highWaterMark);
    this.threshold = Math.max(1, hwm >> 1);
    const spec = normalizeModuleSpec(module);
    if (typeof fn !== 'string' || fn === '') throw new TypeError('the function name of a stream must be a non-empty string');
    this.what = `${spec}#${fn} in context '${ctx.name}'`;
    const timeout = timeoutOf(router, opts);
    const limit = limitOf(timeout);
    const tuple: StreamCallTuple = [spec, fn, args, hwm, limit];
    let frame: Uint8Array | Uint8Array[];
    try {
      frame = encodeFrameGathered(tuple, 'call');
    } catch (e) {
      if (e instanceof TypeError) e.message = e.message.replace(/call\[2\]/, 'args');
      throw e;
    }
    this.handle = router.addHandler((m) => this.onMessage(m), { respondent: ctx });
    router.delivery.noteCall(this.handle, module, fn); // router.dump() lists open streams with the calls
    this.signal = opts.signal;
    if (this.signal?.aborted) {
      this.ending = { kind: 'error', error: this.signal.reason };
      router.delHandler(this.handle);
      return;
    }
    router.sendFrame(ctx.id, streamCallHandle.id, frame, this.handle);
    if (timeout !== undefined) {
      this.timer = setTimeout(() => this.giveUp('timeout', new TimeoutError(`${this.what} timed out after ${timeout} ms`)), Math.min(timeout, MAX_TIMER_MS));
      this.timer.unref?.();
    }
    if (this.signal !== undefined) {
      const signal = this.signal;
      this.onAbort = () => this.giveUp('abort', signal.reason);
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  // ---- arrivals ----
  private onMessage(m: Message): void {
    if (this.ending !== null) return;
    if (m.isDead) {
      if (m.isClose) return this.end({ kind: 'ok' }, false);
      return this.end({ kind: 'error', error: new ChannelError(m.deadReason) }, false);
    }
    let batch: unknown;
    try {
      batch = m.decode(); // a CallError (the producer threw) throws here
    } catch (e) {
      return this.end({ kind: 'error', error: e }, false);
    }
    if (!Array.isArray(batch)) return this.end({ kind: 'error', error: new ChannelError(`${this.what}: malformed stream message`) }, false);
    this.control = m.replyTo;
    if (this.subscriber !== null) return this.emit(batch);
    this.batches.push(batch);
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      this.release();
      w.resolve({ value: this.take(), done: false });
    }
  }

  /** Values to the observable's subscriber, each one consumed once it returns. */
  private emit(batch: unknown[]): void {
    const sub = this.subscriber!;
    for (let i = 0; i < batch.length; i++) {
      if (this.subscriber !== sub) return;
      sub.next(batch[i] as V);
      this.consumed();
    }
  }

  private take(): V {
    const first = this.batches[0]!;
    const v = first[this.head++];
    if (this.head >= first.length) {
      this.batches.shift();
      this.head = 0;
    }
    this.handedOut = true;
    return v as V;
  }

  /** One value consumed: credit goes back once enough have been. */
  private consumed(): void {
    if (++this.ungranted < this.threshold || this.ending !== null || this.control === 0) return;
    const n = this.ungranted;
    this.ungranted = 0;
    try {
      this.router.sendValue(this.ctx.id, this.control, n);
    } catch (e) {
      this.end({ kind: 'error', error: e }, true);
    }
  }

  // ---- endings ----
  /** Ends the stream; `tell`: the producer still runs and must be told (CANCEL). */
  private end(ending: Ending, tell: boolean, kind: CancelKind = 'abort', drop = false): void {
    if (this.ending !== null) return;
    this.ending = ending;
    this.router.delHandler(this.handle);
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.signal!.removeEventListener('abort', this.onAbort);
    if (tell) {
      const words = ending.kind === 'error' ? `${this.what}: ${describeReason(ending.error)}` : `${this.what}: the consumer stopped`;
      try {
        const cancel: CancelPayload = [this.handle, kind, words];
        this.router.sendValue(this.ctx.id, cancelHandle.id, cancel);
      } catch (e) {
        this.router.log('debug', `could not send CANCEL to ${this.ctx.name}: ${describeReason(e)}`, 'calls');
      }
    }
    if (drop) {
      this.batches.length = 0;
      this.head = 0;
    }
    const sub = this.subscriber;
    if (sub !== null) {
      this.subscriber = null;
      this.release();
      if (ending.kind === 'ok') sub.complete();
      else sub.error(ending.error);
    }
    const w = this.waiter;
    if (w !== null && this.batches.length === 0) {
      this.waiter = null;
      this.release();
      if (ending.kind === 'ok') w.resolve(DONE);
      else {
        // Thrown once, as next() does: afterwards the iterator is done.
        this.ending = { kind: 'ok' };
        w.reject(ending.error);
      }
    }
  }

  private giveUp(kind: CancelKind, error: unknown): void {
    this.end({ kind: 'error', error }, true, kind, true);
  }

  cancel(reason?: unknown): void {
    this.end(reason === undefined ? { kind: 'ok' } : { kind: 'error', error: reason }, true, 'abort', true);
  }

  // ---- consuming ----
  private claim(as: 'iterator' | 'observable'): void {
    if (this.consumer === as && as === 'iterator') return;
    if (this.consumer !== 'none') throw new TendrilError(`the stream of ${this.what} is already consumed (${this.consumer}): a RemoteStream has one consumer`);
    this.consumer = as;
  }

  private next(): Promise<IteratorResult<V>> {
    if (this.handedOut) {
      this.handedOut = false;
      this.consumed();
    }
    if (this.batches.length > 0) return Promise.resolve({ value: this.take(), done: false });
    const ending = this.ending;
    if (ending !== null) {
      if (ending.kind === 'ok') return Promise.resolve(DONE);
      // The failure is thrown once; afterwards the iterator is done.
      this.ending = { kind: 'ok' };
      return Promise.reject(ending.error);
    }
    if (this.waiter !== null) return Promise.reject(new TendrilError(`${this.what}: next() called again before the previous one settled`));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.hold();
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<V> {
    this.claim('iterator');
    return {
      next: () => this.next(),
      return: () => {
        this.cancel();
        return Promise.resolve(DONE);
      },
      throw: (e: unknown) => {
        this.cancel();
        return Promise.reject(e);
      },
    };
  }

  get values$(): Observable<V> {
    return (this.observable ??= new Observable<V>((sub) => {
      try {
        this.claim('observable');
      } catch (e) {
        sub.error(e);
        return undefined;
      }
      for (const batch of this.batches.splice(0)) {
        for (let i = this.head; i < batch.length; i++) {
          sub.next(batch[i] as V);
          this.consumed();
        }
        this.head = 0;
      }
      const ending = this.ending;
      if (ending !== null) {
        if (ending.kind === 'ok') sub.complete();
        else sub.error(ending.error);
        return undefined;
      }
      this.subscriber = sub;
      this.hold();
      return () => {
        if (this.subscriber !== sub) return;
        this.subscriber = null;
        this.release();
        this.cancel();
      };
    }));
  }

  /** While a consumer waits, the process stays alive (as for a pending call). */
  private hold(): void {
    if (this.holding) return;
    this.holding = true;
    this.router.holdOpen();
  }

  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.router.release();
  }

  /** `RemoteStream(module#fn in context 'name')`, for logs. */
  toString(): string {
    return `RemoteStream(${this.what})`;
  }
}

