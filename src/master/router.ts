// The public Router: the master's router, which creates children, tracks their lifecycles as
// machines (the actor tree mirrors the context tree), forwards their logs and shuts them down.
import type { ChildProcess } from 'node:child_process';
import { Observable } from 'rxjs';
import { createActor, type Actor, type AnyActorRef } from 'xstate';
import { contextMachine, type ContextEvent } from '../../machines/context.js';
import type { ChildConfig } from '../core/child-config.js';
import type { Context, ContextState, ShutdownOptions } from '../core/context.js';
import { setProcessRouter } from '../core/current.js';
import { StreamError } from '../core/errors.js';
import { DEFAULT_MAX_MESSAGE_SIZE, NO_REPLY, SHUTDOWN } from '../core/protocol.js';
import { CoreRouter, LOG_LEVELS, type LogLevel } from '../core/router.js';
import { Stream } from '../core/stream.js';
import { localLaunch } from '../methods/local.js';
import type { CommonOptions, LocalOptions } from '../methods/options.js';
import { killTree, launch, newToken, nodeCommand, type LaunchSpec } from '../parent/connection.js';
import { LogHub, printRecord, type LogRecord } from './log-records.js';
import { ModuleResponder, type ModuleStats } from './module-responder.js';

export interface RouterOptions {
  /** Debug logs from the runtime, in the master and in every child. */
  debug?: boolean;
  profiling?: boolean;
  /** Children may talk only to their ancestors. */
  unidirectional?: boolean;
  /** Largest message accepted or sent, inherited by children (default 128 MiB). */
  maxMessageSize?: number;
  /** Grace before shutdown force-disconnects (default 5000 ms). */
  shutdownTimeout?: number;
  /** Print forwarded logs on the master's stderr (default true). */
  printLogs?: boolean;
}

export type ConnectionMethod = 'local';
export interface MethodOptions {
  local: LocalOptions;
}

type MethodBuilder<O> = (opts: O, node: { command: string; args: string[] }) => LaunchSpec;
const METHODS: { [M in ConnectionMethod]: MethodBuilder<MethodOptions[M]> } = {
  local: localLaunch,
};

/** What the master knows about a child it spawned itself. */
interface ChildRecord {
  ctx: Context;
  actor: AnyActorRef;
  proc: ChildProcess;
  stream: Stream;
  exited: boolean;
}

export interface ContextEventRecord {
  type: 'up' | 'down';
  context: Context;
}

const DEFAULT_CONNECT_TIMEOUT = 30_000;
const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;

export class Router extends CoreRouter {
  readonly shutdownTimeout: number;
  private debugEnabled: boolean;
  private readonly children = new Map<number, ChildRecord>();
  private nextId = 1;
  private busy = false;
  private shuttingDown: Promise<void> | null = null;
  private readonly connecting = new Set<Promise<Context>>();
  private readonly stopConnecting = new AbortController();
  private readonly logHub = new LogHub();
  private readonly contextEvents = new Set<(e: ContextEventRecord) => void>();
  /** The master's own actor: root of the actor tree. */
  private readonly root: Actor<typeof contextMachine>;
  private readonly modules: ModuleResponder;

  constructor(private readonly options: RouterOptions = {}) {
    super({
      id: 0,
      name: 'master',
      parentIds: [],
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      unidirectional: options.unidirectional ?? false,
    });
    this.shutdownTimeout = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
    this.debugEnabled = options.debug ?? false;
    if (options.printLogs ?? true) this.logHub.listen(printRecord);
    this.root = createActor(contextMachine, { input: { name: 'master', graceMs: this.shutdownTimeout } });
    this.root.start();
    this.root.send({ type: 'CONNECTED' });
    this.root.send({ type: 'BOOTSTRAPPED' });
    this.modules = new ModuleResponder(this);
    setProcessRouter(this);
  }

  /** What the module responder has served so far. */
  get moduleStats(): Readonly<ModuleStats> {
    return this.modules.stats;
  }

