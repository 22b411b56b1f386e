import { Observable, type Subscriber, type Subscription } from 'rxjs';
import { ChannelError, TimeoutError } from '../errors.js';
import { Message } from './message.js';
import { untilClosed } from './until-closed.js';
import type { CoreRouter } from '../routing/router.js';
import { Sender } from './sender.js';
import { createLifecycle, type Lifecycle, type LifecycleImplementation } from '../lifecycle/interpreter.js';
import { receiverTable } from '../lifecycle/generated/receiver.js';

/** Options of a new {@link Receiver}. */
export interface ReceiverOptions {
  /** Receive on this handle rather than a freshly allocated one. */
  handle?: number;
  /** Keep receiving after the first message (default true). */
  persist?: boolean;
  /** A context (anything with its `id`) whose death ends this receiver with one dead message. */
  respondent?: {
    /** The context's id. */
    id: number;
  } | null;
}

/** Options of {@link Receiver.get}. */
export interface GetOptions {
  /** Give up with a TimeoutError after this many milliseconds. */
  timeout?: number;
  /** Give up when it aborts (rejecting with its reason). */
  signal?: AbortSignal;
}

const NO_GET_OPTIONS: GetOptions = Object.freeze({});

/**
 * @internal The receiver of one call's reply: one message from `respondentId`, listed in
 * router.dump() as a call of `module#fn`. No options object, its handler registered once (issue 12).
 */
export function callReceiver(router: CoreRouter, respondentId: number, module: string | URL, fn: string): Receiver {
  return new Receiver(router, undefined, respondentId, module, fn);
}

/** The handler of every receiver (the receiver is `this`): no closure per receiver. */
function deliverToReceiver(this: unknown, msg: Message): void {
  (this as Receiver).deliver(msg);
}

interface Waiter {
  resolve(msg: Message): void;
  reject(err: Error): void;
}

/** Lifecycle: open -> closed | dead (machines/receiver.ts, run from its generated table). */
export type ReceiverState = 'open' | 'closed' | 'dead';

type ReceiverEvent = { readonly type: 'MESSAGE' | 'CLOSE' } | { readonly type: 'DEAD'; readonly reason: string; readonly msg: Message };
const MESSAGE: ReceiverEvent = { type: 'MESSAGE' };
const CLOSE: ReceiverEvent = { type: 'CLOSE' };
// The table's actions, on the Receiver's own fields (set in the class's static block).
let implementation: LifecycleImplementation<typeof receiverTable, Receiver, ReceiverEvent>;

// What a Select needs of its members (src/core/messaging/select.ts): not members of the public
// Receiver, and not exported from src/index.ts.
let selectSide: {
  owner(r: Receiver): ((r: Receiver) => void) | null;
  setOwner(r: Receiver, notify: ((r: Receiver) => void) | null): void;
  poll(r: Receiver): Message | undefined;
  deadMessage(r: Receiver): Message | null;
};
// What a call with options needs of its receiver (src/core/calls/call-options.ts).
let callSide: {
  fail(r: Receiver, error: unknown, words: string, srcId: number): void;
  onSettled(r: Receiver, fn: () => void): void;
};

/** The arrival callback of the Select that owns `r`, or null. */
export const selectOwner = (r: Receiver): ((r: Receiver) => void) | null => selectSide.owner(r);
/** Makes a Select (its arrival callback) the owner of `r`, or frees `r` (null). */
export const setSelectOwner = (r: Receiver, notify: ((r: Receiver) => void) | null): void => selectSide.setOwner(r, notify);
/** Takes a queued message of `r` without waiting (undefined when none). */
export const pollReceiver = (r: Receiver): Message | undefined => selectSide.poll(r);
/**
 * Ends `r` as dead with `words` (its dead message) where get(), iteration and messages$
 * reject with `error` itself (a call's TimeoutError or abort reason); nothing if it ended.
 */
export const failReceiver = (r: Receiver, error: unknown, words: string, srcId: number): void => callSide.fail(r, error, words, srcId);
/** `fn` runs once, when `r` takes its first message or ends (a call's options disarm). */
export const onReceiverSettled = (r: Receiver, fn: () => void): void => callSide.onSettled(r, fn);
/** The dead message that ended `r`, if any. */
export const deadMessageOf = (r: Receiver): Message | null => selectSide.deadMessage(r);

/**
 * Messages arriving on one handle. Queued until taken with get(), async iteration or
 * messages$. A dead message (sender closed, respondent died) ends it.
 */
