// The router every context runs: local delivery to handlers, forwarding along routes, dead
// replies for everything that cannot be delivered. This is the hot path: plain code, no
// machines, no observables, no allocation on forwarding.
import { encodeFrameGathered, type DecodeHooks } from '../wire/codec.js';
import { Context, type ShutdownOptions } from '../calls/context.js';
import { ChannelError } from '../errors.js';
import { Message } from '../messaging/message.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  FIRST_DISPATCHER_HANDLE,
  FIRST_USER_HANDLE,
  HEADER_SIZE,
  IS_DEAD,
  LAST_HANDLE,
  NO_REPLY,
  SHUTDOWN,
  CREATE_CHILD,
  HEARTBEAT,
  describeHandle,
  encodeFrame,
  frameAuth,
  frameDst,
  frameHandle,
  frameReplyTo,
  frameSrc,
  writeHeader,
} from '../wire/protocol.js';
import { Sender } from '../messaging/sender.js';
import type { Link } from '../links/stream.js';
import { ConnectionMethods } from './connection-methods.js';
import type { ConnectionMethod, MethodOptions } from './connection-options.js';
import type { CommonOptions } from './connection-options.js';

export type Handler = (msg: Message) => void;
/** Decides whether a message may reach a handler; a refusal is answered with a dead reply. */
export type Policy = (msg: Message, link: Link | null) => boolean;

export interface HandlerOptions {
  handle?: number;
  /** Keep the handler after the first message (default true). */
  persist?: boolean;
  /** When this context dies, the handler receives one dead message and is removed. */
  respondent?: { id: number } | null;
  policy?: Policy;
}

interface HandlerEntry {
  fn: Handler;
  persist: boolean;
  respondent: number;
  policy: Policy | undefined;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface RouterIdentity {
  id: number;
  name: string;
  parentIds: number[];
  maxMessageSize?: number;
  unidirectional?: boolean;
  /** Handles this router allocates: [first, last]. */
  handleRange?: [number, number];
}

const utf8 = new TextEncoder();

export class CoreRouter extends ConnectionMethods {
  readonly myId: number;
  readonly name: string;
  readonly parentIds: number[];
  readonly maxMessageSize: number;
  readonly unidirectional: boolean;
  /** The link towards the parent (null in the master). */
  parent: Link | null = null;
  /** Context id -> link through which it is reached (children and their descendants). */
  protected readonly routes = new Map<number, Link>();
  private readonly handlers = new Map<number, HandlerEntry>();
  private readonly byRespondent = new Map<number, Set<number>>();
  private nextHandle: number;
  private readonly lastHandle: number;
  /** Frames for this context that a tap claims (the broker hands dispatcher frames over). */
  localTap: ((frame: Uint8Array, from: Link | null) => boolean) | null = null;
  /** Contexts known to be dead; messages to them are refused at once. */
  protected readonly dead = new Map<number, string>();
  private readonly contextCache = new Map<number, Context>();
  private readonly deathListeners: ((id: number, reason: string, fromParent: boolean) => void)[] = [];
  /** Calls, receivers waiting, connections being made: while > 0 the process stays alive. */
  private pendingCount = 0;

  readonly decodeHooks: DecodeHooks = {
    context: (id, name) => this.contextFor(id, name),
    sender: (contextId, contextName, handle) => new Sender(this.contextFor(contextId, contextName), handle),
  };

  constructor(identity: RouterIdentity) {
    super();
    this.myId = identity.id;
    this.name = identity.name;
    this.parentIds = identity.parentIds;
    this.maxMessageSize = identity.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.unidirectional = identity.unidirectional ?? false;
    const [first, last] = identity.handleRange ?? [FIRST_USER_HANDLE, FIRST_DISPATCHER_HANDLE - 1];
    this.nextHandle = first;
    this.lastHandle = Math.min(last, LAST_HANDLE);
    // Heartbeats only need to arrive (src/core/links/heartbeat.ts).
    this.addHandler(() => {}, { handle: HEARTBEAT });
  }

  // ---- logging (overridden by the master and the child) ----
  log(level: LogLevel, message: string): void {
    if (level === 'debug') return;
    process.stderr.write(`tendril[${this.name}] ${level}: ${message}\n`);
  }

  // ---- handlers ----
  allocHandle(): number {
    for (;;) {
      const h = this.nextHandle;
      this.nextHandle = h >= this.lastHandle ? FIRST_USER_HANDLE : h + 1;
      if (!this.handlers.has(h)) return h;
    }
  }

  addHandler(fn: Handler, opts: HandlerOptions = {}): number {
    const handle = opts.handle ?? this.allocHandle();
    const respondent = opts.respondent ? opts.respondent.id : -1;
    if (respondent >= 0 && this.dead.has(respondent)) {
      const reason = this.dead.get(respondent)!;
      queueMicrotask(() => fn(Message.dead(this, this.myId, respondent, handle, reason)));
      return handle;
    }
    this.handlers.set(handle, { fn, persist: opts.persist ?? true, respondent, policy: opts.policy });
    if (respondent >= 0) {
      let set = this.byRespondent.get(respondent);
      if (!set) this.byRespondent.set(respondent, (set = new Set()));
      set.add(handle);
    }
    return handle;
  }

