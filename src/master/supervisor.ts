// Supervisor: declarative failure handling over a set of children. The decisions (which
// children to restart, when, when to give up) are the supervisor machine's
// (machines/supervisor.ts); this file runs its effects against a Router: starting children
// with their `start` functions, watching their contexts die, stopping them in order, and it
// publishes the machine's state as an observable.
import { BehaviorSubject, merge, of, type Observable } from 'rxjs';
import { createActor, type Actor } from 'xstate';
import {
  supervisorMachine,
  type ChildRef,
  type ChildStatus,
  type Decision,
  type RestartType,
  type Strategy,
  type SupervisorContext,
  type SupervisorEvent,
} from '../../machines/supervisor.js';
import type { Context } from '../core/calls/context.js';
import { CallError, ChannelError, TendrilError, TimeoutError } from '../core/errors.js';
import type { ContextTreeNode, Router } from './router.js';

export type { Strategy as SupervisorStrategy, RestartType, Decision };

/** Maps a failure (a start that threw, a context that died) to what the supervisor does. */
export type Decider = (error: unknown) => Decision;

export interface SupervisedChildSpec {
  /** Unique within the supervisor. */
  id: string;
  /** Starts the child and resolves with its context (called again for each restart). */
  start: (router: Router) => Promise<Context>;
  /** permanent (default): always restarted; transient: unless it shut down normally; temporary: never. */
  restart?: RestartType;
}

export interface SupervisorOptions {
  strategy?: Strategy;
  /** More than `intensity` restarts within `period` ms: stop every child and fail (default 3 in 60000). */
  intensity?: number;
  period?: number;
  /** Restart delays: doubling from min to max, ± jitter, back to min after `resetAfter` ms up (default 500, 30000, 0.2, max). */
  backoff?: { min?: number; max?: number; jitter?: number; resetAfter?: number };
  /** Default: PasswordError and HostKeyError stop the child, everything else restarts it. */
  decider?: Decider;
  children: SupervisedChildSpec[];
  /** The supervisor this one reports its failure to; it starts, restarts and stops this one. */
  parent?: Supervisor;
  /** Its id in describe() and among its parent's children (default `supervisor-N`). */
  name?: string;
  /** How long call() waits for a child to be up (default 30000 ms). */
  upTimeout?: number;
  /** Time a child has to stop before it is killed (default: the router's shutdownTimeout). */
  shutdownTimeout?: number;
}

export type SupervisedChildStatus = 'starting' | 'up' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface SupervisedChildState {
  id: string;
  status: SupervisedChildStatus;
  /** Restarts after its own failures. */
  restarts: number;
  lastError: string | null;
  /** Id of the current context (while up). */
  contextId: number | null;
  /** When it entered this status (epoch ms). */
  since: number;
  /** The backoff delay before its current or latest restart (ms). */
  delay: number | null;
  restart: RestartType;
  /** Set when the child is a nested supervisor. */
  supervisor?: SupervisorState;
}

export type SupervisorStatus = 'running' | 'stopping' | 'failing' | 'stopped' | 'failed';

export interface SupervisorState {
  name: string;
  strategy: Strategy;
  status: SupervisorStatus;
  /** Why it failed. */
  failure: string | null;
  /** Restarts within the current period, and the limit. */
  recentRestarts: number;
  intensity: number;
  period: number;
  since: number;
  children: Record<string, SupervisedChildState>;
}

/** A supervised child cannot be reached: it was stopped for good, or its supervisor was. */
export class SupervisorError extends TendrilError {
  override name = 'SupervisorError';
}

const nameOf = (e: unknown): string | undefined => (e instanceof CallError ? e.remoteType : (e as Error | null)?.name);

/** Never retry a wrong password or a changed host key; restart on anything else. */
export const defaultDecider: Decider = (error) => {
  const name = nameOf(error);
  return name === 'PasswordError' || name === 'HostKeyError' ? 'stop' : 'restart';
};

