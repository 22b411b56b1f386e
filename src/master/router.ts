// The public Router: the master's router. It creates children (directly, or through another
// context with via=), tracks every context's lifecycle as a machine (the actor tree mirrors
// the context tree), allocates ids, serves modules, forwards logs and shuts everything down.
import { Observable } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import { decode } from '../core/wire/codec.js';
import type { Context, ShutdownOptions } from '../core/calls/context.js';
import { setProcessRouter } from '../core/calls/current.js';
import { setDefaultCallTimeout } from '../core/calls/call-options.js';
import { CallError, HostKeyError, PasswordError, StreamError } from '../core/errors.js';
import { CREATE_CHILD, DEFAULT_MAX_MESSAGE_SIZE } from '../core/wire/protocol.js';
import { installRouteControl } from '../core/routing/route-control.js';
import { installHandle } from '../core/handles/install.js';
import { readPayload } from '../core/handles/payload.js';
import { allocateIdHandle } from '../core/handles/allocate-id.js';
import { forwardLogHandle } from '../core/handles/forward-log.js';
import { CoreRouter, LOG_LEVELS } from '../core/routing/router.js';
import { fromWire, printedLine } from '../core/logging/log-record.js';
import { Logger, normalDebug, parseDebug, type DebugSetting } from '../core/logging/logger.js';
import type { Message } from '../core/messaging/message.js';
import type { ConnectionMethod, MethodOptions } from '../core/routing/connection-options.js';
import type { CommonOptions } from '../core/routing/connection-options.js';
import { ChildSet } from '../parent/child-set.js';
import type { LifecycleStep } from '../core/lifecycle/bus.js';
import { installLifecycleNotices } from '../core/lifecycle/notices.js';
import { ActorTree, type ContextTreeNode } from './actor-tree.js';
import { takeDump, type RouterDump } from './dump.js';
import type { SupervisorState } from './supervisor/types.js';
import { METHODS, resolveRegistered } from '../methods/index.js';
import { defaultContextName } from '../parent/method-table.js';
import { corePayload } from '../parent/payload.js';
import { LogHub, printRecord, type LogRecord } from './log-records.js';
import { installMasterMethods } from './methods.js';
import { ModuleResponder, type ModuleStats } from './module-responder.js';
import { DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_MISSES } from '../core/links/heartbeat.js';
import { liveContexts, startListener, type Listener, type ListenOptions } from './listener/listener.js';
import { RouterFiles } from '../files/router-files.js';
import type { ImportPolicy } from './module-responder-policy.js';

/** Options of a new {@link Router}. */
export interface RouterOptions {
  /**
   * Debug logs from the runtime, in the master and in every child started afterwards: true
   * for every topic, or a list of topics (`['routing', 'modules']`). Unset: the environment
   * variable TENDRIL_DEBUG decides (`1`, or a comma list of topics).
   */
  debug?: boolean | readonly string[];
  /** Every child logs the duration of each call it runs (`profile module#fn 1.234 ms ok`). */
  profiling?: boolean;
  /**
   * The timeout of every call that gives none (`ctx.with({ timeout })` overrides it), from
   * the master and from code in every child started afterwards. Default: none.
   */
  callTimeout?: number;
  /** Children may talk only to their ancestors. */
  unidirectional?: boolean;
  /** Largest message accepted or sent, inherited by children (default 128 MiB). */
  maxMessageSize?: number;
  /** Grace before shutdown force-disconnects (default 5000 ms). */
  shutdownTimeout?: number;
  /** Print forwarded logs on the master's stderr (default true). */
  printLogs?: boolean;
  /**
   * Heartbeats on every stream, both ways (default 5000 ms; 0: off): a peer silent for
   * `heartbeatMisses` intervals (default 3) is declared dead, within interval × (misses + 1).
   */
  heartbeatInterval?: number;
  /** Missed heartbeat intervals after which a peer is declared dead (default 3). */
  heartbeatMisses?: number;
  /**
   * Receives XState inspection events of the live actor tree from the start (the shape
   * XState's `inspect` option uses); see Router.inspect().
   */
  inspect?: (event: InspectionEvent) => void;
  /**
   * Which modules children may load from the master (matched on the specifier and the
   * resolved path; deny wins; see ImportPolicy). A refused load is a CallError naming the
   * rule. Default: everything may load.
   */
  importPolicy?: ImportPolicy;
}

