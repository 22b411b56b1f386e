// The router every context runs: local delivery to handlers, forwarding along routes, dead
// replies for everything that cannot be delivered. This is the hot path: plain code, no
// machines, no observables, no allocation on forwarding.
import type { Observable } from 'rxjs';
import { encodeFrameGathered, type DecodeHooks } from '../wire/codec.js';
import { Context, markContextDead, type ShutdownOptions } from '../calls/context.js';
import { ChannelError } from '../errors.js';
import { Message } from '../messaging/message.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE, FIRST_DISPATCHER_HANDLE, FIRST_USER_HANDLE, HEADER_SIZE, IS_DEAD, LAST_HANDLE, NO_REPLY, SHUTDOWN, deadFrame,
  joinPieces, describeHandle, encodeFrame, frameAuth, frameDst, frameHandle, frameReplyTo, frameSrc, writeHeader,
} from '../wire/protocol.js';
import { Sender } from '../messaging/sender.js';
import { installHandle } from '../handles/install.js';
import { heartbeatHandle } from '../handles/heartbeat.js';
import type { Link } from '../links/stream.js';
import { Deaths, type DeathListener, type DeathsListener } from './deaths.js';
import { LifecycleBus } from '../lifecycle/bus.js';
import { StateFeed, type ContextEventRecord, type ContextStateChange } from '../lifecycle/state-feed.js';
import type { Handler, HandlerOptions } from './handler-table.js';
import { LocalDelivery } from './local-delivery.js';
import { ConnectionMethods } from './connection-methods.js';
import { LOG_LEVELS, type LogLevel } from '../logging/log-record.js';
import { Logger, writeToStderr } from '../logging/logger.js';

export type { Handler, HandlerOptions, Policy } from './handler-table.js';
export type { DeathListener, DeathsListener } from './deaths.js';
export { LOG_LEVELS, type LogLevel };

export interface RouterIdentity {
  id: number;
  name: string;
  parentIds: number[];
  maxMessageSize?: number;
  unidirectional?: boolean;
  /** Handles this router allocates: [first, last]. */
  handleRange?: [number, number];
}

/**
 * The router of one context: routes frames between its links, delivers those addressed to it
 * to their handlers, and starts children. The master's is a {@link Router}; code running in a
 * child reaches that child's with `currentRouter()`.
 */
export class CoreRouter extends ConnectionMethods {
  /** @internal */ readonly myId: number;
  /** @internal */ readonly name: string;
  /** @internal */ readonly parentIds: number[];
  /** @internal */ readonly maxMessageSize: number;
  /** @internal */ readonly unidirectional: boolean;
  /** @internal The link towards the parent (null in the master). */
  parent: Link | null = null;
  /** Context id -> link through which it is reached (children and their descendants). */
  protected readonly routes = new Map<number, Link>();
  /** @internal Handlers of this context and the delivery to them (routing/local-delivery.ts). */
  readonly delivery: LocalDelivery;
  /** @internal Frames for this context that a tap claims (the broker hands dispatcher frames over). */
  localTap: ((frame: Uint8Array, from: Link | null) => boolean) | null = null;
  /** Who is dead and why: the one owner of deaths in this process (routing/deaths.ts). */
  protected readonly deaths = new Deaths();
  private readonly contextCache = new Map<number, Context>();
  private readonly deathListeners: DeathListener[] = [];
  private readonly batchListeners: DeathsListener[] = [];
  /** @internal Lifecycle steps of the contexts this process knows (core/lifecycle/bus.ts). */
  readonly lifecycle = new LifecycleBus();
  /** @internal Every change of state of this router's Context objects (core/lifecycle/state-feed.ts). */
  readonly states = new StateFeed();
  /** Calls, receivers waiting, connections being made: while > 0 the process stays alive. */
  private pendingCount = 0;

  /** @internal */
  readonly decodeHooks: DecodeHooks = {
    context: (id, name) => this.contextFor(id, name),
    sender: (contextId, contextName, handle) => new Sender(this.contextFor(contextId, contextName), handle),
  };