const describeError = (e: unknown): string => (e instanceof ChannelError ? e.reason : e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Timers of the machine never keep the process alive (waiters do: see whenUp). */
const unrefClock = {
  setTimeout: (fn: (...args: unknown[]) => void, ms: number) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (t: unknown) => clearTimeout(t as NodeJS.Timeout),
};

/** One incarnation of a child, as the runtime sees it. */
interface Incarnation {
  inc: number;
  ctx: Context | null;
  /** The supervisor asked it to stop: its end is CHILD_STOPPED, not a failure. */
  stopping: boolean;
  /**
   * Contexts its start created on the way to it (the ssh hop of `sudo({ via: ssh })`): they
   * go when it goes.
   */
  hops: Context[];
}

const PUBLIC_STATUS: Record<ChildStatus, SupervisedChildStatus> = {
  pending: 'starting', backoff: 'restarting', starting: 'starting', up: 'up', stopping: 'stopping', stopped: 'stopped', failed: 'failed',
};
const SUPERVISOR_STATUS: Record<string, SupervisorStatus> = {
  running: 'running', shuttingDown: 'stopping', failing: 'failing', stopped: 'stopped', failed: 'failed',
};

let supervisors = 0;

export class Supervisor {
  readonly name: string;
  private readonly specs = new Map<string, SupervisedChildSpec>();
  private readonly nested = new Map<string, Supervisor>();
  private readonly live = new Map<string, Incarnation>();
  private readonly starts = new Set<Promise<unknown>>();
  private readonly subject: BehaviorSubject<SupervisorState>;
  private readonly decider: Decider;
  private readonly upTimeout: number;
  private actor: Actor<typeof supervisorMachine> | null = null;
  private ended: Promise<void> = Promise.resolve();
  private endedResolve: () => void = () => {};
  private removeHook: (() => void) | null = null;
  private readonly parent: Supervisor | null;

  constructor(
    readonly router: Router,
    private readonly options: SupervisorOptions,
  ) {
    this.name = options.name ?? `supervisor-${++supervisors}`;
    this.decider = options.decider ?? defaultDecider;
    this.upTimeout = options.upTimeout ?? 30_000;
    for (const spec of options.children) {
      if (this.specs.has(spec.id)) throw new TypeError(`duplicate child id '${spec.id}' in supervisor ${this.name}`);
      if (typeof spec.start !== 'function') throw new TypeError(`child '${spec.id}' of supervisor ${this.name} has no start function`);
      this.specs.set(spec.id, spec);
    }
    const now = Date.now();
    this.subject = new BehaviorSubject<SupervisorState>({
      name: this.name,
      strategy: options.strategy ?? 'one_for_one',
      // A nested one is started by its parent right away.
      status: 'running',
      failure: null,
      recentRestarts: 0,
      intensity: options.intensity ?? 3,
      period: options.period ?? 60_000,
      since: now,
      children: Object.fromEntries(options.children.map((s) => [s.id, this.initialChild(s.id, s.restart ?? 'permanent', now)])),
    });
    this.parent = options.parent ?? null;
    if (this.parent) this.parent.adopt(this);
    else {
      this.removeHook = router.onShutdown(() => this.shutdown());
      this.run();
    }
  }

  private initialChild(id: string, restart: RestartType, since: number): SupervisedChildState {
    return { id, status: 'starting', restarts: 0, lastError: null, contextId: null, since, delay: null, restart };
  }

  // ---- observing ----
  /** The whole supervisor: emits the current state, then every change; completes once a top-level one stopped or failed. */
  get state$(): Observable<SupervisorState> {
    return this.subject.isStopped ? of(this.state) : this.subject.asObservable();
  }

  get state(): SupervisorState {
    return this.subject.getValue();
  }

  /** Resolves with the current context of child `id` once it is up. */
  whenUp(id: string, opts: { timeout?: number } = {}): Promise<Context> {
    if (this.nested.has(id)) return Promise.reject(new TypeError(`child '${id}' of ${this.name} is a supervisor, not a context`));
    if (!this.specs.has(id)) return Promise.reject(new TypeError(`supervisor ${this.name} has no child '${id}'`));
    const timeout = opts.timeout ?? this.upTimeout;
    return new Promise<Context>((resolve, reject) => {
      let settled = false;
      let sub: { unsubscribe(): void } | null = null;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        queueMicrotask(() => sub?.unsubscribe());
        this.router.release();
        fn();
      };
      // Something waits: the process stays alive (for backoff timers too) until it is settled.
      this.router.holdOpen();
      const timer = setTimeout(
        () => settle(() => reject(new TimeoutError(`child '${id}' of supervisor ${this.name} not up within ${timeout} ms (it is ${this.state.children[id]?.status})`))),
        timeout,
      );
      // Changes of the ancestors matter too: a nested supervisor that failed may be restarted.
      const ancestors: Observable<unknown>[] = [];
      for (let s: Supervisor | null = this; s; s = s.parent) ancestors.push(s.subject);
      sub = merge(...ancestors).subscribe(() => {
        const state = this.state;
        const ch = state.children[id]!;
        const ctx = this.live.get(id)?.ctx;
        if (state.status === 'running' && ch.status === 'up' && ctx && ctx.state !== 'dead') return settle(() => resolve(ctx));
        let why: string | null = null;
        if (state.status !== 'running') {
          if (!this.willRun()) why = `supervisor ${this.name} is ${state.status}${state.failure ? `: ${state.failure}` : ''}`;
        } else if (ch.status === 'failed' || ch.status === 'stopped') {
          why = `child '${id}' is ${ch.status}${ch.lastError ? `: ${ch.lastError}` : ''}`;
        }
        if (why !== null) settle(() => reject(new SupervisorError(why)));
      });
      if (settled) queueMicrotask(() => sub?.unsubscribe());
    });
  }

  /** Running, or going to be (re)started by a parent that is. */
  private willRun(): boolean {
    if (this.state.status === 'running') return true;
    const p = this.parent;
    if (!p || !p.willRun()) return false;
    const entry = p.state.children[this.name];
    return entry !== undefined && entry.status !== 'stopped' && entry.status !== 'failed';
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
    await this.ended;
    // Starts abandoned past the grace period shut down what they start when they finish.
    const grace = this.options.shutdownTimeout ?? this.router.shutdownTimeout;
    await Promise.race([Promise.allSettled([...this.starts]), new Promise((r) => setTimeout(r, grace).unref())]);
    this.removeHook?.();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  // ---- the machine ----
  /** Starts (or restarts, when nested) with a fresh machine: no restart history, children from scratch. */
  private run(): void {
    const prev = this.actor;
    if (prev && prev.getSnapshot().status === 'active') prev.stop();
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
      clock: unrefClock,
      input: {
        strategy: o.strategy,
        intensity: o.intensity,
        period: o.period,
        backoff: o.backoff,
        graceMs: o.shutdownTimeout ?? this.router.shutdownTimeout,
        children: [...this.specs.values(), ...this.nested.values()].map((s) =>
          s instanceof Supervisor ? { id: s.name, restart: 'transient' as const } : { id: s.id, restart: s.restart },
        ),
      },
    });
    this.actor = actor;
    actor.subscribe((snap) => {
      if (this.actor === actor) this.publish(snap.value as string, snap.context);
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
    const entry: Incarnation = { inc: incarnation, ctx: null, stopping: false, hops: [] };
    this.live.set(id, entry);
    const nested = this.nested.get(id);
    if (nested) {
      nested.run();
      this.send({ type: 'CHILD_UP', id, incarnation, contextId: null });
      return;
    }
    const spec = this.specs.get(id)!;
    // Ids only grow: a context on the way to the new one with an id past this was made by this start.
    const floor = maxId(this.router.contextTree()) + 1;
    const p = (async () => spec.start(this.router))();
    this.starts.add(p);
    p.then(
      (ctx) => {
        this.starts.delete(p);
        if (ctx && typeof ctx.call === 'function') entry.hops = this.hopsTo(ctx.id, floor);
        if (this.live.get(id) !== entry) {
          // Abandoned (it took longer than the grace period during a shutdown): not wanted any more.
          if (ctx && typeof ctx.call === 'function') this.cleanUp(ctx.shutdown().catch(() => undefined).then(() => this.releaseHops(entry)));
          return;
        }
        if (!ctx || typeof ctx.call !== 'function') return this.startFailed(id, entry, new TypeError(`start() of child '${id}' did not resolve with a Context`));
        entry.ctx = ctx;
        this.send({ type: 'CHILD_UP', id, incarnation, contextId: ctx.id });
        this.watch(id, entry, ctx);
      },
      (e: unknown) => {
        this.starts.delete(p);
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
      this.cleanUp(this.releaseHops(entry));
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
    for (const hop of entry.hops) if (hop.state !== 'dead') this.router.disconnect(hop);
  }

  /** Contexts on the way from the master to `id` (not included) that were created at or after `floor`. */
  private hopsTo(id: number, floor: number): Context[] {
    const path: number[] = [];
    const find = (node: ContextTreeNode): boolean => {
      if (node.id === id) return true;
      path.push(node.id);
      if (node.children.some(find)) return true;
      path.pop();
      return false;
    };
    if (!find(this.router.contextTree())) return [];
    return path.filter((h) => h >= floor).map((h) => this.router.contextById(h)).filter((c): c is Context => c !== undefined);
  }

  /** Shuts down the hops of an incarnation that is gone (deepest first), unless another incarnation goes through them. */
  private async releaseHops(entry: Incarnation): Promise<void> {
    const hops = entry.hops;
    entry.hops = [];
    const inUse = new Set<Context>();
    for (const other of this.live.values()) if (other !== entry) for (const h of [other.ctx, ...other.hops]) if (h) inUse.add(h);
    for (const hop of [...hops].reverse()) if (hop.state !== 'dead' && !inUse.has(hop)) await hop.shutdown({ wait: true }).catch(() => undefined);
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
    this.removeHook?.();
    this.subject.complete();
  }

  // ---- nesting ----
  private adopt(child: Supervisor): void {
    if (this.specs.has(child.name) || this.nested.has(child.name)) throw new TypeError(`supervisor ${this.name} already has a child '${child.name}'`);
    this.nested.set(child.name, child);
    const now = Date.now();
    const state = this.state;
    this.subject.next({ ...state, children: { ...state.children, [child.name]: { ...this.initialChild(child.name, 'transient', now), supervisor: child.state } } });
    this.send({ type: 'ADD_CHILD', id: child.name, restart: 'transient' });
    // A nested supervisor's own changes show in its parent's state.
    child.subject.subscribe(() => this.publishNested(child));
  }

  private nestedEnded(child: Supervisor, failed: boolean, reason: string): void {
    const entry = this.live.get(child.name);
    if (!entry) return;
    this.live.delete(child.name);
    if (entry.stopping) return this.send({ type: 'CHILD_STOPPED', id: child.name, incarnation: entry.inc });
    const error = new SupervisorError(`supervisor ${child.name} ${failed ? `failed: ${reason}` : 'was shut down'}`);
    this.send({ type: 'CHILD_FAILED', id: child.name, incarnation: entry.inc, reason: error.message, decision: failed ? this.decide(error) : 'restart', normal: !failed });
  }

  private publishNested(child: Supervisor): void {
    const state = this.state;
    const entry = state.children[child.name];
    if (!entry || this.subject.isStopped) return;
    this.subject.next({ ...state, children: { ...state.children, [child.name]: { ...entry, supervisor: child.state } } });
  }

  // ---- state ----
  private publish(value: string, c: SupervisorContext): void {
    if (this.subject.isStopped) return;
    const prev = this.state;
    const now = Date.now();
    const children: Record<string, SupervisedChildState> = {};
    let changed = false;
    for (const id of c.order) {
      const m = c.children[id]!;
      const before = prev.children[id];
      const status = PUBLIC_STATUS[m.status];
      const next: SupervisedChildState = {
        id,
        status,
        restarts: m.restarts,
        lastError: m.lastError,
        contextId: m.contextId,
        since: before && before.status === status ? before.since : now,
        delay: m.delay,
        restart: m.restart,
      };
      const nested = this.nested.get(id);
      if (nested) next.supervisor = nested.state;
      const same = before !== undefined && sameChild(before, next);
      changed ||= !same;
      children[id] = same ? before : next;
    }
    const status = SUPERVISOR_STATUS[value] ?? 'running';
    if (!changed && status === prev.status && c.recentRestarts === prev.recentRestarts && c.failure === prev.failure) return;
    this.subject.next({
      ...prev,
      status,
      failure: c.failure,
      recentRestarts: c.recentRestarts,
      since: status === prev.status ? prev.since : now,
      children,
    });
  }

  /** The live tree of this supervisor and its children (see describeTree). */
  describe(): string {
    return describeSupervisor(this.state).join('\n');
  }
}

function maxId(node: ContextTreeNode): number {
  return Math.max(node.id, ...node.children.map(maxId));
}

function sameChild(a: SupervisedChildState, b: SupervisedChildState): boolean {
  return a.status === b.status && a.restarts === b.restarts && a.lastError === b.lastError && a.contextId === b.contextId && a.delay === b.delay;
}

/** Lines describing a supervisor state, nested ones indented. */
export function describeSupervisor(s: SupervisorState, now = Date.now()): string[] {
  const head = `supervisor ${s.name} [${s.strategy}] ${s.status}${s.failure ? ` (${s.failure})` : ''}, ${s.recentRestarts}/${s.intensity} restarts in ${s.period} ms`;
  const out = [head];
  const ids = Object.keys(s.children);
  ids.forEach((id, i) => {
    const ch = s.children[id]!;
    const last = i === ids.length - 1;
    const age = ((now - ch.since) / 1000).toFixed(1);
    const ctx = ch.contextId !== null ? ` context #${ch.contextId}` : '';
    const delay = ch.status === 'restarting' && ch.delay !== null ? ` (backoff ${ch.delay} ms)` : '';
    const err = ch.lastError ? `, last error: ${ch.lastError}` : '';
    out.push(`${last ? '└─' : '├─'} ${id}: ${ch.status}${delay}${ctx} for ${age} s, ${ch.restarts} restarts${err}`);
    if (ch.supervisor) for (const line of describeSupervisor(ch.supervisor, now)) out.push(`${last ? '   ' : '│  '}${line}`);
  });
  return out;
}