  // ---- logs ----
  override log(level: LogLevel, message: string): void {
    if (level === 'debug' && !this.debugEnabled) return;
    this.logHub.emit({ contextId: 0, contextName: 'master', source: 'tendril', level, message, time: Date.now() });
  }

  /** Every line children print and every runtime log record. */
  get logs$(): Observable<LogRecord> {
    return this.logHub.records$;
  }

  enableDebug(): void {
    this.debugEnabled = true;
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

  /** A new child node process on this machine. */
  local(opts: LocalOptions = {}): Promise<Context> {
    return this.connect('local', opts);
  }

  /** Starts a context with the named connection method. */
  connect<M extends ConnectionMethod>(method: M, opts: MethodOptions[M] = {} as MethodOptions[M]): Promise<Context> {
    // shutdown() waits for the connections in flight (it aborts them first).
    const connecting = this.connectNow(method, opts);
    this.connecting.add(connecting);
    const forget = (): void => void this.connecting.delete(connecting);
    connecting.then(forget, forget);
    return connecting;
  }

  private async connectNow<M extends ConnectionMethod>(method: M, opts: MethodOptions[M]): Promise<Context> {
    const build = METHODS[method] as MethodBuilder<MethodOptions[M]> | undefined;
    if (!build) throw new TypeError(`unknown connection method '${String(method)}'`);
    const common = opts as CommonOptions;
    if (common.via) throw new StreamError('via= (connecting through another context) is not available yet');
    if (this.shuttingDown) throw new StreamError('the router is shutting down');
    const id = this.nextId++;
    const name = common.name ?? `${method}.${id}`;
    const ctx = this.contextFor(id, name);
    const actor = this.adopt(ctx);
    const config: ChildConfig = {
      id,
      parentIds: [this.myId],
      name,
      debug: common.debug ?? this.debugEnabled,
      logLevel: common.debug ?? this.debugEnabled ? 'debug' : 'info',
      maxMessageSize: this.maxMessageSize,
      shutdownTimeout: this.shutdownTimeout,
      unidirectional: common.unidirectional ?? this.unidirectional,
    };
    this.holdOpen();
    try {
      const token = newToken();
      const spec = build({ ...opts, name }, nodeCommand(common.nodePath, token));
      this.send(actor, { type: 'CONNECTED' });
      const launched = await launch(spec, token, config, common.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT, {
        signal: this.stopConnecting.signal,
        onLine: (source, line) =>
          this.logHub.emit({ contextId: id, contextName: name, source, level: source === 'stderr' ? 'warn' : 'info', message: line, time: Date.now() }),
      });
      if (launched.leftover.length > 0) launched.fromChild.unshift(launched.leftover);
      const stream = new Stream(name, id, launched.fromChild, launched.toChild, this.maxMessageSize, {
        onFrame: (frame, s) => this.route(frame, s),
        onClose: (_s, reason) => this.childLost(id, reason),
      });
      const record: ChildRecord = { ctx, actor, proc: launched.proc, stream, exited: false };
      this.children.set(id, record);
      launched.proc.on('exit', (code, signal) => {
        record.exited = true;
        stream.close(`process exited (${signal ? `signal ${signal}` : `code ${code}`})`);
      });
      this.addRoute(id, stream);
      this.applyRef(record);
      this.send(actor, { type: 'BOOTSTRAPPED' });
      if (this.shuttingDown) this.askToShutDown(record);
      return ctx;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.send(actor, { type: 'FAIL', reason });
      this.contextDied(id, reason);
      throw e;
    } finally {
      this.release();
    }
  }

  /** Creates the context's actor under the master's and mirrors its state onto the Context. */
  private adopt(ctx: Context): AnyActorRef {
    this.root.send({ type: 'ADOPT', id: ctx.id, name: ctx.name });
    const actor = this.root.getSnapshot().context.children[ctx.id]!;
    ctx.setState('connecting');
    actor.subscribe((snap: { value: unknown }) => {
      const state = snap.value as ContextState;
      const before = ctx.state;
      if (state === 'dead') {
        this.contextDied(ctx.id, (snap as unknown as { context: { reason: string | null } }).context.reason ?? 'dead');
      } else {
        ctx.setState(state);
      }
      if (state === 'running' && before !== 'running') this.announce('up', ctx);
    });
    return actor;
  }

  private send(actor: AnyActorRef, event: ContextEvent): void {
    if (actor.getSnapshot().status === 'active') actor.send(event);
  }

  protected override onContextDead(id: number, reason: string): void {
    this.modules.forget(id);
    const record = this.children.get(id);
    if (record) {
      this.send(record.actor, { type: 'DISCONNECTED', reason });
      record.stream.close(reason);
      if (!record.exited) {
        // The child exits by itself on EOF; make sure of it after the grace period.
        const t = setTimeout(() => record.exited || killTree(record.proc), this.shutdownTimeout);
        t.unref();
      }
      this.children.delete(id);
    }
    const ctx = this.contextById(id);
    if (ctx) this.announce('down', ctx);
  }

  private childLost(id: number, reason: string): void {
    const record = this.children.get(id);
    if (record) this.linkDied(record.stream, reason);
  }

  /** Force-disconnects a child: its stream is closed and its process killed. */
  disconnect(ctx: Context): void {
    const record = this.children.get(ctx.id);
    if (!record) return;
    killTree(record.proc);
    this.contextDied(ctx.id, 'disconnected by the master');
  }

  // ---- shutdown ----
  private askToShutDown(record: ChildRecord): void {
    this.send(record.actor, { type: 'DRAIN', reason: 'shutdown requested' });
    record.ctx.setState('draining');
    try {
      this.sendData(record.ctx.id, SHUTDOWN, new Uint8Array(0), NO_REPLY);
    } catch {
      // the stream is already gone
    }
  }

  override async shutdownContext(ctx: Context, opts: ShutdownOptions): Promise<void> {
    const record = this.children.get(ctx.id);
    if (!record) return super.shutdownContext(ctx, opts);
    this.askToShutDown(record);
    const dead = this.forceAfterGrace(record);
    if (opts.wait) await dead;
  }

  /** Resolves when the child is dead; kills it if the grace period passes first. */
  private forceAfterGrace(record: ChildRecord): Promise<void> {
    this.holdOpen();
    const timer = setTimeout(() => {
      if (!record.exited) killTree(record.proc);
      this.contextDied(record.ctx.id, 'did not shut down within the grace period: killed');
    }, this.shutdownTimeout);
    const exited = new Promise<void>((resolve) => {
      if (record.exited) resolve();
      else record.proc.once('exit', () => resolve());
    });
    return Promise.all([record.ctx.whenDead(), exited]).then(() => {
      clearTimeout(timer);
      this.release();
    });
  }

  /** Asks every child to shut down, waits up to shutdownTimeout, then kills what is left. Idempotent. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      for (const r of this.children.values()) this.askToShutDown(r);
      // Connections being made are aborted; one that completed meanwhile was asked to shut down.
      this.stopConnecting.abort();
      await Promise.allSettled([...this.connecting]);
      const records = [...this.children.values()];
      await Promise.all(records.map((r) => this.forceAfterGrace(r)));
      this.send(this.root, { type: 'DRAIN', reason: 'router shut down' });
      this.root.stop();
    })();
    return this.shuttingDown;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  // ---- keep-alive ----
  protected override onBusyChange(busy: boolean): void {
    this.busy = busy;
    for (const r of this.children.values()) this.applyRef(r);
  }

  /** Children keep the master alive only while something is pending. */
  private applyRef(r: ChildRecord): void {
    const on = this.busy;
    r.stream.setRef(on);
    for (const s of [r.proc, r.proc.stdout, r.proc.stderr] as ({ ref?(): void; unref?(): void } | null)[]) {
      if (on) s?.ref?.();
      else s?.unref?.();
    }
  }

  /** Live children of the master (for tests and debugging). */
  childPids(): Map<number, number> {
    const out = new Map<number, number>();
    for (const [id, r] of this.children) if (r.proc.pid !== undefined) out.set(id, r.proc.pid);
    return out;
  }
}

export { LOG_LEVELS };
