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

/**
 * The entries routers make: every field set (one shape, no per-call objects). Receivers and
 * pending calls register a shared function with themselves as `target` (no closure per call).
 */
export class Entry implements HandlerEntry {
  constructor(
    readonly fn: (this: unknown, msg: Message) => void,
    readonly target: unknown,
    readonly persist: boolean,
    readonly respondent: number,
    readonly policy: Policy | undefined,
    public callModule: string | URL | null,
    public callFn: string,
    public since: number,
  ) {}
}

/** A call waiting for its reply, as dump() shows it. */
export interface PendingCall {
  /** `module#fn`. */
  call: string;
  /** How long it has waited, ms. */
  ageMs: number;
}

/**
 * Handlers by handle. No index by respondent: keeping one cost two hash-set operations per
 * call (issue 12: at 20,000 calls in flight the table's upkeep showed in the profile); a
 * death, rare, scans the table instead. Handles are allocated in order and checked against
 * the table only once they may collide: after a wrap, or once a handle in this range was
 * given explicitly.
 */
export class HandlerTable {
  private readonly entries = new Map<number, HandlerEntry>();
  private nextHandle: number;
  private mayCollide = false;

  constructor(
    private readonly first: number,
    private readonly last: number,
  ) {
    this.nextHandle = first;
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
      if (!this.mayCollide || !this.entries.has(h)) return h;
    }
  }

  add(handle: number, entry: HandlerEntry): void {
    // A handle given by its owner (not from alloc()) may be one alloc() reaches later.
    if (handle >= this.nextHandle && handle <= this.last) this.mayCollide = true;
    this.entries.set(handle, entry);
  }

  get(handle: number): HandlerEntry | undefined {
    return this.entries.get(handle);
  }

  has(handle: number): boolean {
    return this.entries.has(handle);
  }

  delete(handle: number): HandlerEntry | undefined {
    const entry = this.entries.get(handle);
    if (entry !== undefined) this.entries.delete(handle);
    return entry;
  }

  /** Removes and returns every handler awaiting `respondent`, with its handle. */
  takeAwaiting(respondent: number): [number, HandlerEntry][] {
    const out: [number, HandlerEntry][] = [];
    for (const [h, entry] of this.entries) if (entry.respondent === respondent) out.push([h, entry]);
    for (const [h] of out) this.entries.delete(h);
    return out;
  }

  /** Per awaited context: how many handlers wait on it, and the calls among them (dump()). */
  awaiting(now: number): Map<number, { handlers: number; calls: PendingCall[] }> {
    const out = new Map<number, { handlers: number; calls: PendingCall[] }>();
    for (const c of this.entries.values()) {
      if (c.respondent < 0) continue;
      let slot = out.get(c.respondent);
      if (slot === undefined) out.set(c.respondent, (slot = { handlers: 0, calls: [] }));
      slot.handlers++;
      if (c.callModule != null) slot.calls.push({ call: `${String(c.callModule)}#${c.callFn ?? ''}`, ageMs: Math.round(now - (c.since ?? now)) });
    }
    return out;
  }
}
