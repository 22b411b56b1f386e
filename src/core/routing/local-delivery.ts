// Local delivery: frames for this context reach their handlers here. It owns the handler
// table, checks the handler's policy and awaited respondent, answers what has no handler with
// a dead message, and gives each handler awaiting a context that died its one dead message.
// Hot path: one map lookup per frame; a Message is made only for a frame that is delivered.
import type { Link } from '../links/stream.js';
import { Message } from '../messaging/message.js';
import { IS_DEAD, describeHandle, frameHandle, frameReplyTo, frameSrc } from '../wire/protocol.js';
import { HandlerTable, type HandlerEntry, type Handler, type HandlerOptions, type PendingCall } from './handler-table.js';
import { Interests } from './interests.js';
import type { CoreRouter } from './router.js';

export class LocalDelivery {
  private readonly handlers: HandlerTable;
  /** The contexts this process may wait on, asked of the parent (routing/interests.ts). */
  readonly interests: Interests;

  constructor(
    private readonly router: CoreRouter,
    firstHandle: number,
    lastHandle: number,
  ) {
    this.handlers = new HandlerTable(firstHandle, lastHandle);
    this.interests = new Interests(router);
  }

  alloc(): number {
    return this.handlers.alloc();
  }

  /** Adds a handler; one awaiting a context already dead gets its dead message at once. */
  add(fn: Handler, opts: HandlerOptions): number {
    const respondent = opts.respondent ? opts.respondent.id : -1;
    return this.addFor(fn as (this: unknown, msg: Message) => void, undefined, opts.handle, opts.persist ?? true, respondent, opts.policy);
  }

  /**
   * add() without an options object: `fn` runs with `target` as `this` (receivers and pending
   * calls pass a shared function and themselves: nothing allocated per handler but its entry);
   * `callModule`/`callFn` mark the reply handler of a call for dump().
   */
  addFor(
    fn: (this: unknown, msg: Message) => void,
    target: unknown,
    handle: number | undefined,
    persist: boolean,
    respondent: number,
    policy?: HandlerEntry['policy'],
    callModule: string | URL | null = null,
    callFn = '',
  ): number {
    const router = this.router;
    const h = handle ?? this.handlers.alloc();
    if (respondent >= 0) this.interests.consider(respondent);
    const reason = respondent >= 0 ? router.deadReason(respondent) : undefined;
    if (reason !== undefined) {
      queueMicrotask(() => fn.call(target, Message.dead(router, router.myId, respondent, h, `${router.describeContext(respondent)} is dead: ${reason}`)));
      return h;
    }
    this.handlers.set(h, fn, target, persist, respondent, policy, callModule, callFn, callModule === null ? 0 : performance.now());
    return h;
  }

  delete(handle: number): boolean {
    return this.handlers.delete(handle);
  }

  has(handle: number): boolean {
    return this.handlers.has(handle);
  }

  /** A frame for this context, from `from` (null: made in this process). */
  deliver(frame: Uint8Array, from: Link | null): void {
    const router = this.router;
    if (router.localTap !== null && router.localTap(frame, from)) return;
    const handle = frameHandle(frame);
    const entry = this.handlers.get(handle);
    if (entry === undefined) {
      if (frameReplyTo(frame) !== IS_DEAD) {
        router.deadReply(frame, `no handler for handle ${describeHandle(handle)} in context ${router.name} (#${router.myId})`);
      }
      return;
    }
    // The entry is the table's slot, which a delete frees for reuse: read before anything runs.
    const { fn, target, persist, policy, respondent } = entry;
    if (respondent >= 0 && frameSrc(frame) !== respondent && !this.speaksFor(frame, respondent)) {
      router.log('warn', `dropped a message to ${describeHandle(handle)} from context ${frameSrc(frame)}: the handler awaits ${router.describeContext(respondent)}`);
      return;
    }
    const msg = new Message(frame, router);
    if (policy !== undefined && !policy(msg, from)) {
      router.log('warn', `refused a message to ${describeHandle(handle)} from context ${msg.srcId}: policy`);
      router.deadReply(frame, `refused by policy of handle ${describeHandle(handle)} in context ${router.name}`);
      return;
    }
    if (!persist) this.handlers.delete(handle);
    this.invoke(fn, target, msg);
  }

  /** Every handler awaiting `id` gets one dead message and is removed. */
  respondentDied(id: number, reason: string): void {
    const router = this.router;
    for (const [h, entry] of this.handlers.takeAwaiting(id)) {
      this.invoke(entry.fn, entry.target, Message.dead(router, router.myId, id, h, `${router.describeContext(id)} is dead: ${reason}`));
    }
  }

  /** Marks the handler of `handle` as the reply handler of a call of `module#fn` (dump()). */
  noteCall(handle: number, module: string | URL, fn: string): void {
    const entry = this.handlers.get(handle);
    if (entry === undefined) return;
    entry.callModule = module;
    entry.callFn = fn;
    entry.since = performance.now();
  }

  /** Per awaited context: handlers waiting on it and the calls among them (dump()). */
  awaiting(): Map<number, { handlers: number; calls: PendingCall[] }> {
    return this.handlers.awaiting(performance.now());
  }

  /**
   * A dead message about the awaited context may come from a router on the way to it (no
   * route, it died, it refused): accepted from this context or one reached the same way.
   */
  private speaksFor(frame: Uint8Array, respondent: number): boolean {
    if (frameReplyTo(frame) !== IS_DEAD) return false;
    const src = frameSrc(frame);
    const router = this.router;
    if (src === router.myId) return true;
    return router.linkTowards(src) === router.linkTowards(respondent);
  }

  private invoke(fn: HandlerEntry['fn'], target: unknown, msg: Message): void {
    try {
      fn.call(target, msg);
    } catch (e) {
      this.router.log('error', `handler ${describeHandle(msg.handle)} threw: ${(e as Error)?.stack ?? e}`);
    }
  }
}
