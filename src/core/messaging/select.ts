import { ChannelError, TimeoutError } from '../errors.js';
import type { Message } from './message.js';
import { untilClosed } from './until-closed.js';
import { deadMessageOf, pollReceiver, selectOwner, setSelectOwner, type Receiver } from './receiver.js';

/** Options of a new {@link Select}. */
export interface SelectOptions {
  /** Remove a receiver after it produced one message (default true: fits call replies). */
  oneshot?: boolean;
}

/**
 * Waits on many receivers at once and hands out their messages in arrival order. A member
 * that dies yields its dead message (whose decode() throws ChannelError) and leaves.
 */
export class Select implements AsyncIterable<Message> {
  private readonly members = new Set<Receiver>();
  /** One entry per arrival, in order. */
  private readonly arrivals: Receiver[] = [];
  private waiter: ((r: Receiver | null) => void) | null = null;
  private readonly oneshot: boolean;
  private closed = false;

  /** Waits on `receivers` (more can be added). */
  constructor(receivers: Iterable<Receiver> = [], opts: SelectOptions = {}) {
    this.oneshot = opts.oneshot ?? true;
    for (const r of receivers) this.add(r);
  }

  /** Adds a receiver (which may belong to one Select at a time); its queued messages count as arrived. */
  add(r: Receiver): this {
    if (this.closed) throw new ChannelError('select is closed');
    if (selectOwner(r) !== null && !this.members.has(r)) throw new ChannelError('receiver already belongs to a select');
    this.members.add(r);
    setSelectOwner(r, (x) => this.arrived(x));
    if (!r.empty() || r.state !== 'open') this.arrived(r);
    return this;
  }

  /** Stops waiting on `r` (it keeps its messages). */
  remove(r: Receiver): this {
    if (this.members.delete(r)) setSelectOwner(r, null);
    return this;
  }

  private arrived(r: Receiver): void {
    this.arrivals.push(r);
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w(r);
    }
  }

  /** Number of receivers still in the select. */
  get size(): number {
    return this.members.size;
  }

  /** True when no member has a message waiting. */
  empty(): boolean {
    for (const r of this.members) if (!r.empty()) return false;
    return true;
  }

  /** The next message from any member. ChannelError when no member is left. */
  async get(opts: { timeout?: number } = {}): Promise<Message> {
    const deadline = opts.timeout === undefined ? Infinity : Date.now() + opts.timeout;
    for (;;) {
      const msg = this.take();
      if (msg !== undefined) return msg;
      if (this.closed) throw new ChannelError('select is closed');
      if (this.members.size === 0) throw new ChannelError('select has no receivers left');
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(`no message within ${opts.timeout} ms`);
      await this.wait(left);
    }
  }

  private take(): Message | undefined {
    while (this.arrivals.length > 0) {
      const r = this.arrivals.shift()!;
      if (!this.members.has(r)) continue;
      const msg = pollReceiver(r);
      if (msg !== undefined) {
        if (this.oneshot) this.remove(r);
        else if (!r.empty()) this.arrivals.push(r);
        return msg;
      }
      if (r.state !== 'open' && r.empty()) {
        this.remove(r);
        const dead = deadMessageOf(r);
        if (dead !== null) return dead;
      }
    }
    return undefined;
  }

  private wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const first = this.members.values().next().value as Receiver | undefined;
      first?.router.holdOpen();
      const timer = ms === Infinity ? undefined : setTimeout(() => finish(null), ms);
      const finish = (_r: Receiver | null): void => {
        if (timer !== undefined) clearTimeout(timer);
        if (this.waiter === finish) this.waiter = null;
        first?.router.release();
        resolve();
      };
      this.waiter = finish;
    });
  }

  /** Removes every member; a pending get() rejects. */
  close(): void {
    this.closed = true;
    for (const r of [...this.members]) this.remove(r);
    const w = this.waiter;
    this.waiter = null;
    w?.(null);
  }

  /** Yields messages in arrival order until no member is left or the select is closed. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    // get() fails with ChannelError only once no member is left or the select is closed: a
    // member that died was handed out as its dead message before.
    return untilClosed(() => this.get(), () => true);
  }

  /** Decoded values of one message from each receiver, in arrival order; rejects on the first failure. */
  static async all(receivers: Iterable<Receiver>): Promise<unknown[]> {
    const select = new Select(receivers, { oneshot: true });
    const out: unknown[] = [];
    try {
      for (let n = select.size; n > 0; n--) out.push((await select.get()).decode());
    } finally {
      select.close();
    }
    return out;
  }
}
