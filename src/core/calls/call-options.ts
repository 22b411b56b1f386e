// Options of a call (timeout, AbortSignal) on the caller's side: arming them, giving up, and
// telling the callee (CANCEL). A call without options, and no router default, takes the
// plain path: no timer, no listener, nothing allocated for them.
import type { Context } from './context.js';
import { TimeoutError } from '../errors.js';
import { cancelHandle, type CancelKind, type CancelPayload } from '../handles/cancel.js';
import { normalizeModuleSpec } from './module-spec.js';
import { NO_REPLY } from '../wire/protocol.js';
import { encodeCall } from './call-message.js';
import { CALL_FUNCTION } from '../wire/protocol.js';
import { Receiver, failReceiver, onReceiverSettled } from '../messaging/receiver.js';
import { startCall, type Disarm } from './call-lifecycle.js';
import type { CoreRouter } from '../routing/router.js';
import { assertRoomTowards } from '../links/backpressure.js';

/** Options of a call: `ctx.with(opts)`, `ctx.import(module, opts)`. */
export interface CallOptions {
  /**
   * Give up after this many milliseconds: the call rejects with a TimeoutError naming
   * `module#fn` and the context, and the callee is told (its `currentCall().signal` aborts;
   * it also knows the deadline by itself). Default: the router's `callTimeout`, else none;
   * 0: none (also overriding `callTimeout`).
   */
  timeout?: number;
  /** Give up when it aborts: the call rejects with `signal.reason`, and the callee is told. */
  signal?: AbortSignal;
  /** Streams: how many values the producer may run ahead of the consumer (default 64). */
  highWaterMark?: number;
}

/** No options: the plain path. */
export const NO_OPTIONS: Readonly<CallOptions> = Object.freeze({});

const defaultTimeouts = new WeakMap<CoreRouter, number>();

/** Sets the timeout of every call leaving `router` that gives none (RouterOptions.callTimeout). */
export function setDefaultCallTimeout(router: CoreRouter, timeout: number | undefined): void {
  if (timeout === undefined || timeout === 0) defaultTimeouts.delete(router);
  else defaultTimeouts.set(router, checkTimeout(timeout, 'callTimeout'));
}

/** The default timeout of calls leaving `router`, if any. */
export function defaultCallTimeout(router: CoreRouter): number | undefined {
  return defaultTimeouts.get(router);
}

function checkTimeout(timeout: unknown, what: string): number {
  if (typeof timeout !== 'number' || !(timeout >= 0) || timeout === Infinity) {
    throw new TypeError(`${what} must be a finite number of milliseconds >= 0 (got ${String(timeout)})`);
  }
  return timeout;
}

/** `over` on top of `base`: its values replace base's, except signals, which combine (either aborts). */
export function mergeCallOptions(base: Readonly<CallOptions>, over: Readonly<CallOptions>): Readonly<CallOptions> {
  if (over.timeout !== undefined) checkTimeout(over.timeout, 'timeout');
  const merged: CallOptions = { ...base, ...over };
  if (base.signal && over.signal && base.signal !== over.signal) merged.signal = eitherSignal(base.signal, over.signal);
  else merged.signal = over.signal ?? base.signal;
  if (merged.signal === undefined) delete merged.signal;
  return Object.freeze(merged);
}

/** A signal that aborts when `a` or `b` does, with its reason (AbortSignal.any where Node has it: 20.3+). */
function eitherSignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  if (any !== undefined) return any([a, b]);
  const controller = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/** What a call gives up with (for call(): rejected; for callAsync(): the receiver's dead words). */
interface GiveUp {
  (error: unknown, words: string): void;
}

/**
 * One call whose options are armed: a timer and/or a place in its signal's watch list. It
 * holds the reply handle, not the receiver: a callAsync() receiver whose reply was taken is
 * not kept alive by a timer still pending.
 */
