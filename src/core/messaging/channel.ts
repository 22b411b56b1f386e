// Two-way messaging between two contexts on a pair of handles: each end receives on its own
// handle and sends to the other's. The end created first (no handle given) passes its
// `handle` to the other (as a call argument, say); the other end, created with that handle,
// says hello at once so the first end learns where to send. Every message carries the
// sender's receiving handle as its replyTo, so `msg.reply()` answers the other end too.
import { encode } from '../wire/codec.js';
import type { Context } from '../calls/context.js';
import type { CoreRouter } from '../routing/router.js';
import type { GetOptions } from './receiver.js';
import { SENDER_CLOSED, type Message } from './message.js';
import { untilClosed } from './until-closed.js';
import { ChannelError, TimeoutError } from '../errors.js';

/** The hello's data: 0xc1, the one byte msgpack never uses, so no value sent can look like it. */
const HELLO = Uint8Array.of(0xc1);
const isHello = (msg: Message): boolean => msg.data.byteLength === 1 && msg.data[0] === 0xc1;

/**
 * A Sender and a Receiver on one handle pair, for two-way messaging with one other context:
 * `send(value)`, `get()`, `for await (const msg of channel)`, `close()`. The receiving side
 * ends normally when the other end closes, and with a ChannelError when it dies.
 */
export class Channel implements AsyncIterable<Message> {
  /** The handle this end receives on: what the other end is created with. */
  readonly handle: number;
  private peer: number | null;
  /** Values sent before the other end's handle is known, encoded (a bad value fails at send()). */
  private queued: Uint8Array[] | null = null;
  private readonly inbox: Message[] = [];
  private readonly waiters: { resolve(m: Message): void; reject(e: Error): void }[] = [];
  /** Why it ended (null while open), and whether that end was a close (this end's or the other's). */
  private ended: string | null = null;
  private closedNormally = false;

  /**
   * Opens this end of a channel with `context`: receives on a new handle, and sends to
   * `handle` there (or, without it, to the handle the other end's hello names).
   * @param router - the router of this end (the master's Router, or `currentRouter()` in a child)
   * @param context - the context of the other end
   * @param handle - the other end's {@link Channel.handle}; omitted by the end created first,
   *   which learns it from the other end's hello
   */
  constructor(
    /** The router of this end. */
    readonly router: CoreRouter,
    /** The context of the other end. */
    readonly context: Context,
    handle?: number,
  ) {
    // Only the other end's messages are delivered; its death is one dead message.
    this.handle = router.addHandler((msg) => this.arrive(msg), { persist: true, respondent: context });
    this.peer = handle ?? null;
    if (handle !== undefined) router.sendData(context.id, handle, HELLO, this.handle);
  }

  /** Sends one value (any type calls accept) to the other end; no reply. */
  send(value: unknown): void {
    if (this.ended !== null) throw new ChannelError(`channel closed: ${this.ended}`);
    if (this.peer !== null) this.router.sendValue(this.context.id, this.peer, value, this.handle);
    else (this.queued ??= []).push(encode(value));
  }

  /**
   * The next message from the other end. Rejects with ChannelError once this end is closed,
   * the other end closed (after its earlier messages), or its context died; TimeoutError after
   * `timeout`.
   */
  get(opts: GetOptions = {}): Promise<Message> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended !== null) return Promise.reject(new ChannelError(this.ended));
    return new Promise<Message>((resolve, reject) => {
      this.router.holdOpen();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (): void => {
        this.router.release();
        if (timer !== undefined) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const waiter = {
        resolve: (m: Message): void => { settle(); resolve(m); },
        reject: (e: Error): void => { settle(); reject(e); },
      };
      const drop = (e: Error): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        waiter.reject(e);
      };
      const onAbort = (): void => drop(opts.signal!.reason instanceof Error ? opts.signal!.reason : new ChannelError('get() aborted'));
      if (opts.timeout !== undefined) {
        timer = setTimeout(() => drop(new TimeoutError(`no message on channel handle ${this.handle} within ${opts.timeout} ms`)), opts.timeout);
      }
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** True when no message is waiting to be taken. */
  empty(): boolean {
    return this.inbox.length === 0;
  }

  /** Ends both ways: the other end's receiving side ends normally, and this end's too. */
  close(): void {
    if (this.ended !== null) return;
    if (this.peer !== null) this.router.route(this.router.buildDeadFrame(this.context.id, this.router.myId, this.peer, SENDER_CLOSED), null);
    this.end('channel closed', true);
  }

  /** Yields the other end's messages until either end closes; throws ChannelError if it died. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return untilClosed(() => this.get(), () => this.closedNormally);
  }

  private arrive(msg: Message): void {
    if (this.ended !== null) return;
    if (msg.isDead) return this.end(msg.deadReason, msg.isClose);
    if (this.peer === null && msg.replyTo !== 0) this.learn(msg.replyTo);
    if (isHello(msg)) return;
    const w = this.waiters.shift();
    if (w !== undefined) w.resolve(msg);
    else this.inbox.push(msg);
  }

  private end(reason: string, normally: boolean): void {
    this.ended = reason;
    this.closedNormally = normally;
    this.queued = null;
    this.router.delHandler(this.handle);
    for (const w of this.waiters.splice(0)) w.reject(new ChannelError(reason));
  }

  private learn(handle: number): void {
    this.peer = handle;
    const queued = this.queued;
    this.queued = null;
    if (queued !== null) for (const data of queued) this.router.sendData(this.context.id, handle, data, this.handle);
  }
}