export class Receiver implements AsyncIterable<Message> {
  /** The handle it receives on: what a {@link Sender} (see toSender()) addresses. */
  readonly handle: number;
  private readonly life: Lifecycle<typeof receiverTable, Receiver, ReceiverEvent>;
  /** Messages not taken yet, and get() calls waiting with options (made on first use). */
  private queue: Message[] | null = null;
  private waiters: Waiter[] | null = null;
  /**
   * The one waiter of a plain get() (no timeout, no signal) while no other waits: no closures
   * or waiter object per call, just the promise's own functions.
   */
  private plainResolve: ((msg: Message) => void) | null = null;
  private plainReject: ((err: Error) => void) | null = null;
  private deadMsg: Message | null = null;
  private closeReason = '';
  /** Select that owns this receiver, notified of each arrival. */
  private notify: ((r: Receiver) => void) | null = null;
  private subscribers: Subscriber<Message>[] | null = null;
  /**
   * Messages whose MESSAGE event is on its way through the lifecycle, in order: one slot, and
   * a list for those that arrive while an action runs (a subscriber sending to itself).
   */
  private arriving: Message | null = null;
  private later: Message[] | null = null;
  /** Messages counted while open (the machine's `delivered`). */
  private delivered = 0;
  private readonly respondentId: number;
  private readonly persist: boolean;
  /** The sender of the last message, and every sending context watched for its death. */
  private lastSender = -1;
  private senders: Map<number, Subscription> | null = null;
  /** What it ends with instead of a ChannelError (failReceiver), and who waits for it to settle. */
  private failure: { error: unknown } | null = null;
  private settled: (() => void) | null = null;

  /**
   * Starts receiving on `opts.handle`, or on a new handle of `router`.
   * @param router The router it receives through (the master's Router, or `currentRouter()` in a child).
   */
  constructor(router: CoreRouter, opts?: ReceiverOptions);
  /** @internal The reply receiver of a call of `module#fn` to `respondentId` (callReceiver()). */
  constructor(router: CoreRouter, opts: undefined, respondentId: number, module: string | URL, fn: string);
  constructor(
    /** The router it receives through (the master's Router, or `currentRouter()` in a child). */
    readonly router: CoreRouter,
    opts?: ReceiverOptions,
    respondentId = -1,
    module: string | URL | null = null,
    fn = '',
  ) {
    this.respondentId = module !== null ? respondentId : opts?.respondent?.id ?? -1;
    this.persist = module !== null ? false : opts?.persist ?? true;
    this.life = createLifecycle<typeof receiverTable, Receiver, ReceiverEvent>(receiverTable, implementation, this);
    this.handle = module !== null
      ? router.delivery.addFor(deliverToReceiver, this, undefined, false, this.respondentId, undefined, module, fn)
      : router.delivery.addFor(deliverToReceiver, this, opts?.handle, this.persist, this.respondentId);
  }

  static {
    selectSide = {
      owner: (r) => r.notify,
      setOwner: (r, notify) => {
        r.notify = notify;
      },
      poll: (r) => r.queue?.shift(),
      deadMessage: (r) => r.deadMsg,
    };
    callSide = {
      fail: (r, error, words, srcId) => {
        if (r.life.done) return;
        r.failure = { error };
        r.deliver(Message.dead(r.router, r.router.myId, srcId, r.handle, words));
      },
      onSettled: (r, fn) => {
        if (r.life.done || (!r.persist && r.delivered > 0)) fn();
        else r.settled = fn;
      },
    };
    implementation = {
      actions: {
        countDelivered: (r) => {
          r.delivered++;
        },
        onMessage: (r) => r.handOut(r.takeArriving()),
        recordReason: (r, e) => {
          if (e.type !== 'DEAD') return;
          r.deadMsg = e.msg;
          r.closeReason = e.reason;
        },
      },
      onState: (r) => r.ended(),
    };
  }

  /** Where it is in its lifecycle: open until closed, or dead when its sender or respondent went. */
  get state(): ReceiverState {
    return this.life.state;
  }

  /**
   * True once it ended normally: closed here, or by its sender (`Sender.close()`). A receiver
   * that is dead for any other reason (sender or respondent died) makes get(), iteration and
   * messages$ fail with ChannelError.
   */
  get endedNormally(): boolean {
    return this.life.state === 'closed' || (this.deadMsg !== null && this.deadMsg.isClose);
  }

  /** @internal A message for this receiver (its handler: deliverToReceiver). */
  deliver(msg: Message): void {
    if (this.life.done) return;
    if (msg.isDead) {
      this.life.send({ type: 'DEAD', reason: msg.deadReason, msg });
      return;
    }
    if (this.arriving === null && (this.later === null || this.later.length === 0)) this.arriving = msg;
    else (this.later ??= []).push(msg);
    this.life.send(MESSAGE);
  }

  private takeArriving(): Message {
    const msg = this.arriving;
    if (msg === null) return this.later!.shift()!;
    this.arriving = null;
    return msg;
  }

  /** The `onMessage` action: to the subscribers, else the first waiter, else the queue. */
  private handOut(msg: Message): void {
    if (msg.srcId !== this.lastSender) this.watchSender(msg.srcId);
    const subs = this.subscribers;
    if (subs !== null && subs.length > 0) {
      for (const s of subs) s.next(msg);
    } else if (this.plainResolve !== null) {
      const resolve = this.plainResolve;
      this.plainResolve = this.plainReject = null;
      this.router.release();
      resolve(msg);
    } else {
      const w = this.waiters?.shift();
      if (w !== undefined) w.resolve(msg);
      else (this.queue ??= []).push(msg);
    }
    this.notify?.(this);
    if (!this.persist) this.runSettled();
  }

