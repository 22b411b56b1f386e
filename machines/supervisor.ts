// The supervisor: how a set of children reacts to failure. Pure: the runtime
// (src/master/supervisor.ts) provides the effects (startChild, stopChild, killChild, onFailed,
// onStopped) and reports what happened as events; every timer (backoff, stop grace, stable
// period, intensity window) is a delayed event on the actor's clock.
//
// States: running -> shuttingDown -> stopped, or running -> failing -> failed (the intensity
// limit was exceeded or a child's failure was escalated: every child is stopped first).
// Per child (data, not states: children are dynamic): pending (will start when its turn
// comes), backoff (waiting for its restart delay), starting, up, stopping, stopped (will not
// start again: normal exit of a transient child, a temporary one, shutdown), failed (the
// decider said stop).
//
// Strategies: one_for_one restarts the failed child only, and children start and stop
// concurrently (they are independent). one_for_all restarts every child and rest_for_one the
// failed one and those after it: the others in the set are stopped one at a time in reverse
// start order, then the set waits one backoff delay and starts one at a time in spec order,
// each once the previous is up.
import { enqueueActions, setup } from 'xstate';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
export type RestartType = 'permanent' | 'transient' | 'temporary';
/** What to do about a failure (the runtime's decider chooses). */
export type Decision = 'restart' | 'stop' | 'escalate';
export type ChildStatus = 'pending' | 'backoff' | 'starting' | 'up' | 'stopping' | 'stopped' | 'failed';

export interface BackoffSettings {
  /** First restart delay (ms); each consecutive failure doubles it... */
  min: number;
  /** ...up to this. */
  max: number;
  /** Fraction of the delay added or removed at random (the result stays within [min, max]). */
  jitter: number;
  /** A child up this long has its delay reset to `min`. */
  resetAfter: number;
}

export interface ChildSpec {
  id: string;
  restart?: RestartType;
}

export interface SupervisorInput {
  children: ChildSpec[];
  strategy?: Strategy;
  /** More than `intensity` restarts within `period` ms: stop everything and fail. */
  intensity?: number;
  period?: number;
  backoff?: Partial<BackoffSettings>;
  /** How long a child may take to stop before it is killed (the router's shutdownTimeout). */
  graceMs?: number;
  /** Source of randomness for the jitter (Math.random by default). */
  random?: () => number;
}

export interface SupervisedChild {
  id: string;
  restart: RestartType;
  status: ChildStatus;
  /** Bumped on each start: events about an older incarnation are ignored. */
  incarnation: number;
  /** Restarts so far (a start after a failure). */
  restarts: number;
  /** Consecutive failures: the backoff exponent. */
  attempt: number;
  /** The last backoff delay chosen (ms). */
  delay: number | null;
  lastError: string | null;
  contextId: number | null;
  /** Order of the last start, for stopping in reverse start order. */
  startSeq: number;
  /** Identifies the live backoff timer (a stale one is ignored). */
  backoffToken: number;
}

export interface SupervisorContext {
  strategy: Strategy;
  intensity: number;
  period: number;
  backoff: BackoffSettings;
  graceMs: number;
  random: () => number;
  /** Child ids in spec (start) order. */
  order: string[];
  children: Record<string, SupervisedChild>;
  /** Children to stop, in order (a restart set, or everything on shutdown). */
  stopQueue: string[];
  /** Restarts within the last `period` ms. */
  recentRestarts: number;
  /** one_for_all / rest_for_one: the restart set waits for its backoff delay. */
  groupWaiting: boolean;
  /** Token of the restart set's live backoff timer. */
  groupToken: number;
  seq: number;
  tokens: number;
  /** Why the supervisor failed. */
  failure: string | null;
}

export type SupervisorEvent =
  | { type: 'CHILD_UP'; id: string; incarnation: number; contextId: number | null }
  | { type: 'CHILD_FAILED'; id: string; incarnation: number; reason: string; decision: Decision; normal?: boolean }
  | { type: 'CHILD_STOPPED'; id: string; incarnation: number }
  | { type: 'ADD_CHILD'; id: string; restart?: RestartType }
  | { type: 'SHUTDOWN' }
  // Raised by the machine itself, after a delay.
  | { type: 'BACKOFF_DONE'; id: string | null; token: number }
  | { type: 'STOP_TIMEOUT'; id: string; incarnation: number }
  | { type: 'STABLE'; id: string; incarnation: number }
  | { type: 'RESTART_EXPIRED' };