  /** @internal */
  constructor(identity: RouterIdentity) {
    super();
    this.myId = identity.id;
    this.name = identity.name;
    this.parentIds = identity.parentIds;
    this.maxMessageSize = identity.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.unidirectional = identity.unidirectional ?? false;
    this.logger = new Logger(identity.id, identity.name, writeToStderr);
    const [first, last] = identity.handleRange ?? [FIRST_USER_HANDLE, FIRST_DISPATCHER_HANDLE - 1];
    this.delivery = new LocalDelivery(this, first, Math.min(last, LAST_HANDLE));
    // Heartbeats only need to arrive (src/core/links/heartbeat.ts).
    installHandle(this, heartbeatHandle, () => {});
  }

  // ---- logging (src/core/logging/: the broker, dispatcher and master install their logger) ----
  /** @internal */
  logger: Logger;

  /** @internal A record of the runtime; debug records go under `topic` (see Logger). */
  log(level: LogLevel, message: string, topic?: string): void {
    this.logger.log(level, message, topic);
  }

  // ---- handlers ----
  /** @internal */
  allocHandle(): number {
    return this.delivery.alloc();
  }

  /** Receives the messages sent to a handle of this context: `fn` runs for each (once unless `persist`); returns the handle. */
  addHandler(fn: Handler, opts: HandlerOptions = {}): number {
    return this.delivery.add(fn, opts);
  }

  /** Removes the handler of `handle`; false when there was none. */
  delHandler(handle: number): boolean {
    return this.delivery.delete(handle);
  }

  /** @internal */
  hasHandler(handle: number): boolean {
    return this.delivery.has(handle);
  }

  // ---- policies ----
  /** @internal The message's authority is this context or one of its parents. */
  hasParentAuthority = (msg: Message): boolean =>
    msg.authId === this.myId || this.parentIds.includes(msg.authId);

  /** @internal The message came straight from a child of this context. */
  isImmediateChild = (msg: Message, link: Link | null): boolean =>
    link !== null && link !== this.parent && link.remoteId === msg.authId;

  // ---- sending ----
  /** @internal Encodes `value` and sends it; an oversized message gets a dead reply (or throws without replyTo). */
  sendValue(dstId: number, handle: number, value: unknown, replyTo = NO_REPLY, path = 'value'): void {
    this.sendFrame(dstId, handle, encodeFrameGathered(value, path), replyTo);
  }

  /** @internal */
  sendData(dstId: number, handle: number, data: Uint8Array, replyTo = NO_REPLY): void {
    if (this.refuseOversized(dstId, data.byteLength, replyTo)) return;
    this.route(encodeFrame(dstId, this.myId, this.myId, handle, replyTo, data), null);
  }

  /** @internal
   * Sends data encoded after HEADER_SIZE reserved bytes (encodeAfter, encodeFrameGathered):
   * the header goes in place. Pieces (large binaries left uncopied) go out as one gathered
   * write when the next hop is a stream; anywhere else they are joined first.
   */
  sendFrame(dstId: number, handle: number, frame: Uint8Array | Uint8Array[], replyTo = NO_REPLY): void {
    if (!Array.isArray(frame)) {
      const length = frame.byteLength - HEADER_SIZE;
      if (this.refuseOversized(dstId, length, replyTo)) return;
      writeHeader(frame, 0, dstId, this.myId, this.myId, handle, replyTo, length);
      this.route(frame, null);
      return;
    }
    let total = 0;
    for (const piece of frame) total += piece.byteLength;
    if (this.refuseOversized(dstId, total - HEADER_SIZE, replyTo)) return;
    writeHeader(frame[0]!, 0, dstId, this.myId, this.myId, handle, replyTo, total - HEADER_SIZE);
    const link = dstId === this.myId || this.deaths.isDead(dstId) ? null : this.routes.get(dstId) ?? this.parent;
    if (link !== null && link.alive && link.sendPieces !== undefined) {
      link.sendPieces(frame, total);
      return;
    }
    this.route(joinPieces(frame, total), null);
  }

  /** An oversized message gets a dead reply, or throws when it expects none. */
  private refuseOversized(dstId: number, length: number, replyTo: number): boolean {
    if (length <= this.maxMessageSize) return false;
    const reason = `message of ${length} bytes exceeds maxMessageSize ${this.maxMessageSize}`;
    if (replyTo === NO_REPLY || replyTo === IS_DEAD) throw new ChannelError(reason);
    this.route(this.buildDeadFrame(this.myId, dstId, replyTo, reason), null);
    return true;
  }

  /** @internal A dead frame from `srcId` to `dstId`'s `handle`. */
  buildDeadFrame(dstId: number, srcId: number, handle: number, reason: string): Uint8Array {
    return deadFrame(dstId, srcId, handle, reason);
  }