  private runSettled(): void {
    const fn = this.settled;
    this.settled = null;
    fn?.();
  }

  /** The error get() and the others fail with once it ended abnormally. */
  private endError(): Error {
    return this.failure !== null ? (this.failure.error as Error) : new ChannelError(this.closeReason);
  }

  /**
   * A context that sends here is watched: if it dies before its sender closes, the receiver
   * dies with it. Its respondent is the router's to watch; a one-shot receiver takes no more.
   */
  private watchSender(id: number): void {
    this.lastSender = id;
    if (id === this.router.myId || id === this.respondentId || !this.persist || this.senders?.has(id)) return;
    const ctx = this.router.contextFor(id);
    const watch = ctx.state$.subscribe((s) => {
      if (s !== 'dead' || this.life.done) return;
      const reason = `${this.router.describeContext(id)} is dead: ${ctx.deadReason ?? 'unknown'}`;
      this.deliver(Message.dead(this.router, this.router.myId, id, this.handle, reason));
    });
    if (!this.life.done) (this.senders ??= new Map()).set(id, watch);
    else watch.unsubscribe();
  }

  /** Entered closed or dead: nothing more arrives; waiters and subscribers learn how it ended. */
  private ended(): void {
    this.arriving = this.later = null; // their events come after the end: never delivered
    this.router.delHandler(this.handle);
    if (this.senders !== null) for (const watch of this.senders.values()) watch.unsubscribe();
    this.senders = null;
    const reject = this.plainReject;
    if (reject !== null) {
      this.plainResolve = this.plainReject = null;
      this.router.release();
      reject(this.endError());
    }
    const waiters = this.waiters;
    this.waiters = null;
    if (waiters !== null) for (const w of waiters) w.reject(this.endError());
    const subs = this.subscribers;
    this.subscribers = null;
    if (subs !== null) for (const s of subs) this.endSubscriber(s);
    this.notify?.(this);
    this.runSettled();
  }

  private endSubscriber(sub: Subscriber<Message>): void {
    if (this.endedNormally) sub.complete();
    else sub.error(this.endError());
  }

  /** The next message. Rejects with ChannelError once closed or dead, TimeoutError after `timeout`. */
  get(opts: GetOptions = NO_GET_OPTIONS): Promise<Message> {
    const queued = this.queue?.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.life.done) return Promise.reject(this.endError());
    if (opts.timeout === undefined && opts.signal === undefined && this.plainResolve === null && (this.waiters === null || this.waiters.length === 0)) {
      return new Promise<Message>((resolve, reject) => {
        this.router.holdOpen();
        this.plainResolve = resolve;
        this.plainReject = reject;
      });
    }
    return new Promise<Message>((resolve, reject) => {
      this.router.holdOpen();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        this.router.release();
        if (timer !== undefined) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: (m) => { done(); resolve(m); },
        reject: (e) => { done(); reject(e); },
      };
      const drop = (err: Error): void => {
        const i = this.waiters?.indexOf(waiter) ?? -1;
        if (i >= 0) this.waiters!.splice(i, 1);
        waiter.reject(err);
      };
      const onAbort = (): void => drop(opts.signal!.reason instanceof Error ? opts.signal!.reason : new ChannelError('get() aborted'));
      if (opts.timeout !== undefined) {
        timer = setTimeout(() => drop(new TimeoutError(`no message on handle ${this.handle} within ${opts.timeout} ms`)), opts.timeout);
      }
      if (opts.signal) {
        if (opts.signal.aborted) return onAbort();
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
      (this.waiters ??= []).push(waiter);
    });
  }

  /** Why it stopped (`receiver closed`, a dead peer's reason); empty while open. */
  get reason(): string {
    return this.closeReason;
  }

  /** True when no message is waiting to be taken. */
  empty(): boolean {
    return this.queue === null || this.queue.length === 0;
  }

  /** A Sender that delivers to this receiver, to pass to another context. */
  toSender(): Sender {
    return new Sender(this.router.myself(), this.handle);
  }

  /** Stops receiving; pending get() calls reject with ChannelError. */
  close(): void {
    if (this.life.done) return;
    this.closeReason = 'receiver closed';
    this.life.send(CLOSE);
  }

  /**
   * Yields each message until the receiver is closed (here or by its sender); throws
   * ChannelError when it is dead otherwise (its sender or respondent died).
   */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return untilClosed(() => this.get(), () => this.endedNormally);
  }

  /**
   * Every message as an observable; completes when the receiver is closed (here or by its
   * sender), errors with ChannelError when its sender or respondent died.
   */
  get messages$(): Observable<Message> {
    return new Observable<Message>((sub) => {
      for (let m = this.queue?.shift(); m !== undefined; m = this.queue?.shift()) sub.next(m);
      if (this.life.done) {
        this.endSubscriber(sub);
        return undefined;
      }
      this.router.holdOpen();
      (this.subscribers ??= []).push(sub);
      return () => {
        this.router.release();
        const i = this.subscribers?.indexOf(sub) ?? -1;
        if (i >= 0) this.subscribers!.splice(i, 1);
      };
    });
  }
}