export interface ChildRef {
  id: string;
  incarnation: number;
}

export const SUPERVISOR_DEFAULTS = {
  strategy: 'one_for_one' as Strategy,
  intensity: 3,
  period: 60_000,
  backoff: { min: 500, max: 30_000, jitter: 0.2 },
  graceMs: 5_000,
};
/** Past the grace period, a child that has not confirmed its stop is killed. */
export const STOP_MARGIN_MS = 1_000;

/** The restart delay after `attempt` consecutive failures: doubling from min, jittered, within [min, max]. */
export function backoffDelay(b: BackoffSettings, attempt: number, random: number): number {
  const base = Math.min(b.max, b.min * 2 ** Math.max(0, attempt - 1));
  const jittered = base * (1 + b.jitter * (2 * random - 1));
  return Math.round(Math.min(b.max, Math.max(b.min, jittered)));
}

type Effect =
  | { kind: 'start' | 'stop' | 'kill'; ref: ChildRef }
  | { kind: 'after'; event: SupervisorEvent; delay: number; timer: string }
  | { kind: 'cancel'; timer: string };

/** A mutable copy of the context plus the effects decided while handling one event. */
interface Draft {
  c: SupervisorContext;
  fx: Effect[];
  /** running (restarts allowed) or stopping everything (shutdown / failing). */
  running: boolean;
}

const LIVE: readonly ChildStatus[] = ['starting', 'up', 'stopping'];
const ref = (ch: SupervisedChild): ChildRef => ({ id: ch.id, incarnation: ch.incarnation });
const stopTimer = (ch: SupervisedChild): string => `stop:${ch.id}:${ch.incarnation}`;
const ordered = (c: SupervisorContext): boolean => c.strategy !== 'one_for_one';

function newChild(spec: ChildSpec, status: ChildStatus): SupervisedChild {
  return {
    id: spec.id, restart: spec.restart ?? 'permanent', status, incarnation: 0, restarts: 0, attempt: 0,
    delay: null, lastError: null, contextId: null, startSeq: 0, backoffToken: 0,
  };
}

function draft(context: SupervisorContext, running: boolean): Draft {
  const children: Record<string, SupervisedChild> = {};
  for (const [id, ch] of Object.entries(context.children)) children[id] = { ...ch };
  return { c: { ...context, children, stopQueue: [...context.stopQueue], order: [...context.order] }, fx: [], running };
}

/** The event is about the child's current incarnation, which is live. */
function current(c: SupervisorContext, e: { id: string; incarnation: number }): SupervisedChild | null {
  const ch = c.children[e.id];
  return ch && ch.incarnation === e.incarnation && LIVE.includes(ch.status) ? ch : null;
}

function beginStart(d: Draft, ch: SupervisedChild): void {
  ch.incarnation++;
  ch.status = 'starting';
  ch.contextId = null;
  ch.startSeq = ++d.c.seq;
  d.fx.push({ kind: 'start', ref: ref(ch) });
}

function beginStop(d: Draft, ch: SupervisedChild): void {
  ch.status = 'stopping';
  d.fx.push({ kind: 'stop', ref: ref(ch) });
  d.fx.push({ kind: 'cancel', timer: stopTimer(ch) });
  d.fx.push({ kind: 'after', event: { type: 'STOP_TIMEOUT', ...ref(ch) }, delay: d.c.graceMs + STOP_MARGIN_MS, timer: stopTimer(ch) });
}

/** Issues the stops and starts the current state allows. */
function pump(d: Draft): void {
  const { c } = d;
  const status = (id: string): ChildStatus => c.children[id]!.status;
  if (!ordered(c)) {
    for (const id of c.stopQueue) if (status(id) === 'up') beginStop(d, c.children[id]!);
    c.stopQueue = c.stopQueue.filter((id) => status(id) === 'starting');
  } else {
    while (c.stopQueue.length > 0 && !c.order.some((id) => status(id) === 'stopping')) {
      const head = c.children[c.stopQueue[0]!]!;
      if (head.status === 'starting') break; // stopped once up (or killed by its stop timer)
      c.stopQueue.shift();
      if (head.status === 'up') beginStop(d, head);
    }
  }
  if (!d.running) return;
  if (!ordered(c)) {
    for (const id of c.order) if (status(id) === 'pending') beginStart(d, c.children[id]!);
    return;
  }
  if (c.stopQueue.length > 0 || c.order.some((id) => status(id) === 'starting' || status(id) === 'stopping')) return;
  for (const id of c.order) {
    if (status(id) === 'backoff') return;
    if (status(id) === 'pending') return beginStart(d, c.children[id]!);
  }
}