  /** @internal Answers `frame` with a dead message, if it asked for a reply. */
  deadReply(frame: Uint8Array, reason: string): void {
    const replyTo = frameReplyTo(frame);
    if (replyTo === NO_REPLY || replyTo === IS_DEAD) {
      if (this.logger.debugEnabled('routing')) {
        this.logger.debug('routing', `dropped a message to ${frameDst(frame)}:${describeHandle(frameHandle(frame))}: ${reason}`);
      }
      return;
    }
    this.route(this.buildDeadFrame(frameSrc(frame), this.myId, replyTo, reason), null);
  }

  // ---- routing ----
  /** @internal Entry point for every frame: from a link, or made here (`from` null). */
  route(frame: Uint8Array, from: Link | null): void {
    if (from !== null && !this.accepts(frame, from)) return;
    const dst = frameDst(frame);
    if (dst === this.myId) {
      this.delivery.deliver(frame, from);
      return;
    }
    if (frame.byteLength - HEADER_SIZE > this.maxMessageSize) {
      this.deadReply(frame, `message of ${frame.byteLength - HEADER_SIZE} bytes exceeds maxMessageSize ${this.maxMessageSize}`);
      return;
    }
    const deadReason = this.deaths.reason(dst);
    if (deadReason !== undefined) {
      this.deadReply(frame, `${this.describeContext(dst)} is dead: ${deadReason}`);
      return;
    }
    const link = this.routes.get(dst) ?? this.parent;
    if (link === null || !link.alive || link === from) {
      this.deadReply(frame, `no route to context ${dst} from ${this.name}`);
      return;
    }
    if (this.unidirectional && from !== null && from !== this.parent && link !== this.parent) {
      this.deadReply(frame, `routing from context ${frameSrc(frame)} to ${dst} is forbidden: unidirectional routing allows children to talk only to their ancestors`);
      return;
    }
    link.send(frame);
  }

  /** Source check: a link may only speak for the contexts that live behind it. */
  private accepts(frame: Uint8Array, from: Link): boolean {
    const src = frameSrc(frame);
    const auth = frameAuth(frame);
    if (this.reachableThrough(src, from) && (auth === src || this.reachableThrough(auth, from))) return true;
    this.log('warn', `dropped a frame from ${from.label} claiming src ${src} auth ${auth}: not reachable through that stream`);
    return false;
  }

  protected reachableThrough(id: number, link: Link): boolean {
    if (link === this.parent) return id !== this.myId && this.routes.get(id) === undefined;
    return this.routes.get(id) === link;
  }

  /** @internal The link a frame for `id` leaves on (its route, else towards the parent). */
  linkTowards(id: number): Link | null {
    return this.routes.get(id) ?? this.parent;
  }

  // ---- routes and deaths ----
  /** @internal
   * Routes `id` through `link`. `parentId`: the context that started it (ADD_ROUTE says; a
   * link's own peer is a child of this context), so its death takes its subtree with it.
   */
  addRoute(id: number, link: Link, parentId?: number): void {
    this.routes.set(id, link);
    this.deaths.revive(id);
    const parent = parentId ?? (link.remoteId === id ? this.myId : undefined);
    if (parent !== undefined) this.deaths.setParent(id, parent);
  }

  /** @internal The link a context is reached through (its own stream, or the one towards it). */
  linkTo(id: number): Link | null {
    return this.routes.get(id) ?? null;
  }

  /** @internal Distinct live links to children (each child's stream once). */
  childLinks(): Set<Link> {
    const out = new Set<Link>();
    for (const l of this.routes.values()) if (l !== this.parent && l.alive) out.add(l);
    return out;
  }

  /** @internal Id of the parent context (-1 in the master). */
  get parentId(): number {
    return this.parentIds.length ? this.parentIds[this.parentIds.length - 1]! : -1;
  }

  /** @internal Called for each context death, once, parents before children; `from`: the link the news came on. */
  addDeathListener(fn: DeathListener): void {
    this.deathListeners.push(fn);
  }

  /** @internal Called once per death event with all it killed (a subtree), after the death listeners. */
  addDeathsListener = (fn: DeathsListener): number => this.batchListeners.push(fn);

