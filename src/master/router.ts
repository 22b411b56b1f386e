// The public Router: the master's router. It creates children (directly, or through another
// context with via=), tracks every context's lifecycle as a machine (the actor tree mirrors
// the context tree), allocates ids, serves modules, forwards logs and shuts everything down.
import { Observable } from 'rxjs';
import { createActor, type Actor, type AnyActorRef } from 'xstate';
import { contextMachine, type ContextEvent } from '../../machines/context.js';
import { decode } from '../core/wire/codec.js';
import { setContextState, type Context, type ContextState, type ShutdownOptions } from '../core/calls/context.js';
import { setProcessRouter } from '../core/calls/current.js';
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
import { METHODS, resolveRegistered } from '../methods/index.js';
import { defaultContextName } from '../parent/method-table.js';
import { corePayload } from '../parent/payload.js';
import { LogHub, printRecord, type LogRecord } from './log-records.js';
import { installMasterMethods } from './methods.js';
import { ModuleResponder, type ModuleStats } from './module-responder.js';

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
}

export type { ConnectionMethod, MethodOptions };

/** One event of {@link Router.contexts$}. */
export interface ContextEventRecord {
  /** `up`: the context is running; `down`: it died. */
  type: 'up' | 'down';
  /** The context concerned. */
  context: Context;
}

