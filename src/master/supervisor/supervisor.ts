// Supervisor: declarative failure handling over a set of children. The decisions (which
// children to restart, when, when to give up) are the supervisor machine's
// (machines/supervisor.ts); this class runs its effects against a Router: starting children
// with their `start` functions (each in a StartScope that owns the contexts it makes),
// watching their contexts die, stopping them in order, and it publishes the machine's state
// as an observable (public-state.ts). whenUp() waits in reachability terms (reach.ts): a
// child that can never be up again is a SupervisorError at once.
import { BehaviorSubject, merge, of, type Observable } from 'rxjs';
import { createActor, type Actor } from 'xstate';
import { STOP_MARGIN_MS, supervisorMachine, type ChildRef, type Decision, type SupervisorEvent } from '../../../machines/supervisor.js';
import type { Context } from '../../core/calls/context.js';
import { ChannelError, TimeoutError } from '../../core/errors.js';
import type { ContextTreeNode, Router } from '../router.js';
import { realClock, type SupervisorClock } from './clock.js';
import { defaultDecider, describeError, type Decider } from './decider.js';
import { describeSupervisor } from './describe.js';
import { SupervisorError } from './error.js';
import { initialChild, nextState } from './public-state.js';
import { reach } from './reach.js';
import { pathTo, StartScope } from './start-scope.js';
import type { SupervisedChildSpec, SupervisorOptions, SupervisorState } from './types.js';

/** One incarnation of a child, as the runtime sees it. */
interface Incarnation {
  inc: number;
  ctx: Context | null;
  /** The supervisor asked it to stop: its end is CHILD_STOPPED, not a failure. */
  stopping: boolean;
  /** The contexts its start made. */
  scope: StartScope | null;
}

let supervisors = 0;

/** Supervises a set of children (contexts, or nested supervisors): see SupervisorOptions. */
export class Supervisor {
  /** Its name (`options.name`, default `supervisor-N`). */
  readonly name: string;
  /** The time its delays run on. */
  readonly clock: SupervisorClock;
  private readonly specs = new Map<string, SupervisedChildSpec>();
  private readonly nested = new Map<string, Supervisor>();
  private readonly live = new Map<string, Incarnation>();
  /** Starts in flight and clean-ups, for shutdown() to wait on. */
  private readonly starts = new Set<Promise<unknown>>();
  private readonly subject: BehaviorSubject<SupervisorState>;
  private readonly decider: Decider;
  private readonly upTimeout: number;
  private actor: Actor<typeof supervisorMachine> | null = null;
  private ended: Promise<void> = Promise.resolve();
  private endedResolve: () => void = () => {};
  private removeHook: (() => void) | null = null;
  /** The supervisor that starts, restarts and stops this one (null: top-level). */
  readonly parent: Supervisor | null;

  /** Starts supervising at once: the children start as its strategy says. */
  constructor(
    /** The router its children are started with. */
    readonly router: Router,
    private readonly options: SupervisorOptions,
  ) {
    this.name = options.name ?? `supervisor-${++supervisors}`;
    this.decider = options.decider ?? defaultDecider;
    this.upTimeout = options.upTimeout ?? 30_000;
    this.parent = options.parent ?? null;
    this.clock = options.clock ?? this.parent?.clock ?? realClock;
    for (const spec of options.children) {
      if (this.specs.has(spec.id)) throw new TypeError(`duplicate child id '${spec.id}' in supervisor ${this.name}`);
      if (typeof spec.start !== 'function') throw new TypeError(`child '${spec.id}' of supervisor ${this.name} has no start function`);
      this.specs.set(spec.id, spec);
    }
    const now = this.clock.now();
    this.subject = new BehaviorSubject<SupervisorState>({
      name: this.name,
      strategy: options.strategy ?? 'one_for_one',
      intensityScope: options.intensityScope ?? 'supervisor',
      // A nested one is started by its parent right away.
      status: 'running',
      failure: null,
      recentRestarts: 0,
      intensity: options.intensity ?? 3,
      period: options.period ?? 60_000,
      since: now,
      children: Object.fromEntries(options.children.map((s) => [s.id, initialChild(s.id, s.restart ?? 'permanent', now)])),
    });
    if (this.parent) this.parent.adopt(this);
    else {
      // dump() lists the live top-level supervisors (a nested one is in its parent's state).
      router.supervisors.add(this);
      this.removeHook = router.onShutdown(() => this.shutdown());
      this.run();
    }
  }

