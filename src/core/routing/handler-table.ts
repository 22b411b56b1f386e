// The handlers of one router, by handle: who gets a message for this context, under which
// policy, and which handlers wait on which respondent (so a death reaches exactly them).
import type { Link } from '../links/stream.js';
import type { Message } from '../messaging/message.js';

/** Runs for each message delivered to a handle (see `addHandler`). */
export type Handler = (msg: Message) => void;
/** Decides whether a message may reach a handler; a refusal is answered with a dead reply. */
export type Policy = (msg: Message, link: Link | null) => boolean;

/** Options of `router.addHandler`. */
export interface HandlerOptions {
  /** Use this handle rather than a freshly allocated one. */
  handle?: number;
  /** Keep the handler after the first message (default true). */
  persist?: boolean;
  /**
   * The context the handler awaits: only its messages are delivered (others are dropped and
   * logged), and when it dies the handler receives one dead message and is removed.
   */
  respondent?: {
    /** The context's id. */
    id: number;
  } | null;
  /** Which messages may reach the handler (default: any); refused ones get a dead reply. */
  policy?: Policy;
}

/** One handler: `fn` runs with `target` as `this`; a call's reply handler says what was called (dump()). */
export interface HandlerEntry {
  fn: (this: unknown, msg: Message) => void;
  target?: unknown;
  persist: boolean;
  /** The awaited context's id, or -1. */
  respondent: number;
  policy: Policy | undefined;
  /** For the reply handler of a call: what was called and when (router.dump()). */
  callModule?: string | URL | null;
  callFn?: string;
  since?: number;
}

/** A call waiting for its reply, as dump() shows it. */
export interface PendingCall {
  /** `module#fn`. */
  call: string;
  /** How long it has waited, ms. */
  ageMs: number;
}

/** A slot of the ring: an entry whose fields are overwritten when its handle is reused. */
class Slot implements HandlerEntry {
  /** The handle it holds, or -1 when free. */
  handle = -1;
  /** Order of registration (takeAwaiting and awaiting() list handlers in that order). */
  seq = 0;
  fn: (this: unknown, msg: Message) => void = noop;
  target: unknown = undefined;
  persist = false;
  respondent = -1;
  policy: Policy | undefined = undefined;
  callModule: string | URL | null = null;
  callFn = '';
  since = 0;
}

function noop(): void {}

/** Slots the ring starts with, and the most it grows to (beyond, collisions go to the overflow map). */
const FIRST_CAPACITY = 256;
const MAX_CAPACITY = 1 << 20;

/**
 * Handlers by handle: a ring of reusable slots indexed by the handle's low bits, so that the
 * calls in flight (handles allocated in order, most of them short-lived) cost no Map entry and
 * no fresh object each (issue 12); a handle whose slot another holds (a long-lived handler a
 * wrap further on, or one given explicitly) waits in an overflow map, and a ring half full
 * when that happens doubles. No index by respondent: keeping one cost two hash-set operations
 * per call; a death, rare, scans the table instead. Handles are allocated in order and checked
 * against the table only once they may collide: after a wrap, or once a handle in this range
 * was given explicitly.
 *
 * An entry get() returns is the table's slot: read what you need before the next add/delete.
 */
export class HandlerTable {
  private slots: Slot[] = [];
  private mask = -1;
  /** Occupied slots of the ring. */
  private inRing = 0;
  private readonly overflow = new Map<number, Slot>();
  private seq = 0;
  private nextHandle: number;
  private mayCollide = false;

  constructor(
    private readonly first: number,
    private readonly last: number,
  ) {
    this.nextHandle = first;
    this.resize(FIRST_CAPACITY);
  }

  /** A free handle of this router's range. */
  alloc(): number {
    for (;;) {
      const h = this.nextHandle;
      // Wraps within this router's range: a dispatcher's handles must stay above the broker's.
      if (h >= this.last) {
        this.nextHandle = this.first;
        this.mayCollide = true;
      } else {
        this.nextHandle = h + 1;
      }
      if (!this.mayCollide || !this.has(h)) return h;
    }
  }