/** A context and its children as the router's actor tree holds them (see contextTree()). */
export interface ContextTreeNode {
  /** The context's id. */
  id: number;
  /** The context's name. */
  name: string;
  /** The state of the context's lifecycle machine. */
  state: string;
  /** The contexts it started. */
  children: ContextTreeNode[];
}

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
  private readonly contextEvents = new Set<(e: ContextEventRecord) => void>();
  /** The master's own actor: root of the actor tree. */
  private readonly root: Actor<typeof contextMachine>;
  /** Every context's actor, by id (children of the actor of the context's parent). */
  private readonly actors = new Map<number, AnyActorRef>();
  private readonly modules: ModuleResponder;
  private readonly children: ChildSet;
  /** Referenced only while something is pending (see onBusyChange). */
  private readonly keepAlive = setInterval(() => undefined, 0x7fffffff).unref();
  /** Requests to other contexts to start children (via=), for shutdown to wait on. */
  private readonly remoteStarts = new Set<Promise<unknown>>();

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
    this.shutdownTimeout = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
    this.debugSetting = normalDebug(options.debug ?? parseDebug(process.env.TENDRIL_DEBUG));
    this.logger = new Logger(0, 'master', (r) => this.logHub.emit(r), this.debugSetting);
    if (options.printLogs ?? true) this.logHub.listen(printRecord);
    this.root = createActor(contextMachine, { input: { name: 'master', graceMs: this.shutdownTimeout } });
    this.root.start();
    this.root.send({ type: 'CONNECTED' });
    this.root.send({ type: 'BOOTSTRAPPED' });
    this.actors.set(0, this.root);
    this.modules = new ModuleResponder(this);
    this.children = new ChildSet(
      this,
      {
        payload: corePayload,
        shutdownTimeout: this.shutdownTimeout,
        debug: () => this.debugSetting,
        unidirectional: this.unidirectional,
        profiling: options.profiling ?? false,
        heartbeatInterval: options.heartbeatInterval,
        heartbeatMisses: options.heartbeatMisses,
        resolveMethod: resolveRegistered,
      },
      {
        onLine: (id, name, source, line) => this.emitLine(id, name, source, line),
        onConnecting: (id) => this.sendTo(id, { type: 'CONNECTED' }),
        onUp: (r) => this.sendTo(r.id, { type: 'BOOTSTRAPPED' }),
        onDraining: (id) => this.sendTo(id, { type: 'DRAIN', reason: 'shutdown requested' }),
      },
    );
    installRouteControl(this, { onRouteAdded: (id, name, parentId) => this.adoptRemote(id, name, parentId) }, 'master');
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
      this.sendTo(id, { type: 'DISCONNECTED', reason });
      this.actors.delete(id);
      const ctx = this.contextById(id);
      if (ctx) this.announce('down', ctx);
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
  /** `up` when a context is running, `down` when it died. */
  get contexts$(): Observable<ContextEventRecord> {
    return new Observable<ContextEventRecord>((sub) => {
      const fn = (e: ContextEventRecord): void => sub.next(e);
      this.contextEvents.add(fn);
      return () => this.contextEvents.delete(fn);
    });
  }

  private announce(type: 'up' | 'down', context: Context): void {
    for (const fn of this.contextEvents) fn({ type, context });
  }

  /** Starts a context with the named connection method, from the master or from `opts.via`. */
  override async connect<M extends ConnectionMethod>(method: M, opts: MethodOptions[M] = {} as MethodOptions[M]): Promise<Context> {
    if (this.shuttingDown) throw new StreamError('the router is shutting down');
    const { via, ...rest } = opts as CommonOptions;
    const id = this.takeIds(1);
    // Named after its target unless the caller named it (`ssh.web1`, `sudo.root`, `local.3`).
    const name = rest.name ?? defaultContextName(method, METHODS[method], rest as MethodOptions[M], id);
    const ctx = this.contextFor(id, name);
    if (via) return this.connectVia(via, method, { ...rest, name } as MethodOptions[M], ctx);
    this.adopt(ctx, 0);
    await this.children.start(method, { ...rest, name } as MethodOptions[M], id);
    return ctx;
  }

  /** Asks `via` to start the child; the new context's route arrives (ADD_ROUTE) before the reply. */
  private async connectVia<M extends ConnectionMethod>(via: Context, method: M, opts: MethodOptions[M], ctx: Context): Promise<Context> {
    via.assertAlive();
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

  /** A context started by another one was announced: give it an actor under its parent's. */
  private adoptRemote(id: number, name: string, parentId: number): void {
    const ctx = this.contextFor(id, name);
    if (this.actors.has(id)) return;
    this.adopt(ctx, parentId);
    this.sendTo(id, { type: 'CONNECTED' });
    this.sendTo(id, { type: 'BOOTSTRAPPED' });
  }

  /** Creates the context's actor under its parent's and mirrors its state onto the Context. */
  private adopt(ctx: Context, parentId: number): void {
    const parent = this.actors.get(parentId) ?? this.root;
    parent.send({ type: 'ADOPT', id: ctx.id, name: ctx.name });
    const actor = (parent.getSnapshot() as { context: { children: Record<number, AnyActorRef> } }).context.children[ctx.id];
    if (!actor) return;
    this.actors.set(ctx.id, actor);
    setContextState(ctx, 'connecting');
    actor.subscribe((snap: { value: unknown; context?: { reason: string | null } }) => {
      const state = snap.value as ContextState;
      const before = ctx.state;
      if (state === 'dead') this.contextDied(ctx.id, snap.context?.reason ?? 'dead');
      else setContextState(ctx, state);
      if (state === 'running' && before !== 'running') this.announce('up', ctx);
    });
  }

  private sendTo(id: number, event: ContextEvent): void {
    const actor = this.actors.get(id);
    if (actor && actor.getSnapshot().status === 'active') actor.send(event);
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

  /** The live tree of contexts with the state of each one's lifecycle machine (for debugging). */
  contextTree(): ContextTreeNode {
    const walk = (id: number, actor: AnyActorRef): ContextTreeNode => {
      const snap = actor.getSnapshot() as { value: unknown; context: { name: string; children: Record<number, AnyActorRef> } };
      const children = Object.entries(snap.context.children).map(([k, a]) => walk(Number(k), a));
      return { id, name: this.contextById(id)?.name ?? snap.context.name, state: String(snap.value), children };
    };
    return walk(0, this.root);
  }

  /** Force-disconnects a child: its stream is closed and its process killed. */
  disconnect(ctx: Context): void {
    if (this.children.records.has(ctx.id)) this.children.disconnect(ctx.id, 'disconnected by the master');
    else this.contextDied(ctx.id, 'disconnected by the master');
  }

  // ---- shutdown ----
  /** @internal */
  override async shutdownContext(ctx: Context, opts: ShutdownOptions): Promise<void> {
    const record = this.children.records.get(ctx.id);
    if (!record) {
      this.sendTo(ctx.id, { type: 'DRAIN', reason: 'shutdown requested' });
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
      if (this.root.getSnapshot().status === 'active') this.root.send({ type: 'DRAIN', reason: 'router shut down' });
      this.root.stop();
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