class ArmedCall implements Disarm {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly handle: number,
    private readonly module: string | URL,
    private readonly fn: string,
    private readonly timeout: number | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly giveUp: GiveUp,
  ) {
    if (timeout !== undefined) {
      this.timer = setTimeout(() => this.fire('timeout'), Math.min(timeout, MAX_TIMER_MS));
      this.timer.unref?.();
    }
    if (signal !== undefined) watchSignal(signal, this);
  }

  /** Still waiting for its reply (a reply, a close or a death removes the handler). */
  get waiting(): boolean {
    return this.ctx.router.hasHandler(this.handle);
  }

  /** The reply came, or the receiver ended: nothing more to watch. */
  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.signal !== undefined) unwatchSignal(this.signal, this);
  }

  fire(kind: CancelKind): void {
    const waiting = this.waiting;
    this.disarm();
    if (!waiting) return;
    const what = `${normalizeModuleSpec(this.module)}#${this.fn} in context '${this.ctx.name}'`;
    const words = kind === 'timeout' ? `${what} timed out after ${this.timeout} ms` : `${what} was aborted: ${describeReason(this.signal!.reason)}`;
    const router = this.ctx.router;
    try {
      const cancel: CancelPayload = [this.handle, kind, words];
      router.sendValue(this.ctx.id, cancelHandle.id, cancel);
    } catch (e) {
      router.log('debug', `could not send CANCEL to ${this.ctx.name}: ${(e as Error)?.message ?? e}`, 'calls');
    }
    this.giveUp(kind === 'timeout' ? new TimeoutError(words) : this.signal!.reason, words);
  }
}

/** What an abort reason or an error says, in a few words. */
export function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message || reason.name;
  return String(reason);
}

/**
 * Every armed call per signal, with one abort listener per signal (not one per call: many
 * concurrent calls sharing a signal would otherwise trip Node's listener-leak warning).
 */
const watches = new WeakMap<AbortSignal, { calls: Set<ArmedCall>; onAbort: () => void }>();

function watchSignal(signal: AbortSignal, call: ArmedCall): void {
  let w = watches.get(signal);
  if (w === undefined) {
    const calls = new Set<ArmedCall>();
    const onAbort = (): void => {
      watches.delete(signal);
      for (const c of calls) c.fire('abort');
    };
    w = { calls, onAbort };
    watches.set(signal, w);
    signal.addEventListener('abort', onAbort, { once: true });
  } else if (w.calls.size % 64 === 63) {
    // callAsync() receivers are never told when their reply is taken: drop the answered ones.
    for (const c of w.calls) if (!c.waiting) w.calls.delete(c);
  }
  w.calls.add(call);
}

function unwatchSignal(signal: AbortSignal, call: ArmedCall): void {
  const w = watches.get(signal);
  if (w === undefined || !w.calls.delete(call) || w.calls.size > 0) return;
  watches.delete(signal);
  signal.removeEventListener('abort', w.onAbort);
}

/** The timeout in effect for a call with `opts` from `router`. */
export function timeoutOf(router: CoreRouter, opts: Readonly<CallOptions>): number | undefined {
  const timeout = opts.timeout ?? defaultTimeouts.get(router);
  // 0 is no timeout, as for callTimeout: `with({ timeout: 0 })` opts out of the router's default.
  return timeout === 0 ? undefined : timeout;
}

/** The longest delay setTimeout takes (Node fires a larger one after 1 ms); also the wire's limit. */
export const MAX_TIMER_MS = 0x7fffffff;

/** The limit that travels with a cancellable call: whole ms allowed, or null for no deadline. */
export function limitOf(timeout: number | undefined): number | null {
  return timeout === undefined ? null : Math.min(MAX_TIMER_MS, Math.ceil(timeout));
}

/**
 * Starts a call with `opts` whose reply a Receiver takes (callAsync, or callNoReply with a
 * signal: `noReply`, the reply is dropped). On a timeout or abort the callee is told and the
 * receiver fails with the TimeoutError or the abort reason (callNoReply: it just closes).
 * Its first message or its end disarms the timer and the signal watch.
 */