  // ---- observing ----
  /** The whole supervisor: emits the current state, then every change; completes once a top-level one stopped or failed. */
  get state$(): Observable<SupervisorState> {
    return this.subject.isStopped ? of(this.state) : this.subject.asObservable();
  }

  /** The current state. */
  get state(): SupervisorState {
    return this.subject.getValue();
  }

  /**
   * Resolves with the current context of child `id` once it is up (and not about to be
   * stopped by its strategy); rejects at once with SupervisorError when it cannot be up
   * again, with TimeoutError after `timeout` ms (default upTimeout) otherwise.
   */
  whenUp(id: string, opts: { timeout?: number } = {}): Promise<Context> {
    if (this.nested.has(id)) return Promise.reject(new TypeError(`child '${id}' of ${this.name} is a supervisor, not a context`));
    if (!this.specs.has(id)) return Promise.reject(new TypeError(`supervisor ${this.name} has no child '${id}'`));
    const first = reach(this, id, this.live.get(id)?.ctx);
    if (first instanceof SupervisorError) return Promise.reject(first);
    if (first) return Promise.resolve(first);
    const timeout = opts.timeout ?? this.upTimeout;
    return new Promise<Context>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        queueMicrotask(() => sub.unsubscribe());
        this.router.release();
        fn();
      };
      // Something waits: the process stays alive (for backoff timers too) until it is settled.
      this.router.holdOpen();
      const timer = this.clock.setTimeout(
        () => settle(() => reject(new TimeoutError(`child '${id}' of supervisor ${this.name} not up within ${timeout} ms (it is ${this.state.children[id]?.status})`))),
        timeout,
      );
      // Changes of the ancestors matter too: a nested supervisor that failed may be restarted.
      const ancestors: Observable<unknown>[] = [];
      for (let s: Supervisor | null = this; s; s = s.parent) ancestors.push(s.subject);
      const sub = merge(...ancestors).subscribe(() => {
        const r = reach(this, id, this.live.get(id)?.ctx);
        if (r instanceof SupervisorError) settle(() => reject(r));
        else if (r) settle(() => resolve(r));
      });
    });
  }

  /** Calls `module#fn` in the current incarnation of child `id`, once it is up (never replayed). */
  async call(id: string, module: string | URL, fn: string, ...args: unknown[]): Promise<unknown> {
    const ctx = await this.whenUp(id);
    return ctx.call(module, fn, ...args);
  }

  /** Stops every child in reverse start order (each within the grace period), then resolves. Idempotent. */
  async shutdown(): Promise<void> {
    const actor = this.actor;
    if (actor && actor.getSnapshot().status === 'active') actor.send({ type: 'SHUTDOWN' });
    const grace = this.options.shutdownTimeout ?? this.router.shutdownTimeout;
    // Stopping is real work: on a clock of its own (a virtual one may stand still) each child
    // still also gets at most the grace period of real time.
    const guard = this.clock === realClock ? null : setInterval(() => {
      for (const [id, entry] of this.live) this.send({ type: 'STOP_TIMEOUT', id, incarnation: entry.inc });
    }, grace + STOP_MARGIN_MS).unref();
    await this.ended;
    if (guard) clearInterval(guard);
    // Starts abandoned past the grace period shut down what they start when they finish.
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.starts]), new Promise((r) => (graceTimer = setTimeout(r, grace).unref()))]);
    clearTimeout(graceTimer);
    this.removeHook?.();
  }

  /** `await using sup = new Supervisor(...)`: shutdown() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** The live tree of this supervisor and its children (see describeTree). */
  describe(): string {
    return describeSupervisor(this.state, this.clock.now()).join('\n');
  }

  // ---- the machine ----
  /** Starts (or restarts, when nested) with a fresh machine: no restart history, children from scratch. */
  private run(): void {
    const prev = this.actor;
    if (prev && prev.getSnapshot().status === 'active') prev.stop();
    // The old machine is over: a shutdown() still awaiting it must not wait forever.
    this.endedResolve();
    this.ended = new Promise((resolve) => (this.endedResolve = resolve));
    const o = this.options;
    const machine = supervisorMachine.provide({
      actions: {
        // Effects run after the transition: they may report back at once.
        startChild: (_, p: ChildRef) => queueMicrotask(() => this.startChild(p)),
        stopChild: (_, p: ChildRef) => queueMicrotask(() => this.stopChild(p)),
        killChild: (_, p: ChildRef) => queueMicrotask(() => this.killChild(p)),
        onFailed: () => queueMicrotask(() => this.finished(true)),
        onStopped: () => queueMicrotask(() => this.finished(false)),
      },
    });
    const actor = createActor(machine, {
      clock: this.clock,
      // router.inspect() sees supervisors too.
      inspect: this.router.inspection,
      input: {
        strategy: o.strategy,
        intensity: o.intensity,
        period: o.period,
        intensityScope: o.intensityScope,
        backoff: o.backoff,
        graceMs: o.shutdownTimeout ?? this.router.shutdownTimeout,
        children: [...this.specs.values(), ...this.nested.values()].map((s) =>
          s instanceof Supervisor ? { id: s.name, restart: 'transient' as const } : { id: s.id, restart: s.restart },
        ),
      },
    });
    this.actor = actor;
    actor.subscribe((snap) => {
      if (this.actor !== actor || this.subject.isStopped) return;
      const next = nextState(this.state, snap.value as string, snap.context, this.clock.now(), (id) => this.nested.get(id)?.state);
      if (next) this.subject.next(next);
    });
    actor.start();
  }

  private send(event: SupervisorEvent): void {
    const actor = this.actor;
    if (actor && actor.getSnapshot().status === 'active') actor.send(event);
  }

  private decide(error: unknown): Decision {
    try {
      const d = this.decider(error);
      return d === 'stop' || d === 'escalate' ? d : 'restart';
    } catch (e) {
      this.router.log('error', `the decider of supervisor ${this.name} threw: ${describeError(e)}`);
      return 'restart';
    }
  }

  private startChild({ id, incarnation }: ChildRef): void {
    const nested = this.nested.get(id);
    if (nested) {
      this.live.set(id, { inc: incarnation, ctx: null, stopping: false, scope: null });
      nested.run();
      this.send({ type: 'CHILD_UP', id, incarnation, contextId: null });
      return;
    }
    const scope = new StartScope(this.router);
    // Ids only grow: a context on the way to the new one with an id past this was made by this start.
    const floor = maxId(this.router.contextTree()) + 1;
    const entry: Incarnation = { inc: incarnation, ctx: null, stopping: false, scope };
    this.live.set(id, entry);
    const spec = this.specs.get(id)!;
    const p = (async () => spec.start(scope.router))();
    this.starts.add(p);
    p.then(
      (ctx) => {
        this.starts.delete(p);
        const isContext = !!ctx && typeof ctx.call === 'function';
        if (this.live.get(id) !== entry) {
          // Abandoned (it took longer than the grace period during a shutdown): not wanted any more.
          this.cleanUp(scope.discard(isContext ? ctx : undefined));
          return;
        }
        if (!isContext) return this.startFailed(id, entry, new TypeError(`start() of child '${id}' did not resolve with a Context`));
        scope.keep(ctx);
        // Hops it made through another router object than the one it was given (a closure over the master's).
        for (const h of pathTo(this.router.contextTree(), ctx.id)) {
          const hop = h >= floor && h !== ctx.id ? this.router.contextById(h) : undefined;
          if (hop) scope.adopt(hop);
        }
        entry.ctx = ctx;
        this.send({ type: 'CHILD_UP', id, incarnation, contextId: ctx.id });
        this.watch(id, entry, ctx);
      },
      (e: unknown) => {
        this.starts.delete(p);
        this.cleanUp(scope.discard());
        if (this.live.get(id) === entry) this.startFailed(id, entry, e);
      },
    );
  }

  private startFailed(id: string, entry: Incarnation, e: unknown): void {
    this.live.delete(id);
    this.send({ type: 'CHILD_FAILED', id, incarnation: entry.inc, reason: describeError(e), decision: this.decide(e), normal: false });
  }

  /** Reports the death of an incarnation: a stop it was asked for, or a failure. */
  private watch(id: string, entry: Incarnation, ctx: Context): void {
    let drained = false;
    ctx.state$.subscribe((s) => {
      if (s === 'draining') drained = true;
      if (s !== 'dead') return;
      this.release(entry);
      if (this.live.get(id) !== entry) return;
      this.live.delete(id);
      if (entry.stopping) return this.send({ type: 'CHILD_STOPPED', id, incarnation: entry.inc });
      const error = new ChannelError(`${ctx.name} (#${ctx.id}) died: ${ctx.deadReason ?? 'unknown reason'}`);
      // A context that was asked to shut down (drained) ended normally: a transient child stays down.
      this.send({ type: 'CHILD_FAILED', id, incarnation: entry.inc, reason: error.reason, decision: this.decide(error), normal: drained });
    });
  }

  private stopChild({ id, incarnation }: ChildRef): void {
    const entry = this.live.get(id);
    if (!entry || entry.inc !== incarnation) return;
    entry.stopping = true;
    const nested = this.nested.get(id);
    if (nested) void nested.shutdown();
    else void entry.ctx?.shutdown().catch(() => undefined);
  }

  private killChild({ id, incarnation }: ChildRef): void {
    const entry = this.live.get(id);
    if (!entry || entry.inc !== incarnation) return;
    this.live.delete(id);
    const nested = this.nested.get(id);
    if (nested) void nested.shutdown();
    else if (entry.ctx) this.router.disconnect(entry.ctx);
    entry.scope?.kill(this.router, this.inUse(entry).ids);
  }

  /** Ids of the contexts the other live incarnations run in or through, with the incarnation owning each. */
  private inUse(except: Incarnation): { ids: Set<number>; owner: Map<number, Incarnation> } {
    const tree = this.router.contextTree();
    const owner = new Map<number, Incarnation>();
    for (const other of this.live.values()) {
      if (other === except || !other.ctx) continue;
      for (const h of pathTo(tree, other.ctx.id)) if (!owner.has(h)) owner.set(h, other);
    }
    return { ids: new Set(owner.keys()), owner };
  }

  /** An incarnation is gone: its companions go too, except those another one runs through (handed over to it). */
  private release(entry: Incarnation): void {
    const scope = entry.scope;
    if (!scope) return;
    entry.scope = null;
    const { ids, owner } = this.inUse(entry);
    this.cleanUp(scope.release(ids).then((kept) => kept.forEach((c) => owner.get(c.id)?.scope?.adopt(c))));
  }

  private cleanUp(p: Promise<unknown>): void {
    this.starts.add(p);
    void p.finally(() => this.starts.delete(p));
  }

  /** The machine reached stopped or failed. */
  private finished(failed: boolean): void {
    const state = this.state;
    this.endedResolve();
    if (this.parent) {
      this.parent.nestedEnded(this, failed, state.failure ?? 'stopped');
      return;
    }
    if (failed) this.router.log('error', `supervisor ${this.name} failed: ${state.failure}`);
    this.router.supervisors.delete(this);
    this.removeHook?.();
    this.subject.complete();
  }

  // ---- nesting ----
  private adopt(child: Supervisor): void {
    if (this.specs.has(child.name) || this.nested.has(child.name)) throw new TypeError(`supervisor ${this.name} already has a child '${child.name}'`);
    this.nested.set(child.name, child);
    const state = this.state;
    const entry = { ...initialChild(child.name, 'transient', this.clock.now()), supervisor: child.state };
    this.subject.next({ ...state, children: { ...state.children, [child.name]: entry } });
    this.send({ type: 'ADD_CHILD', id: child.name, restart: 'transient' });
    // A nested supervisor's own changes show in its parent's state.
    child.subject.subscribe(() => this.publishNested(child));
  }

  private nestedEnded(child: Supervisor, failed: boolean, reason: string): void {
    const entry = this.live.get(child.name);
    if (!entry) return;
    this.live.delete(child.name);
    if (entry.stopping) return this.send({ type: 'CHILD_STOPPED', id: child.name, incarnation: entry.inc });
    const error = new SupervisorError(`supervisor ${child.name} ${failed ? `failed: ${reason}` : 'was shut down'}`, {
      supervisor: child.name, child: null, status: failed ? 'failed' : 'stopped', lastError: failed ? reason : null,
    });
    this.send({ type: 'CHILD_FAILED', id: child.name, incarnation: entry.inc, reason: error.message, decision: failed ? this.decide(error) : 'restart', normal: !failed });
  }

  private publishNested(child: Supervisor): void {
    const state = this.state;
    const entry = state.children[child.name];
    if (!entry || this.subject.isStopped) return;
    this.subject.next({ ...state, children: { ...state.children, [child.name]: { ...entry, supervisor: child.state } } });
  }
}

function maxId(node: ContextTreeNode): number {
  return Math.max(node.id, ...node.children.map(maxId));
}