  delHandler(handle: number): boolean {
    const entry = this.handlers.get(handle);
    if (!entry) return false;
    this.handlers.delete(handle);
    if (entry.respondent >= 0) this.byRespondent.get(entry.respondent)?.delete(handle);
    return true;
  }

  hasHandler(handle: number): boolean {
    return this.handlers.has(handle);
  }

  // ---- policies ----
  /** The message's authority is this context or one of its parents. */
  hasParentAuthority = (msg: Message): boolean =>
    msg.authId === this.myId || this.parentIds.includes(msg.authId);

  /** The message came straight from a child of this context. */
  isImmediateChild = (msg: Message, link: Link | null): boolean =>
    link !== null && link !== this.parent && link.remoteId === msg.authId;

  // ---- sending ----
  /** Encodes `value` and sends it; an oversized message gets a dead reply (or throws without replyTo). */
  sendValue(dstId: number, handle: number, value: unknown, replyTo = NO_REPLY, path = 'value'): void {
    this.sendFrame(dstId, handle, encodeFrameGathered(value, path), replyTo);
  }

  sendData(dstId: number, handle: number, data: Uint8Array, replyTo = NO_REPLY): void {
    if (this.refuseOversized(dstId, data.byteLength, replyTo)) return;
    this.route(encodeFrame(dstId, this.myId, this.myId, handle, replyTo, data), null);
  }

  /**
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
    const link = dstId === this.myId || this.dead.has(dstId) ? null : this.routes.get(dstId) ?? this.parent;
    if (link !== null && link.alive && link.sendPieces !== undefined) {
      link.sendPieces(frame, total);
      return;
    }
    const joined = new Uint8Array(total);
    let at = 0;
    for (const piece of frame) {
      joined.set(piece, at);
      at += piece.byteLength;
    }
    this.route(joined, null);
  }

  /** An oversized message gets a dead reply, or throws when it expects none. */
  private refuseOversized(dstId: number, length: number, replyTo: number): boolean {
    if (length <= this.maxMessageSize) return false;
    const reason = `message of ${length} bytes exceeds maxMessageSize ${this.maxMessageSize}`;
    if (replyTo === NO_REPLY || replyTo === IS_DEAD) throw new ChannelError(reason);
    this.route(this.buildDeadFrame(this.myId, dstId, replyTo, reason), null);
    return true;
  }

  /** A dead frame from `srcId` to `dstId`'s `handle`. */
  buildDeadFrame(dstId: number, srcId: number, handle: number, reason: string): Uint8Array {
    const data = utf8.encode(reason);
    const frame = new Uint8Array(HEADER_SIZE + data.byteLength);
    writeHeader(frame, 0, dstId, srcId, srcId, handle, IS_DEAD, data.byteLength);
    frame.set(data, HEADER_SIZE);
    return frame;
  }

  /** Answers `frame` with a dead message, if it asked for a reply. */
  protected deadReply(frame: Uint8Array, reason: string): void {
    const replyTo = frameReplyTo(frame);
    if (replyTo === NO_REPLY || replyTo === IS_DEAD) {
      this.log('debug', `dropped a message to ${frameDst(frame)}:${describeHandle(frameHandle(frame))}: ${reason}`);
      return;
    }
    this.route(this.buildDeadFrame(frameSrc(frame), this.myId, replyTo, reason), null);
  }

