// The callee's side of a call: what currentCall() shows (caller, deadline, a signal), and the
// calls a dispatcher runs, by caller, so that CANCEL and a caller's death reach them.
// Cheap when nobody asks: the AbortController and the deadline timer exist only once the
// called code reads currentCall().signal.
import type { Context } from './context.js';
import { ChannelError, TimeoutError } from '../errors.js';
import type { CoreRouter } from '../routing/router.js';

/** What a called function can know about the call it runs in (see currentCall()). */
export interface CurrentCall {
  /**
   * Aborts when the caller gives up (its AbortSignal aborted: an AbortError; its timeout
   * passed: a TimeoutError, also at the deadline here by itself) or dies (a ChannelError).
   */
  readonly signal: AbortSignal;
  /** The context that made the call. */
  readonly caller: Context;
  /** When the caller gives up (epoch ms, this process's clock), or null for never. */
  readonly deadline: number | null;
}

/** One call being run (or queued in a pipelined chain) in this context. */
export class RunningCall {
  private controller: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Why the caller gave up, once it did. */
  private reason: Error | null = null;
  /** Its key in `calls` while registered there (reply handle, or a negative number). */
  private key = 0;
  /** Told synchronously when the caller gives up (a pipelined chain fails at once). */
  private givenUp: ((reason: Error) => void) | null = null;
  /** Settled: a signal asked for later (by code the call left running) registers nothing. */
  private finished = false;
  /**
   * Whether the message had parent authority: always for CALL_FUNCTION (its policy), read
   * from the message for CALL_SERVICE (open to anyone: the service's policy decides).
   */
  parentAuthority = true;

  constructor(
    readonly router: CoreRouter,
    readonly caller: Context,
    readonly deadline: number | null,
    private readonly calls: RunningCalls | null = null,
    /** What was called (`module`, `fn`), for the words of a timeout. */
    private readonly spec = '',
    private readonly fnName = '',
  ) {}

  /** The signal of currentCall(): made on first use, aborted at once if the caller gave up. */
  get signal(): AbortSignal {
    if (this.controller !== null) return this.controller.signal;
    const controller = (this.controller = new AbortController());
    // Registered for its caller's death (watch() cancels at once if it already died).
    if (!this.finished && this.gaveUpReason() === null && this.key === 0) this.calls?.watch(this, 0);
    const reason = this.reason;
    if (reason !== null) controller.abort(reason);
    else if (this.deadline !== null) {
      this.timer = setTimeout(() => this.cancel(this.timeoutError()), this.deadline - Date.now());
      this.timer.unref?.();
    }
    return controller.signal;
  }

  /** The caller gave up (CANCEL, its death, the deadline): aborts the signal, once. */
  cancel(reason: Error): void {
    if (this.reason !== null) return;
    this.reason = reason;
    if (this.timer !== undefined) clearTimeout(this.timer);
    // Nothing more can reach it: a function that never ends must not stay registered.
    if (this.key !== 0) this.calls?.forget(this, this.key);
    this.controller?.abort(reason);
    this.givenUp?.(reason);
  }

  /** `fn` runs when the caller gives up (once; never if it already did). */
  onGiveUp(fn: (reason: Error) => void): void {
    this.givenUp = fn;
  }

  /** Why the caller gave up, or null while it still waits (checks the deadline too). */
  gaveUpReason(): Error | null {
    if (this.reason === null && this.deadline !== null && Date.now() >= this.deadline) this.cancel(this.timeoutError());
    return this.reason;
  }

  /** The call settled: forget it (timer, registration). */
  finish(): void {
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.key !== 0) this.calls?.forget(this, this.key);
  }

  /** @internal Set by RunningCalls. */
  setKey(key: number): void {
    this.key = key;
  }

  private timeoutError(): TimeoutError {
    return new TimeoutError(`${this.spec}#${this.fnName} passed its deadline: the caller ${this.caller.name} gave up`);
  }
}

/** The abort reason a CANCEL carries: a TimeoutError, or an AbortError DOMException. */
export function cancelReason(kind: 'timeout' | 'abort', words: string): Error {
  return kind === 'timeout' ? new TimeoutError(words) : abortError(words);
}

/** An AbortError DOMException (an Error named AbortError where Node has none: 16). */
export function abortError(words: string): Error {
  if (typeof DOMException === 'function') return new DOMException(words, 'AbortError');
  const e = new Error(words);
  e.name = 'AbortError';
  return e;
}

/** The calls of one dispatcher that can be cancelled, by caller id, then reply handle. */
export class RunningCalls {
  private readonly byCaller = new Map<number, Map<number, RunningCall>>();
  private anonymous = 0;

  /** Registers `call` under its reply handle (0: no reply handle, a private key is used). */
  watch(call: RunningCall, replyHandle: number): void {
    const callerId = call.caller.id;
    const key = replyHandle !== 0 ? replyHandle : --this.anonymous;
    let calls = this.byCaller.get(callerId);
    if (calls === undefined) this.byCaller.set(callerId, (calls = new Map()));
    calls.set(key, call);
    call.setKey(key);
    if (call.router.isDead(callerId)) call.cancel(this.deathError(call.router, callerId, call.router.deadReason(callerId) ?? 'dead'));
  }

  /** @internal */
  forget(call: RunningCall, key: number): void {
    const calls = this.byCaller.get(call.caller.id);
    if (calls === undefined || calls.get(key) !== call) return;
    calls.delete(key);
    if (calls.size === 0) this.byCaller.delete(call.caller.id);
  }

  /** CANCEL from `callerId` for its call answered on `replyHandle`; false when unknown (finished). */
  cancel(callerId: number, replyHandle: number, reason: Error): boolean {
    const call = this.byCaller.get(callerId)?.get(replyHandle);
    if (call === undefined) return false;
    call.cancel(reason);
    return true;
  }

  /** The caller died: every call it made aborts. */
  callerDied(router: CoreRouter, callerId: number, reason: string): void {
    const calls = this.byCaller.get(callerId);
    if (calls === undefined) return;
    const err = this.deathError(router, callerId, reason);
    for (const call of calls.values()) call.cancel(err);
  }

  private deathError(router: CoreRouter, callerId: number, reason: string): ChannelError {
    return new ChannelError(`the caller ${router.describeContext(callerId)} died: ${reason}`);
  }
}
