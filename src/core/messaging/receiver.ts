import { Observable } from 'rxjs';
import { ChannelError, TimeoutError } from '../errors.js';
import type { Message } from './message.js';
import { untilClosed } from './until-closed.js';
import type { CoreRouter } from '../routing/router.js';
import { Sender } from './sender.js';

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

interface Waiter {
  resolve(msg: Message): void;
  reject(err: Error): void;
}

/** Lifecycle: open -> closed | dead (machines/receiver.ts is the specification). */
export type ReceiverState = 'open' | 'closed' | 'dead';

// What a Select needs of its members (src/core/messaging/select.ts): not members of the public
// Receiver, and not exported from src/index.ts.
let selectSide: {
  owner(r: Receiver): ((r: Receiver) => void) | null;
  setOwner(r: Receiver, notify: ((r: Receiver) => void) | null): void;
  poll(r: Receiver): Message | undefined;
  deadMessage(r: Receiver): Message | null;
};

/** The arrival callback of the Select that owns `r`, or null. */
export const selectOwner = (r: Receiver): ((r: Receiver) => void) | null => selectSide.owner(r);
/** Makes a Select (its arrival callback) the owner of `r`, or frees `r` (null). */
export const setSelectOwner = (r: Receiver, notify: ((r: Receiver) => void) | null): void => selectSide.setOwner(r, notify);
/** Takes a queued message of `r` without waiting (undefined when none). */
export const pollReceiver = (r: Receiver): Message | undefined => selectSide.poll(r);
/** The dead message that ended `r`, if any. */
export const deadMessageOf = (r: Receiver): Message | null => selectSide.deadMessage(r);

/**
 * Messages arriving on one handle. Queued until taken with get(), async iteration or
 * messages$. A dead message (sender closed, respondent died) ends it.
 */
export class Receiver implements AsyncIterable<Message> {
  /** The handle it receives on: what a {@link Sender} (see toSender()) addresses. */
  readonly handle: number;
  private current: ReceiverState = 'open';
  private readonly queue: Message[] = [];
  private readonly waiters: Waiter[] = [];
  private deadMsg: Message | null = null;
  private closeReason = '';
  /** Select that owns this receiver, notified of each arrival. */
  private notify: ((r: Receiver) => void) | null = null;
  private subscribers: ((msg: Message) => void)[] | null = null;

  /** Starts receiving on `opts.handle`, or on a new handle of `router`. */
  constructor(
    /** The router it receives through (the master's Router, or `currentRouter()` in a child). */
    readonly router: CoreRouter,
    opts: ReceiverOptions = {},
  ) {
    this.handle = router.addHandler((msg) => this.deliver(msg), {
      handle: opts.handle,
      persist: opts.persist ?? true,
      respondent: opts.respondent ?? null,
    });
  }

  static {
    selectSide = {
      owner: (r) => r.notify,
      setOwner: (r, notify) => {
        r.notify = notify;
      },
      poll: (r) => r.queue.shift(),
      deadMessage: (r) => r.deadMsg,
    };
  }

  /** Where it is in its lifecycle: open until closed, or dead when its sender or respondent went. */
  get state(): ReceiverState {
    return this.current;
  }

  private deliver(msg: Message): void {
    if (this.current !== 'open') return;
    if (msg.isDead) {
      this.current = 'dead';
      this.deadMsg = msg;
      this.closeReason = msg.deadReason;
      this.router.delHandler(this.handle);
    }
    if (this.subscribers !== null && !msg.isDead) {
      for (const s of this.subscribers) s(msg);
      if (this.subscribers.length > 0) return;
    }
    const w = this.waiters.shift();
    if (w !== undefined) {
      if (msg.isDead) w.reject(new ChannelError(this.closeReason));
      else w.resolve(msg);
    } else if (!msg.isDead) {
      this.queue.push(msg);
    }
    if (this.current !== 'open') this.failWaiters();
    this.notify?.(this);
  }

  private failWaiters(): void {
    for (const w of this.waiters.splice(0)) w.reject(new ChannelError(this.closeReason));
    if (this.subscribers) for (const s of this.subscribers.splice(0)) s(null as never);
  }

  /** The next message. Rejects with ChannelError once closed or dead, TimeoutError after `timeout`. */
  get(opts: GetOptions = {}): Promise<Message> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.current !== 'open') return Promise.reject(new ChannelError(this.closeReason));
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
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
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
      this.waiters.push(waiter);
    });
  }

  /** Why it stopped (`receiver closed`, a dead peer's reason); empty while open. */
  get reason(): string {
    return this.closeReason;
  }

  /** True when no message is waiting to be taken. */
  empty(): boolean {
    return this.queue.length === 0;
  }

  /** A Sender that delivers to this receiver, to pass to another context. */
  toSender(): Sender {
    return new Sender(this.router.myself(), this.handle);
  }

  /** Stops receiving; pending get() calls reject with ChannelError. */
  close(): void {
    if (this.current !== 'open') return;
    this.current = 'closed';
    this.closeReason = 'receiver closed';
    this.router.delHandler(this.handle);
    this.failWaiters();
    this.notify?.(this);
  }

  /** Yields each message until the receiver is closed or dead. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return untilClosed(() => this.get());
  }

  /** Every message as an observable; completes when the receiver closes or dies. */
  get messages$(): Observable<Message> {
    return new Observable<Message>((sub) => {
      for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) sub.next(m);
      if (this.current !== 'open') {
        sub.complete();
        return undefined;
      }
      this.router.holdOpen();
      const fn = (m: Message | null): void => {
        if (m === null) sub.complete();
        else sub.next(m);
      };
      (this.subscribers ??= []).push(fn);
      return () => {
        this.router.release();
        const i = this.subscribers?.indexOf(fn) ?? -1;
        if (i >= 0) this.subscribers!.splice(i, 1);
      };
    });
  }
}