export type { ConnectionMethod, MethodOptions };

export type { ContextEventRecord, ContextStateChange } from '../core/lifecycle/state-feed.js';

export type { ContextTreeNode } from './actor-tree.js';
export type { DumpedContext, RouterDump } from './dump.js';
export type { PendingCall } from '../core/routing/handler-table.js';

const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;

/**
 * The master's router: starts contexts (`local`, `ssh`, `sudo`... or `connect(method, opts)`),
 * routes their messages, serves them modules, forwards their logs and shuts them all down.
 */
export class Router extends CoreRouter {
  /** @internal */
  readonly shutdownTimeout: number;
  private debugSetting: DebugSetting;
  private nextId = 1;
  private shuttingDown: Promise<void> | null = null;
  /** Run first by shutdown() (supervisors stop their children in order). */
  private readonly shutdownHooks = new Set<() => Promise<unknown>>();
  private readonly logHub = new LogHub();
  /** Every context's actor, each a child of its parent's: the tree mirrors routing (actor-tree.ts). */
  private readonly actors: ActorTree;
  private readonly modules: ModuleResponder;
  private readonly children: ChildSet;
  /** Referenced only while something is pending (see onBusyChange). */
  private readonly keepAlive = setInterval(() => undefined, 0x7fffffff).unref();
  /** Requests to other contexts to start children (via=), for shutdown to wait on. */
  private readonly remoteStarts = new Set<Promise<unknown>>();
  /** File transfer: `files.push(contexts, local, remote)` down the tree, `files.allow(path)` for get. */
  readonly files: RouterFiles = new RouterFiles(this);

  /** A master router (one per process is usual; code in a child uses `currentRouter()` instead). */
  constructor(private readonly options: RouterOptions = {}) {
    super({
      id: 0,
      name: 'master',
      parentIds: [],
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      unidirectional: options.unidirectional ?? false,
    });
    installMasterMethods();
    setDefaultCallTimeout(this, options.callTimeout);
    this.shutdownTimeout = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
    this.debugSetting = normalDebug(options.debug ?? parseDebug(process.env.TENDRIL_DEBUG));
    this.logger = new Logger(0, 'master', (r) => this.logHub.emit(r), this.debugSetting);
    if (options.printLogs ?? true) this.logHub.listen(printRecord);
    this.actors = new ActorTree(
      {
        contextFor: (id, name) => this.contextFor(id, name),
        contextById: (id) => this.contextById(id),
        isDead: (id) => this.isDead(id),
        contextDied: (id, reason) => this.contextDied(id, reason),
        noteDraining: (id, reason) => this.deaths.draining(id, reason),
      },
      this.shutdownTimeout,
      options.inspect,
    );
    // Every lifecycle step, whoever reports it, moves the actors (core/lifecycle/bus.ts).
    this.lifecycle.listen((step) => this.actors.step(step));
    this.modules = new ModuleResponder(this, options.importPolicy);
    this.children = new ChildSet(
      this,
      {
        payload: corePayload,
        shutdownTimeout: this.shutdownTimeout,
        debug: () => this.debugSetting,
        unidirectional: this.unidirectional,
        profiling: options.profiling ?? false,
        callTimeout: options.callTimeout,
        heartbeatInterval: options.heartbeatInterval,
        heartbeatMisses: options.heartbeatMisses,
        resolveMethod: resolveRegistered,
      },
      {
        onLine: (id, name, source, line) => this.emitLine(id, name, source, line),
      },
    );
    installRouteControl(this, {}, 'master');
    installLifecycleNotices(this, 'master');
    installHandle(
      this,
      allocateIdHandle,
      (msg) => {
        const count = readPayload(allocateIdHandle, msg.data);
        msg.reply([this.takeIds(count), count]);
      },
      'master',
    );
    installHandle(this, forwardLogHandle, (msg) => this.onForwardedLog(msg), 'master');
    this.addDeathListener((id, reason) => {
      this.modules.forget(id);
      this.actors.died(id, reason);
    });
    setProcessRouter(this);
  }

  /** What the module responder has served so far. */
  get moduleStats(): Readonly<ModuleStats> {
    return this.modules.stats;
  }

  private takeIds(count: number): number {
    const first = this.nextId;
    this.nextId += count;
    return first;
  }