/** Where a child goes once it is no longer running. */
function settle(d: Draft, ch: SupervisedChild, inRestartSet: boolean): void {
  d.fx.push({ kind: 'cancel', timer: stopTimer(ch) });
  ch.contextId = null;
  d.c.stopQueue = d.c.stopQueue.filter((id) => id !== ch.id);
  if (!d.running || ch.restart === 'temporary' || !inRestartSet) ch.status = ch.status === 'failed' ? 'failed' : 'stopped';
  else ch.status = d.c.groupWaiting ? 'backoff' : 'pending';
}

/** A failure that restarts: the strategy's set is stopped, then restarted after a backoff delay. */
function restart(d: Draft, ch: SupervisedChild): void {
  const { c } = d;
  c.recentRestarts++;
  d.fx.push({ kind: 'after', event: { type: 'RESTART_EXPIRED' }, delay: c.period, timer: `window:${++c.tokens}` });
  ch.restarts++;
  ch.attempt++;
  ch.contextId = null;
  c.stopQueue = c.stopQueue.filter((id) => id !== ch.id);
  if (!ordered(c)) {
    ch.delay = backoffDelay(c.backoff, ch.attempt, c.random());
    ch.status = 'backoff';
    ch.backoffToken = ++c.tokens;
    d.fx.push({ kind: 'after', event: { type: 'BACKOFF_DONE', id: ch.id, token: ch.backoffToken }, delay: ch.delay, timer: `backoff:${ch.id}:${ch.backoffToken}` });
    return;
  }
  const at = c.order.indexOf(ch.id);
  const set = c.order.filter((id, i) => (c.strategy === 'one_for_all' || i >= at) && !['stopped', 'failed'].includes(c.children[id]!.status));
  let attempt = ch.attempt;
  for (const id of set) {
    const m = c.children[id]!;
    if (m === ch) continue;
    attempt = Math.max(attempt, m.status === 'backoff' ? m.attempt : 0);
    if ((m.status === 'up' || m.status === 'starting') && !c.stopQueue.includes(id)) c.stopQueue.push(id);
    else if (m.status === 'pending') m.status = 'backoff';
  }
  // Reverse start order; those not started yet (seq 0) last.
  c.stopQueue.sort((a, b) => c.children[b]!.startSeq - c.children[a]!.startSeq);
  ch.status = 'backoff';
  ch.delay = backoffDelay(c.backoff, attempt, c.random());
  c.groupWaiting = true;
  d.fx.push({ kind: 'cancel', timer: `backoff:group:${c.groupToken}` });
  c.groupToken = ++c.tokens;
  d.fx.push({ kind: 'after', event: { type: 'BACKOFF_DONE', id: null, token: c.groupToken }, delay: ch.delay, timer: `backoff:group:${c.groupToken}` });
}

/** Whether a failure event, handled while running, must fail the supervisor. */
function escalates(c: SupervisorContext, e: Extract<SupervisorEvent, { type: 'CHILD_FAILED' }>): boolean {
  const ch = current(c, e);
  if (!ch || ch.status === 'stopping') return false;
  if (e.decision === 'escalate') return true;
  return countsAsRestart(c, ch, e) && c.recentRestarts + 1 > c.intensity;
}

/** A failure of a running child (not already being restarted) that its restart type restarts. */
export function countsAsRestart(c: SupervisorContext, ch: SupervisedChild, e: { decision: Decision; normal?: boolean }): boolean {
  if (ch.status !== 'starting' && ch.status !== 'up') return false;
  if (c.stopQueue.includes(ch.id)) return false;
  if (e.decision !== 'restart' || ch.restart === 'temporary') return false;
  return !(ch.restart === 'transient' && e.normal);
}

