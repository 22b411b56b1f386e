// The router of a process attached to another master's tree with connectUnix(): its only
// link is the Unix socket to the listener (its parent). It makes calls and sends messages into
// the tree like any context; it runs no calls itself (it has no dispatcher, as a master).
import type { Context } from '../../core/calls/context.js';
import { StreamError } from '../../core/errors.js';
import { deathPairs, delRouteHandle } from '../../core/handles/del-route.js';
import { installHandle } from '../../core/handles/install.js';
import { shutdownHandle } from '../../core/handles/shutdown.js';
import { payloadOrDrop } from '../../core/handles/payload.js';
import type { Stream } from '../../core/links/stream.js';
import type { ConnectionMethod, MethodOptions, CommonOptions } from '../../core/routing/connection-options.js';
import { CoreRouter } from '../../core/routing/router.js';
import type { Welcome } from './handshake.js';

/**
 * The router `connectUnix()` gives: a context of the listener's tree, in this process. Calls
 * from it reach every context of that tree with the listener's authority; when the listener
 * goes (its process dies, `close()`, its router shuts down) every pending call and receiver
 * awaiting a context of the tree fails with a ChannelError, and so does every later call.
 */
export class AttachedRouter extends CoreRouter {
  /** Ids of the tree's contexts this router was told of (they all die with the link). */
  private readonly known = new Set<number>();
  private lostReason: string | null = null;
  private detachReason: string | null = null;
  private stream: Stream | null = null;
  /** Referenced only while something is pending, as in the master. */
  private readonly keepAlive = setInterval(() => undefined, 0x7fffffff).unref();

  /** @internal */
  constructor(
    welcome: Welcome,
    /** The listener's socket path. */
    readonly path: string,
  ) {
    super({ id: welcome.id, name: welcome.name, parentIds: welcome.parentIds, maxMessageSize: welcome.maxMessageSize });
    this.learn(welcome.peer.id, welcome.peer.name, -1);
    for (const [id, name, parentId] of welcome.contexts) this.learn(id, name, parentId);
    // Asked to shut down (ctx.shutdown() on the listener's side): detach.
    installHandle(this, shutdownHandle, () => {
      this.detached('shutdown requested by the listener');
      void this.shutdown();
    });
    // Deaths in the tree, told by the listener: one DEL_ROUTE per death event, with every context that died in it.
    installHandle(this, delRouteHandle, (msg) => {
      const v = payloadOrDrop(this, delRouteHandle, msg);
      if (v !== undefined && this.parentIds.includes(msg.authId)) this.contextsDied(deathPairs(v), this.parent);
    });
  }

  /** @internal A context of the tree: known from now on (contextById finds it). */
  learn(id: number, name: string, parentId: number): void {
    if (id === this.myId) return;
    this.contextFor(id, name);
    if (parentId >= 0) this.noteParent(id, parentId);
    this.known.add(id);
  }

  /** @internal The link to the listener; its end ends this router. */
  attach(stream: Stream): void {
    this.stream = stream;
    this.parent = stream;
  }

  /** @internal The listener said why it detaches this process (before closing the socket). */
  detached(reason: string): void {
    this.detachReason ??= reason;
  }

  /** @internal The link to the listener ended: everything reached through it is dead. */
  lost(streamReason: string): void {
    if (this.lostReason !== null) return;
    const reason = this.detachReason ?? streamReason;
    this.lostReason = reason;
    const why = `lost the listener at ${this.path}: ${reason}`;
    const ids = new Set([...this.known, ...this.delivery.awaiting().keys()]);
    for (const id of ids) this.contextDied(id, why);
    clearInterval(this.keepAlive);
  }

  /** Why the link to the listener ended, or null while it is up. */
  get closedReason(): string | null {
    return this.lostReason;
  }

  /** The listener's context (the `peer` of connectUnix()). */
  get peer(): Context {
    return this.contextFor(this.parentId);
  }

  /**
   * Starts a context through a context of the tree (`opts.via` is required: this process starts
   * no children itself).
   */
  override async connect<M extends ConnectionMethod>(method: M, opts: MethodOptions[M] = {} as MethodOptions[M]): Promise<Context> {
    if ((opts as CommonOptions).via === undefined) {
      throw new StreamError(`an attached router starts contexts only through a context of the tree: pass via (e.g. { via: peer's child })`);
    }
    return super.connect(method, opts);
  }

  /** Detaches from the listener: the socket closes and every context of the tree reads as dead here. Idempotent. */
  async shutdown(): Promise<void> {
    this.stream?.end();
    this.stream?.close('detached (shutdown requested)');
    this.lost('detached (shutdown requested)');
  }

  /** `await using { router } = await connectUnix(path)`: shutdown() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  protected override onBusyChange(busy: boolean): void {
    if (busy) this.keepAlive.ref();
    else this.keepAlive.unref();
  }
}