  /** @internal
   * Marks a context and its subtree dead (routing/deaths.ts has the reason rule): every
   * handler awaiting one of them gets one dead message, the Context objects and the death
   * listeners (route propagation, lifecycles, children) are told. `from`: the link the
   * news came on (null when it was seen here). Already dead: nothing happens.
   */
  contextDied(id: number, reason: string, from: Link | null = null): void {
    this.contextsDied([[id, reason]], from);
  }

  /** @internal contextDied() for each `[id, reason]` in order; batch listeners hear every newly dead context once, together. */
  contextsDied(list: readonly (readonly [number, string])[], from: Link | null): void {
    const all: [number, string][] = [];
    for (const [id, reason] of list) {
      if (id === this.myId) continue;
      for (const d of this.deaths.kill(id, reason, (x) => this.contextCache.get(x)?.name ?? `#${x}`)) {
        all.push(d);
        this.afterDeath(d[0], d[1], from);
      }
    }
    if (all.length > 0) for (const fn of this.batchListeners) fn(all, from);
  }

  private afterDeath(id: number, reason: string, from: Link | null): void {
    this.routes.delete(id);
    this.delivery.respondentDied(id, reason);
    const ctx = this.contextCache.get(id);
    if (ctx) markContextDead(ctx, reason);
    for (const fn of this.deathListeners) fn(id, reason, from);
    this.onContextDead(id, reason);
  }

  /** Hook for subclasses (machines, observables). */
  protected onContextDead(_id: number, _reason: string): void {}

  /** @internal A link died: the context at its end and everything behind it are dead. */
  linkDied(link: Link, reason: string): void {
    // Its peer, then anything else routed through it (a route whose parent was never announced).
    const list: [number, string][] = link !== this.parent ? [[link.remoteId, reason]] : [];
    for (const [id, l] of this.routes) if (l === link) list.push([id, reason]);
    this.contextsDied(list, link);
  }

  /** @internal Records that `parentId` started `id` (so `id` dies with it). */
  noteParent(id: number, parentId: number): void {
    this.deaths.setParent(id, parentId);
  }

  /** @internal The context that started `id`, when known here. */
  parentOf(id: number): number | undefined {
    return this.deaths.parent(id);
  }

  /** @internal `context 'name' (#id)` when the name is known. */
  describeContext(id: number): string {
    const ctx = this.contextCache.get(id);
    return ctx ? `context '${ctx.name}' (#${id})` : `context #${id}`;
  }

  /** @internal */
  isDead(id: number): boolean {
    return this.deaths.isDead(id);
  }

  /** @internal */
  deadReason(id: number): string | undefined {
    return this.deaths.reason(id);
  }

  // ---- contexts ----
  /** @internal The Context object for an id (one per id per router). */
  contextFor(id: number, name?: string): Context {
    let ctx = this.contextCache.get(id);
    if (!ctx) {
      ctx = new Context(this, id, name ?? `context-${id}`);
      this.contextCache.set(id, ctx);
      this.delivery.interests.consider(id);
      const reason = this.deaths.reason(id);
      if (reason !== undefined) markContextDead(ctx, reason);
    }
    return ctx;
  }

  /** @internal Asks a context to shut down; with `wait`, resolves once it is dead. */
  async shutdownContext(ctx: Context, opts: ShutdownOptions): Promise<void> {
    if (!this.deaths.isDead(ctx.id)) this.sendData(ctx.id, SHUTDOWN, new Uint8Array(0), NO_REPLY);
    if (opts.wait) await ctx.whenDead();
  }

  /** Every change of state of every context this router knows (connecting ... dead, with the reason). */
  get lifecycles$(): Observable<ContextStateChange> {
    return this.states.changes$;
  }

  /** `up` when a context is running, `down` when it died. */
  get contexts$(): Observable<ContextEventRecord> {
    return this.states.contexts$;
  }

  /** The Context of this router itself (id 0 in the master). */
  myself(): Context {
    return this.contextFor(this.myId, this.name);
  }

  /** The Context for an id this router knows (created, announced by ADD_ROUTE, or received as a value). */
  contextById(id: number): Context | undefined {
    return this.contextCache.get(id);
  }

  // ---- keep-alive accounting ----
  /** @internal */ holdOpen(): void {
    if (this.pendingCount++ === 0) this.onBusyChange(true);
  }

  /** @internal */
  release(): void {
    if (--this.pendingCount === 0) this.onBusyChange(false);
  }

  protected onBusyChange(_busy: boolean): void {}
}