function onFailed(d: Draft, e: Extract<SupervisorEvent, { type: 'CHILD_FAILED' }>): void {
  const ch = current(d.c, e);
  if (!ch) return;
  ch.lastError = e.reason;
  ch.contextId = null;
  d.fx.push({ kind: 'cancel', timer: `stable:${ch.id}:${ch.incarnation}` });
  if (!d.running || ch.status === 'stopping') return settle(d, ch, true);
  const memberOfRestartSet = d.c.stopQueue.includes(ch.id);
  if (e.decision === 'stop') {
    ch.status = 'failed';
    return settle(d, ch, false);
  }
  if (ch.restart === 'temporary' || (ch.restart === 'transient' && e.normal)) return settle(d, ch, false);
  if (memberOfRestartSet) return settle(d, ch, true);
  restart(d, ch);
}

/** Shutdown or failure: stop everything, latest started first. */
function stopAll(d: Draft): void {
  const { c } = d;
  c.groupWaiting = false;
  for (const id of c.order) {
    const ch = c.children[id]!;
    if (ch.status === 'pending' || ch.status === 'backoff') ch.status = 'stopped';
    if ((ch.status === 'up' || ch.status === 'starting') && !c.stopQueue.includes(id)) c.stopQueue.push(id);
    // A start cannot be interrupted: give it the grace period to finish, then abandon it.
    if (ch.status === 'starting') {
      d.fx.push({ kind: 'after', event: { type: 'STOP_TIMEOUT', ...ref(ch) }, delay: c.graceMs + STOP_MARGIN_MS, timer: stopTimer(ch) });
    }
  }
  c.stopQueue.sort((a, b) => c.children[b]!.startSeq - c.children[a]!.startSeq);
}

const allDown = ({ context }: { context: SupervisorContext }): boolean =>
  context.order.every((id) => !LIVE.includes(context.children[id]!.status));

const machineSetup = setup({
  types: {} as { context: SupervisorContext; events: SupervisorEvent; input: SupervisorInput },
  actions: {
    startChild: (_, _params: ChildRef) => {},
    stopChild: (_, _params: ChildRef) => {},
    /** Stop it now, whatever it is doing (its stop or start took longer than the grace period). */
    killChild: (_, _params: ChildRef) => {},
    onFailed: () => {},
    onStopped: () => {},
  },
  guards: {
    escalates: ({ context, event }) => event.type === 'CHILD_FAILED' && escalates(context, event),
    allDown,
  },
});

/** Runs `fn` on a draft of the context, then commits it and enqueues the effects. */
function update<E extends SupervisorEvent>(running: boolean, fn: (d: Draft, e: E) => void) {
  return machineSetup.enqueueActions(({ context, event, enqueue }) => {
    const d = draft(context, running);
    fn(d, event as E);
    pump(d);
    enqueue.assign(() => d.c);
    for (const f of d.fx) {
      if (f.kind === 'after') enqueue.raise(f.event, { delay: f.delay, id: f.timer });
      else if (f.kind === 'cancel') enqueue.cancel(f.timer);
      else enqueue({ type: `${f.kind}Child` as 'startChild', params: f.ref });
    }
  });
}

// Handlers shared by the running and stopping states.
const onUp = (d: Draft, e: Extract<SupervisorEvent, { type: 'CHILD_UP' }>): void => {
  const ch = current(d.c, e);
  if (!ch || ch.status !== 'starting') return;
  ch.status = 'up';
  ch.contextId = e.contextId;
  if (d.running) {
    d.fx.push({ kind: 'after', event: { type: 'STABLE', ...ref(ch) }, delay: d.c.backoff.resetAfter, timer: `stable:${ch.id}:${ch.incarnation}` });
  }
};
const onStopped = (d: Draft, e: Extract<SupervisorEvent, { type: 'CHILD_STOPPED' }>): void => {
  const ch = current(d.c, e);
  if (ch && ch.status === 'stopping') settle(d, ch, true);
};
const onStopTimeout = (d: Draft, e: Extract<SupervisorEvent, { type: 'STOP_TIMEOUT' }>): void => {
  const ch = current(d.c, e);
  if (!ch || ch.status === 'up') return;
  d.fx.push({ kind: 'kill', ref: ref(ch) });
  ch.lastError ??= 'did not stop within the grace period: killed';
  settle(d, ch, true);
};
const onAdd = (d: Draft, e: Extract<SupervisorEvent, { type: 'ADD_CHILD' }>): void => {
  if (d.c.children[e.id]) return;
  d.c.order.push(e.id);
  d.c.children[e.id] = newChild(e, d.running ? 'pending' : 'stopped');
};