  // ---- logs ----
  private emitLine(id: number, name: string, source: 'stdout' | 'stderr', line: string): void {
    this.logHub.emit(printedLine(id, name, source, line));
  }

  /**
   * Records of every context's runtime, and lines printed by contexts below an intermediate
   * (forwarded by it). A runtime record speaks only for the context that sent it.
   */
  private onForwardedLog(msg: Message): void {
    let record: ReturnType<typeof fromWire> = null;
    try {
      record = fromWire(decode(msg.data));
    } catch {
      // undecodable: dropped below
    }
    if (record === null || (record.source === 'tendril' && record.contextId !== msg.srcId)) {
      this.logger.log('warn', `dropped a malformed FORWARD_LOG record from context ${msg.srcId}`);
      return;
    }
    this.logHub.emit(record);
  }

  /** Every line children print and every runtime log record. */
  get logs$(): Observable<LogRecord> {
    return this.logHub.records$;
  }

  /** Debug logs on for every topic, in the master and in children started from now on. */
  enableDebug(): void {
    this.debugSetting = true;
    this.logger.setDebug(true);
  }

  // ---- contexts ----
  /** Starts a context with the named connection method, from the master or from `opts.via`. */
  override async connect<M extends ConnectionMethod>(method: M, opts: MethodOptions[M] = {} as MethodOptions[M]): Promise<Context> {
    if (this.shuttingDown) throw new StreamError('the router is shutting down');
    const { via, ...rest } = opts as CommonOptions;
    // Before any Context exists: one made for a dead `via` would never start nor die.
    via?.assertAlive();
    const id = this.takeIds(1);
    // Named after its target unless the caller named it (`ssh.web1`, `sudo.root`, `local.3`).
    const name = rest.name ?? defaultContextName(method, METHODS[method], rest as MethodOptions[M], id);
    const ctx = this.contextFor(id, name);
    if (via) return this.connectVia(via, method, { ...rest, name } as MethodOptions[M], ctx);
    this.actors.adopt(ctx, 0);
    await this.children.start(method, { ...rest, name } as MethodOptions[M], id);
    return ctx;
  }

  /** Asks `via` to start the child; the new context's route arrives (ADD_ROUTE) before the reply. */
  private async connectVia<M extends ConnectionMethod>(via: Context, method: M, opts: MethodOptions[M], ctx: Context): Promise<Context> {
    via.assertAlive();
    // Connecting from now on, under its parent's actor (the intermediate reports each step).
    this.step(ctx.id, ctx.name, 'STARTED', null, via.id);
    const p = via.sendAwait({ handle: CREATE_CHILD, data: { method, opts, id: ctx.id } });
    this.remoteStarts.add(p);
    try {
      await p;
    } catch (e) {
      this.contextDied(ctx.id, (e as Error).message);
      if (e instanceof CallError) {
        // The intermediate's PasswordError or HostKeyError stays one here.
        const Kind = e.remoteType === 'PasswordError' ? PasswordError : e.remoteType === 'HostKeyError' ? HostKeyError : StreamError;
        throw new Kind(`${ctx.name} (via ${via.name}): ${e.remoteMessage}`);
      }
      throw e;
    } finally {
      this.remoteStarts.delete(p);
    }
    return ctx;
  }

  /** A lifecycle step of a context this router started (its ChildSet, or via another context). */
  private step(id: number, name: string, event: LifecycleStep['event'], reason: string | null, parentId = 0): void {
    this.lifecycle.emit({ id, name, parentId, event, reason, from: null });
  }

  /**
   * XState inspection events (`@xstate.actor`, `@xstate.snapshot`, `@xstate.event`) of the
   * live actor tree: every context, the stream of each direct child, and every Supervisor of
   * this router. Returns the unsubscription.
   */
  inspect(observer: ((event: InspectionEvent) => void) | { next(event: InspectionEvent): void }): () => void {
    return this.actors.inspect(typeof observer === 'function' ? observer : (e) => observer.next(e));
  }

  /** @internal The inspection observer for actors created elsewhere (supervisors). */
  get inspection(): (event: InspectionEvent) => void {
    return this.actors.inspection;
  }

