// One writer at a time on a child's channel to its parent, shared by two threads: the broker
// (main thread, through its Stream) and the dispatcher, which writes the replies of calls
// straight to the channel's fd instead of handing them to the broker (a thread hop less per
// reply: src/core/child/direct-parent-link.ts). Frames never interleave because a thread
// writes only while it owns the channel, and a write ends on a frame boundary.
//
// Ordering: the dispatcher writes itself only when the broker has nothing queued or in flight
// for the parent (BUSY) and the broker has routed every batch the dispatcher posted to it
// (ROUTED): so whatever either thread sent earlier is on the channel before.

/** Words of the shared slot. */
const OWNER = 0;
const BUSY = 1;
const ROUTED = 2;
const FREE = 0;
const DISPATCHER = 1;
const BROKER = 2;

/** The shared memory of one channel lock (posted to the dispatcher thread). */
export function channelLockSlot(): SharedArrayBuffer {
  return new SharedArrayBuffer(3 * 4);
}

type WaitAsync = (a: Int32Array, i: number, v: number) => { async: boolean; value: Promise<unknown> | string };

/** The broker's side: it owns the channel while it has bytes for the parent. */
export class BrokerChannelLock {
  private readonly w: Int32Array;
  private busy = false;
  private closed = false;

  constructor(slot: SharedArrayBuffer) {
    this.w = new Int32Array(slot);
  }

  /** A frame is queued for the parent: the dispatcher stops writing itself until it left. */
  markBusy(): void {
    if (this.busy) return;
    this.busy = true;
    Atomics.store(this.w, BUSY, 1);
  }

  /** Nothing is queued or in flight for the parent any more (the Stream's backlog is 0). */
  markIdle(): void {
    if (!this.busy || this.closed) return;
    this.busy = false;
    Atomics.store(this.w, BUSY, 0);
  }

  /** Takes the channel if the dispatcher is not in a write (true too if the broker has it). */
  take(): boolean {
    return Atomics.compareExchange(this.w, OWNER, FREE, BROKER) !== DISPATCHER;
  }

  /** Runs `write` once the broker owns the channel (at once, unless the dispatcher is in a write). */
  acquire(write: () => void): void {
    if (this.take()) {
      write();
      return;
    }
    // The dispatcher is in a synchronous write: it ends on a frame boundary and notifies.
    const r = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(this.w, OWNER, DISPATCHER);
    if (r.async) void (r.value as Promise<unknown>).then(() => this.acquire(write));
    else queueMicrotask(() => this.acquire(write));
  }

  release(): void {
    Atomics.compareExchange(this.w, OWNER, BROKER, FREE);
  }

  /**
   * The rest of a write the dispatcher could not finish (the pipe was full) was written: the
   * channel, which it kept meanwhile, is free.
   */
  restWritten(): void {
    Atomics.store(this.w, OWNER, FREE);
    Atomics.notify(this.w, OWNER);
  }

  /** A batch posted by the dispatcher was routed (its frames for the parent are queued). */
  routed(): void {
    Atomics.add(this.w, ROUTED, 1);
  }

  /**
   * The dispatcher thread is gone: it holds nothing any more. (Only a terminate() in the
   * middle of its write could leave a frame cut; the process is ending then.)
   */
  dispatcherGone(): void {
    if (Atomics.compareExchange(this.w, OWNER, DISPATCHER, FREE) === DISPATCHER) Atomics.notify(this.w, OWNER);
  }

  /** The stream to the parent is closed: the dispatcher hands everything to the broker. */
  close(): void {
    this.closed = true;
    this.busy = true;
    Atomics.store(this.w, BUSY, 1);
  }
}

/** The dispatcher's side. */
export class DispatcherChannelLock {
  private readonly w: Int32Array;

  constructor(slot: SharedArrayBuffer) {
    this.w = new Int32Array(slot);
  }

  /**
   * Takes the channel if writing now keeps the order: the broker has nothing for the parent
   * and routed all `posted` batches this thread gave it.
   */
  tryTake(posted: number): boolean {
    const w = this.w;
    if (Atomics.load(w, ROUTED) !== posted || Atomics.load(w, BUSY) !== 0) return false;
    return Atomics.compareExchange(w, OWNER, FREE, DISPATCHER) === FREE;
  }

  release(): void {
    Atomics.store(this.w, OWNER, FREE);
    Atomics.notify(this.w, OWNER);
  }
}