function startArmed(
  ctx: Context,
  chainId: string | null,
  module: string | URL,
  fn: string,
  args: unknown[],
  timeout: number | undefined,
  signal: AbortSignal | undefined,
  noReply: boolean,
): Receiver | null {
  const router = ctx.router;
  if (signal?.aborted) {
    // Given up before it started: nothing is sent.
    encodeCall(chainId, module, fn, args); // the same TypeErrors as a call that is sent
    if (noReply) return null;
    const receiver = new Receiver(router, { persist: false, respondent: ctx });
    const words = `${normalizeModuleSpec(module)}#${fn} in context '${ctx.name}' was aborted: ${describeReason(signal.reason)}`;
    failReceiver(receiver, signal.reason, words, ctx.id);
    return receiver;
  }
  const receiver = ctx.callInChain(chainId, module, fn, args, limitOf(timeout));
  const giveUp: GiveUp = noReply ? () => receiver.close() : (e, words) => failReceiver(receiver, e, words, ctx.id);
  const armed = new ArmedCall(ctx, receiver.handle, module, fn, timeout, signal, giveUp);
  onReceiverSettled(
    receiver,
    noReply
      ? () => {
          armed.disarm();
          receiver.close();
        }
      : () => armed.disarm(),
  );
  return receiver;
}

/**
 * `callAsync` with options: on a timeout the receiver fails with a TimeoutError naming
 * `module#fn` and the context, on an abort with `signal.reason` (its dead message carries
 * the same words), and the callee is told.
 */
export function callAsyncWith(ctx: Context, chainId: string | null, module: string | URL, fn: string, args: unknown[], opts: Readonly<CallOptions>): Receiver {
  const timeout = timeoutOf(ctx.router, opts);
  if (timeout === undefined && opts.signal === undefined) return ctx.callInChain(chainId, module, fn, args);
  return startArmed(ctx, chainId, module, fn, args, timeout, opts.signal, false)!;
}

/**
 * `call` with options: resolves with the result; rejects with a TimeoutError naming
 * `module#fn` and the context, with `signal.reason` on an abort, or as the call fails.
 */
export function callWith(
  ctx: Context,
  chainId: string | null,
  module: string | URL,
  fn: string,
  args: unknown[],
  opts: Readonly<CallOptions>,
  callHandle: number = CALL_FUNCTION,
): Promise<unknown> {
  try {
    const timeout = timeoutOf(ctx.router, opts);
    const signal = opts.signal;
    if (timeout === undefined && signal === undefined) return startCall(ctx, chainId, module, fn, args, undefined, undefined, callHandle);
    if (signal?.aborted) {
      // Given up before it started: nothing is sent.
      encodeCall(chainId, module, fn, args); // the same TypeErrors as a call that is sent
      return Promise.reject(signal.reason);
    }
    // The timer or the signal settles the call's lifecycle as TIMEOUT or ABORT, if first.
    return startCall(ctx, chainId, module, fn, args, limitOf(timeout), (life, handle) =>
      new ArmedCall(ctx, handle, module, fn, timeout, signal, (error) => {
        life.send({ type: error instanceof TimeoutError ? 'TIMEOUT' : 'ABORT', outcome: error });
      }),
      callHandle,
    );
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * `callNoReply` with options: the timeout travels as the callee's deadline; with a signal,
 * the call is made with a reply handle (its reply is dropped) so that an abort can reach it.
 */
export function callNoReplyWith(ctx: Context, chainId: string | null, module: string | URL, fn: string, args: unknown[], opts: Readonly<CallOptions>): void {
  // A stream that is not read (a frozen child) refuses: nothing to wait for, so fail now.
  assertRoomTowards(ctx.router, ctx.id);
  const timeout = timeoutOf(ctx.router, opts);
  const signal = opts.signal;
  if (signal === undefined) {
    const data = encodeCall(chainId, module, fn, args, timeout === undefined ? undefined : limitOf(timeout));
    ctx.router.sendFrame(ctx.id, CALL_FUNCTION, data, NO_REPLY);
    return;
  }
  // No holdOpen: a call nobody awaits must not keep the process alive.
  startArmed(ctx, chainId, module, fn, args, timeout, signal, true);
}