  /** @internal Runs `fn` at the start of shutdown() (a Supervisor stops its children first); returns the removal. */
  onShutdown(fn: () => Promise<unknown>): () => void {
    this.shutdownHooks.add(fn);
    return () => void this.shutdownHooks.delete(fn);
  }

  /** @internal Whether shutdown() was called. */
  get isShuttingDown(): boolean {
    return this.shuttingDown !== null;
  }

  /**
   * Accepts other local processes of this user into the tree on a Unix socket (mode 0600, in a
   * private directory unless `opts.path`), for `connectUnix()`; a peer of another uid is
   * refused. Keeps the process alive until the listener's `close()` or shutdown().
   */
  listen(opts: ListenOptions = {}): Promise<Listener> {
    if (this.shuttingDown) return Promise.reject(new StreamError('the router is shutting down'));
    const { heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL, heartbeatMisses = DEFAULT_HEARTBEAT_MISSES } = this.options;
    const contexts = (): [number, string, number][] => liveContexts(this.actors.tree());
    return startListener({ router: this, takeId: () => this.takeIds(1), contexts, heartbeatInterval, heartbeatMisses, onShutdown: (fn) => this.onShutdown(fn) }, opts);
  }

  /** The live tree of contexts with the state of each one's lifecycle machine (for debugging). */
  contextTree(): ContextTreeNode {
    return this.actors.tree();
  }

  /**
   * The whole live picture as plain data: every context with its state, death reason, stream,
   * the master's calls waiting on it (module#fn, age) and other receivers; every supervisor.
   */
  dump(): RouterDump {
    return takeDump({
      tree: this.actors.tree(),
      deadReason: (id) => this.deadReason(id) ?? null,
      streamState: (id) => this.actors.streamState(id) ?? null,
      awaiting: this.delivery.awaiting(),
      supervisors: [...this.supervisors].map((s) => s.state),
    });
  }

  /** @internal Live top-level supervisors of this router (dump()); a Supervisor adds and removes itself. */
  readonly supervisors = new Set<{ readonly state: SupervisorState }>();

  /** Force-disconnects a child: its stream is closed and its process killed. */
  disconnect(ctx: Context): void {
    if (this.children.records.has(ctx.id)) this.children.disconnect(ctx.id, 'disconnected by the master');
    else this.contextDied(ctx.id, 'disconnected by the master');
  }

  /**
   * Force-disconnects every direct child at once, without a grace period: each stream is
   * closed and each process killed; calls pending on them (and on contexts below them) reject
   * with ChannelError. Resolves when they are all dead. The router stays usable.
   */
  async disconnectAll(): Promise<void> {
    const ids = [...this.children.records.keys()];
    for (const id of ids) this.children.disconnect(id, 'disconnected by the master (disconnectAll)');
    await Promise.all(ids.map((id) => this.contextFor(id).whenDead()));
  }

  // ---- shutdown ----
  /** @internal */
  override async shutdownContext(ctx: Context, opts: ShutdownOptions): Promise<void> {
    const record = this.children.records.get(ctx.id);
    if (!record) {
      this.step(ctx.id, ctx.name, 'DRAINING', 'shutdown requested', this.parentOf(ctx.id) ?? 0);
      return super.shutdownContext(ctx, opts);
    }
    this.children.askToShutDown(record);
    const dead = this.children.forceAfterGrace(record);
    if (opts.wait) await dead;
  }

  /** Asks every child to shut down, waits up to shutdownTimeout, then kills what is left. Idempotent. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      await Promise.allSettled([...this.shutdownHooks].map((fn) => fn()));
      // Children first: an intermediate asked to start a context aborts it as it shuts down.
      const children = this.children.shutdownAll();
      await Promise.allSettled([...this.remoteStarts]);
      await children;
      this.actors.stop();
      clearInterval(this.keepAlive);
    })();
    return this.shuttingDown;
  }

  /** `await using router = new Router()`: shutdown() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  // ---- keep-alive ----
  /**
   * The children's handles never keep the master alive; one timer does, while something is
   * pending: O(1) per busy/idle switch, however many children there are.
   */
  protected override onBusyChange(busy: boolean): void {
    if (busy) this.keepAlive.ref();
    else this.keepAlive.unref();
  }

  /** Pids of the master's own children (for tests and debugging). */
  childPids(): Map<number, number> {
    return this.children.pids();
  }
}

export { LOG_LEVELS };