  /** Registers a handler under `handle` (replacing any there): the fields go into the handle's slot, no entry object. */
  set(
    handle: number,
    fn: (this: unknown, msg: Message) => void,
    target: unknown,
    persist: boolean,
    respondent: number,
    policy: Policy | undefined,
    callModule: string | URL | null,
    callFn: string,
    since: number,
  ): void {
    // A handle given by its owner (not from alloc()) may be one alloc() reaches later.
    if (handle >= this.nextHandle && handle <= this.last) this.mayCollide = true;
    let slot = this.slots[handle & this.mask]!;
    if (slot.handle === -1) {
      if (this.overflow.size > 0) this.overflow.delete(handle);
      slot.handle = handle;
      this.inRing++;
    } else if (slot.handle !== handle) {
      if (this.inRing * 2 >= this.slots.length && this.slots.length < MAX_CAPACITY) {
        this.resize(this.slots.length * 2);
        this.set(handle, fn, target, persist, respondent, policy, callModule, callFn, since);
        return;
      }
      slot = this.overflow.get(handle) ?? new Slot();
      slot.handle = handle;
      this.overflow.set(handle, slot);
    }
    slot.seq = this.seq++;
    slot.fn = fn;
    slot.target = target;
    slot.persist = persist;
    slot.respondent = respondent;
    slot.policy = policy;
    slot.callModule = callModule;
    slot.callFn = callFn;
    slot.since = since;
  }

  /** The handler of `handle`: the table's own slot, valid until the next add or delete. */
  get(handle: number): HandlerEntry | undefined {
    const slot = this.slots[handle & this.mask]!;
    if (slot.handle === handle) return slot;
    return this.overflow.size > 0 ? this.overflow.get(handle) : undefined;
  }

  has(handle: number): boolean {
    return this.get(handle) !== undefined;
  }

  /** Removes the handler of `handle`; true when there was one. */
  delete(handle: number): boolean {
    const slot = this.slots[handle & this.mask]!;
    if (slot.handle === handle) {
      this.clear(slot);
      this.inRing--;
      return true;
    }
    return this.overflow.size > 0 && this.overflow.delete(handle);
  }

  /** Removes and returns every handler awaiting `respondent`, with its handle, in the order they were added. */
  takeAwaiting(respondent: number): [number, HandlerEntry][] {
    const taken: Slot[] = [];
    for (const slot of this.slots) if (slot.handle !== -1 && slot.respondent === respondent) taken.push(copy(slot));
    for (const slot of this.overflow.values()) if (slot.respondent === respondent) taken.push(slot);
    taken.sort((a, b) => a.seq - b.seq);
    for (const slot of taken) this.delete(slot.handle);
    return taken.map((slot) => [slot.handle, slot]);
  }

  /** Per awaited context: how many handlers wait on it, and the calls among them (dump()). */
  awaiting(now: number): Map<number, { handlers: number; calls: PendingCall[] }> {
    const all: Slot[] = [];
    for (const slot of this.slots) if (slot.handle !== -1 && slot.respondent >= 0) all.push(slot);
    for (const slot of this.overflow.values()) if (slot.respondent >= 0) all.push(slot);
    all.sort((a, b) => a.seq - b.seq);
    const out = new Map<number, { handlers: number; calls: PendingCall[] }>();
    for (const c of all) {
      let entry = out.get(c.respondent);
      if (entry === undefined) out.set(c.respondent, (entry = { handlers: 0, calls: [] }));
      entry.handlers++;
      if (c.callModule != null) entry.calls.push({ call: `${String(c.callModule)}#${c.callFn}`, ageMs: Math.round(now - c.since) });
    }
    return out;
  }

  /** A ring of `capacity` slots (a power of two) holding every handler of the old one. */
  private resize(capacity: number): void {
    const old = this.slots;
    const moved: Slot[] = [...this.overflow.values()];
    for (const slot of old) if (slot.handle !== -1) moved.push(slot);
    this.slots = Array.from({ length: capacity }, () => new Slot());
    this.mask = capacity - 1;
    this.inRing = 0;
    this.overflow.clear();
    moved.sort((a, b) => a.seq - b.seq);
    for (const m of moved) {
      const slot = this.slots[m.handle & this.mask]!;
      if (slot.handle === -1) {
        assign(slot, m);
        this.inRing++;
      } else {
        // The old ring is dropped: its slot can move to the overflow as it is.
        this.overflow.set(m.handle, m);
      }
    }
  }

  /** Frees a slot, dropping what it refers to (a settled call must not stay reachable). */
  private clear(slot: Slot): void {
    slot.handle = -1;
    slot.fn = noop;
    slot.target = undefined;
    slot.policy = undefined;
    slot.callModule = null;
  }
}

function assign(to: Slot, from: Slot): void {
  to.handle = from.handle;
  to.seq = from.seq;
  to.fn = from.fn;
  to.target = from.target;
  to.persist = from.persist;
  to.respondent = from.respondent;
  to.policy = from.policy;
  to.callModule = from.callModule;
  to.callFn = from.callFn;
  to.since = from.since;
}

function copy(from: Slot): Slot {
  const to = new Slot();
  assign(to, from);
  return to;
}