  // ---- routing ----
  /** Entry point for every frame: from a link, or made here (`from` null). */
  route(frame: Uint8Array, from: Link | null): void {
    if (from !== null && !this.accepts(frame, from)) return;
    const dst = frameDst(frame);
    if (dst === this.myId) {
      this.deliverLocal(frame, from);
      return;
    }
    if (frame.byteLength - HEADER_SIZE > this.maxMessageSize) {
      this.deadReply(frame, `message of ${frame.byteLength - HEADER_SIZE} bytes exceeds maxMessageSize ${this.maxMessageSize}`);
      return;
    }
    const deadReason = this.dead.get(dst);
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

  private deliverLocal(frame: Uint8Array, from: Link | null): void {
    if (this.localTap !== null && this.localTap(frame, from)) return;
    const handle = frameHandle(frame);
    const entry = this.handlers.get(handle);
    if (entry === undefined) {
      if (frameReplyTo(frame) !== IS_DEAD) {
        this.deadReply(frame, `no handler for handle ${describeHandle(handle)} in context ${this.name} (#${this.myId})`);
      }
      return;
    }
    const msg = new Message(frame, this);
    if (entry.policy !== undefined && !entry.policy(msg, from)) {
      this.log('warn', `refused a message to ${describeHandle(handle)} from context ${msg.srcId}: policy`);
      this.deadReply(frame, `refused by policy of handle ${describeHandle(handle)} in context ${this.name}`);
      return;
    }
    if (!entry.persist) this.delHandler(handle);
    this.invoke(entry.fn, msg);
  }

  private invoke(fn: Handler, msg: Message): void {
    try {
      fn(msg);
    } catch (e) {
      this.log('error', `handler ${describeHandle(msg.handle)} threw: ${(e as Error)?.stack ?? e}`);
    }
  }

  // ---- routes and deaths ----
  addRoute(id: number, link: Link): void {
    this.routes.set(id, link);
    this.dead.delete(id);
  }

  /** The link a context is reached through (its own stream, or the one towards it). */
  linkTo(id: number): Link | null {
    return this.routes.get(id) ?? null;
  }

  /** Distinct live links to children (each child's stream once). */
  childLinks(): Set<Link> {
    const out = new Set<Link>();
    for (const l of this.routes.values()) if (l !== this.parent && l.alive) out.add(l);
    return out;
  }

  /** Id of the parent context (-1 in the master). */
  get parentId(): number {
    return this.parentIds.length ? this.parentIds[this.parentIds.length - 1]! : -1;
  }

  /** Called for each context death, with whether the news came from the parent. */
  addDeathListener(fn: (id: number, reason: string, fromParent: boolean) => void): void {
    this.deathListeners.push(fn);
  }

  /**
   * Marks a context dead: its respondent handlers get one dead message each, death listeners
   * (route propagation, machines) are told. `fromParent`: the news came down from the parent.
   */
  contextDied(id: number, reason: string, fromParent = false): void {
    if (id === this.myId || this.dead.has(id)) return;
    this.dead.set(id, reason);
    this.routes.delete(id);
    const handles = this.byRespondent.get(id);
    if (handles) {
      this.byRespondent.delete(id);
      for (const h of handles) {
        const entry = this.handlers.get(h);
        if (!entry) continue;
        this.handlers.delete(h);
        this.invoke(entry.fn, Message.dead(this, this.myId, id, h, `${this.describeContext(id)} is dead: ${reason}`));
      }
    }
    this.contextCache.get(id)?.markDead(reason);
    for (const fn of this.deathListeners) fn(id, reason, fromParent);
    this.onContextDead(id, reason);
  }

  /** Hook for subclasses (machines, observables). */
  protected onContextDead(_id: number, _reason: string): void {}

  /** A link died: every context behind it is dead. */
  linkDied(link: Link, reason: string): void {
    const behind: number[] = [];
    for (const [id, l] of this.routes) if (l === link) behind.push(id);
    if (link !== this.parent && !behind.includes(link.remoteId)) behind.unshift(link.remoteId);
    for (const id of behind) this.contextDied(id, reason);
  }

  /** `context 'name' (#id)` when the name is known. */
  describeContext(id: number): string {
    const ctx = this.contextCache.get(id);
    return ctx ? `context '${ctx.name}' (#${id})` : `context #${id}`;
  }

  isDead(id: number): boolean {
    return this.dead.has(id);
  }

  deadReason(id: number): string | undefined {
    return this.dead.get(id);
  }

  // ---- contexts ----
  /** The Context object for an id (one per id per router). */
  contextFor(id: number, name?: string): Context {
    let ctx = this.contextCache.get(id);
    if (!ctx) {
      ctx = new Context(this, id, name ?? `context-${id}`);
      this.contextCache.set(id, ctx);
      const reason = this.dead.get(id);
      if (reason !== undefined) ctx.markDead(reason);
    }
    return ctx;
  }

  /**
   * Starts a child of this context (or of `opts.via`): the broker of that context runs the
   * connection. In the master, Router overrides this with its own driver.
   */
  async connect<M extends ConnectionMethod>(method: M, opts: MethodOptions[M] = {} as MethodOptions[M]): Promise<Context> {
    const { via, ...rest } = opts as CommonOptions;
    const target = via ?? this.myself();
    const reply = await target.sendAwait({ handle: CREATE_CHILD, data: { method, opts: rest } });
    if (!Array.isArray(reply) || typeof reply[0] !== 'number') throw new ChannelError('malformed CREATE_CHILD reply');
    return this.contextFor(reply[0], String(reply[1]));
  }

  /** Asks a context to shut down; with `wait`, resolves once it is dead. */
  async shutdownContext(ctx: Context, opts: ShutdownOptions): Promise<void> {
    if (!this.dead.has(ctx.id)) this.sendData(ctx.id, SHUTDOWN, new Uint8Array(0), NO_REPLY);
    if (opts.wait) await ctx.whenDead();
  }

  myself(): Context {
    return this.contextFor(this.myId, this.name);
  }

  contextById(id: number): Context | undefined {
    return this.contextCache.get(id);
  }

  // ---- keep-alive accounting ----
  holdOpen(): void {
    if (this.pendingCount++ === 0) this.onBusyChange(true);
  }

  release(): void {
    if (--this.pendingCount === 0) this.onBusyChange(false);
  }

  protected onBusyChange(_busy: boolean): void {}
}