/** Events handled the same way while stopping everything (shutdown, or failing). */
const whileStopping = {
  CHILD_UP: { actions: update(false, onUp) },
  CHILD_FAILED: { actions: update(false, onFailed) },
  CHILD_STOPPED: { actions: update(false, onStopped) },
  STOP_TIMEOUT: { actions: update(false, onStopTimeout) },
  ADD_CHILD: { actions: update(false, onAdd) },
};

export const supervisorMachine = machineSetup.createMachine({
  id: 'supervisor',
  initial: 'running',
  context: ({ input }) => {
    const b = { ...SUPERVISOR_DEFAULTS.backoff, ...input.backoff };
    const children: Record<string, SupervisedChild> = {};
    for (const spec of input.children) children[spec.id] = newChild(spec, 'pending');
    return {
      strategy: input.strategy ?? SUPERVISOR_DEFAULTS.strategy,
      intensity: input.intensity ?? SUPERVISOR_DEFAULTS.intensity,
      period: input.period ?? SUPERVISOR_DEFAULTS.period,
      backoff: { min: b.min, max: Math.max(b.min, b.max), jitter: Math.min(1, Math.max(0, b.jitter)), resetAfter: b.resetAfter ?? Math.max(b.min, b.max) },
      graceMs: input.graceMs ?? SUPERVISOR_DEFAULTS.graceMs,
      random: input.random ?? Math.random,
      order: input.children.map((s) => s.id),
      children,
      stopQueue: [],
      recentRestarts: 0,
      groupWaiting: false,
      groupToken: 0,
      seq: 0,
      tokens: 0,
      failure: null,
    };
  },
  on: {
    RESTART_EXPIRED: { actions: enqueueActions(({ context, enqueue }) => enqueue.assign({ recentRestarts: Math.max(0, context.recentRestarts - 1) })) },
  },
  states: {
    running: {
      entry: update(true, () => {}),
      on: {
        CHILD_UP: { actions: update(true, onUp) },
        CHILD_FAILED: [
          {
            guard: 'escalates',
            target: 'failing',
            actions: update(true, (d, e: Extract<SupervisorEvent, { type: 'CHILD_FAILED' }>) => {
              const ch = d.c.children[e.id]!;
              const why = e.decision === 'escalate'
                ? `child '${e.id}' failed and its failure was escalated: ${e.reason}`
                : `more than ${d.c.intensity} restarts within ${d.c.period} ms (last: child '${e.id}': ${e.reason})`;
              d.c.failure = why;
              ch.lastError = e.reason;
              ch.status = 'stopped';
              settle(d, ch, false);
              d.running = false;
            }),
          },
          { actions: update(true, onFailed) },
        ],
        CHILD_STOPPED: { actions: update(true, onStopped) },
        STOP_TIMEOUT: { actions: update(true, onStopTimeout) },
        BACKOFF_DONE: {
          actions: update(true, (d, e: Extract<SupervisorEvent, { type: 'BACKOFF_DONE' }>) => {
            if (e.id === null) {
              if (!d.c.groupWaiting || e.token !== d.c.groupToken) return;
              d.c.groupWaiting = false;
              for (const id of d.c.order) if (d.c.children[id]!.status === 'backoff') d.c.children[id]!.status = 'pending';
              return;
            }
            const ch = d.c.children[e.id];
            if (ch && ch.status === 'backoff' && ch.backoffToken === e.token) ch.status = 'pending';
          }),
        },
        STABLE: {
          actions: update(true, (d, e: Extract<SupervisorEvent, { type: 'STABLE' }>) => {
            const ch = current(d.c, e);
            if (ch && ch.status === 'up') ch.attempt = 0;
          }),
        },
        ADD_CHILD: { actions: update(true, onAdd) },
        SHUTDOWN: 'shuttingDown',
      },
    },
    shuttingDown: {
      entry: update(false, stopAll),
      always: { guard: 'allDown', target: 'stopped' },
      on: whileStopping,
    },
    failing: {
      entry: update(false, stopAll),
      always: { guard: 'allDown', target: 'failed' },
      on: whileStopping,
    },
    stopped: { type: 'final', entry: 'onStopped' },
    failed: { type: 'final', entry: 'onFailed' },
  },
});

export type SupervisorState = 'running' | 'shuttingDown' | 'failing' | 'stopped' | 'failed';
