// The rules of the supervisor machine (machines/supervisor.ts), as plain functions over a
// draft of its context: each event handler changes the draft and lists the effects it
// decided (start, stop, kill a child; set or cancel a timer). The machine commits the draft
// and turns the effects into XState actions. Pure: no XState here.
import {
  backoffDelay,
  newChild,
  type ChildRef,
  type ChildStatus,
  type Decision,
  type SupervisedChild,
  type SupervisorContext,
  type SupervisorEvent,
  STOP_MARGIN_MS,
} from './supervisor-context.js';

/** An effect decided while handling one event. */
export type Effect =
  | { kind: 'start' | 'stop' | 'kill'; ref: ChildRef }
  | { kind: 'after'; event: SupervisorEvent; delay: number; timer: string }
  | { kind: 'cancel'; timer: string };

/** A mutable copy of the context plus the effects decided while handling one event. */
export interface Draft {
  c: SupervisorContext;
  fx: Effect[];
  /** running (restarts allowed) or stopping everything (shutdown / failing). */
  running: boolean;
}

type EventOf<T extends SupervisorEvent['type']> = Extract<SupervisorEvent, { type: T }>;

const LIVE: readonly ChildStatus[] = ['starting', 'up', 'stopping'];
const ref = (ch: SupervisedChild): ChildRef => ({ id: ch.id, incarnation: ch.incarnation });
const stopTimer = (ch: SupervisedChild): string => `stop:${ch.id}:${ch.incarnation}`;
const ordered = (c: SupervisorContext): boolean => c.strategy !== 'one_for_one';

/** A copy of `context` that handlers may change freely. */
export function draft(context: SupervisorContext, running: boolean): Draft {
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
export function pump(d: Draft): void {
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

/** Counts a restart of `ch` in the supervisor's window and in its own. */
function countRestart(d: Draft, ch: SupervisedChild): void {
  const { c } = d;
  c.recentRestarts++;
  d.fx.push({ kind: 'after', event: { type: 'RESTART_EXPIRED' }, delay: c.period, timer: `window:${++c.tokens}` });
  ch.recentRestarts++;
  d.fx.push({ kind: 'after', event: { type: 'RESTART_EXPIRED', id: ch.id }, delay: c.period, timer: `window:${ch.id}:${++c.tokens}` });
}

/** A failure that restarts: the strategy's set is stopped, then restarted after a backoff delay. */
function restart(d: Draft, ch: SupervisedChild): void {
  const { c } = d;
  countRestart(d, ch);
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
export function escalates(c: SupervisorContext, e: EventOf<'CHILD_FAILED'>): boolean {
  const ch = current(c, e);
  if (!ch || ch.status === 'stopping') return false;
  if (e.decision === 'escalate') return true;
  return c.intensityScope === 'supervisor' && countsAsRestart(c, ch, e) && c.recentRestarts + 1 > c.intensity;
}

/** A failure of a running child (not already being restarted) that its restart type restarts. */
export function countsAsRestart(c: SupervisorContext, ch: SupervisedChild, e: { decision: Decision; normal?: boolean }): boolean {
  if (ch.status !== 'starting' && ch.status !== 'up') return false;
  if (c.stopQueue.includes(ch.id)) return false;
  if (e.decision !== 'restart' || ch.restart === 'temporary') return false;
  return !(ch.restart === 'transient' && e.normal);
}

/** The intensity limit, in words, with the failure that went past it. */
const overLimit = (c: SupervisorContext, last: string): string => `more than ${c.intensity} restarts within ${c.period} ms (last: ${last})`;

/** A child failed (its start threw, or its context died). */
export function onFailed(d: Draft, e: EventOf<'CHILD_FAILED'>): void {
  const ch = current(d.c, e);
  if (!ch) return;
  const worthy = d.running && countsAsRestart(d.c, ch, e);
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
  if (worthy && d.c.intensityScope === 'child' && ch.recentRestarts + 1 > d.c.intensity) {
    // Given up: this child alone; its failure restarts no set.
    ch.lastError = overLimit(d.c, e.reason);
    ch.status = 'failed';
    return settle(d, ch, false);
  }
  restart(d, ch);
}

/** A failure past the supervisor's limit, or escalated: record why, then stop everything. */
export function onEscalated(d: Draft, e: EventOf<'CHILD_FAILED'>): void {
  const ch = d.c.children[e.id]!;
  d.c.failure = e.decision === 'escalate'
    ? `child '${e.id}' failed and its failure was escalated: ${e.reason}`
    : overLimit(d.c, `child '${e.id}': ${e.reason}`);
  ch.lastError = e.reason;
  ch.status = 'stopped';
  settle(d, ch, false);
  d.running = false;
}

/** Shutdown or failure: stop everything, latest started first. */
export function stopAll(d: Draft): void {
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

/** No child is starting, up or stopping. */
export function allDown(context: SupervisorContext): boolean {
  return context.order.every((id) => !LIVE.includes(context.children[id]!.status));
}

export function onUp(d: Draft, e: EventOf<'CHILD_UP'>): void {
  const ch = current(d.c, e);
  if (!ch || ch.status !== 'starting') return;
  ch.status = 'up';
  ch.contextId = e.contextId;
  if (d.running) {
    d.fx.push({ kind: 'after', event: { type: 'STABLE', ...ref(ch) }, delay: d.c.backoff.resetAfter, timer: `stable:${ch.id}:${ch.incarnation}` });
  }
}

export function onStopped(d: Draft, e: EventOf<'CHILD_STOPPED'>): void {
  const ch = current(d.c, e);
  if (ch && ch.status === 'stopping') settle(d, ch, true);
}

export function onStopTimeout(d: Draft, e: EventOf<'STOP_TIMEOUT'>): void {
  const ch = current(d.c, e);
  if (!ch || ch.status === 'up') return;
  d.fx.push({ kind: 'kill', ref: ref(ch) });
  ch.lastError ??= 'did not stop within the grace period: killed';
  settle(d, ch, true);
}

export function onAdd(d: Draft, e: EventOf<'ADD_CHILD'>): void {
  if (d.c.children[e.id]) return;
  d.c.order.push(e.id);
  d.c.children[e.id] = newChild(e, d.running ? 'pending' : 'stopped');
}

export function onBackoffDone(d: Draft, e: EventOf<'BACKOFF_DONE'>): void {
  if (e.id === null) {
    if (!d.c.groupWaiting || e.token !== d.c.groupToken) return;
    d.c.groupWaiting = false;
    for (const id of d.c.order) if (d.c.children[id]!.status === 'backoff') d.c.children[id]!.status = 'pending';
    return;
  }
  const ch = d.c.children[e.id];
  if (ch && ch.status === 'backoff' && ch.backoffToken === e.token) ch.status = 'pending';
}

/** Up for `resetAfter` ms: the next failure starts the backoff from `min` again. */
export function onStable(d: Draft, e: EventOf<'STABLE'>): void {
  const ch = current(d.c, e);
  if (ch && ch.status === 'up') ch.attempt = 0;
}

export function onRestartExpired(d: Draft, e: EventOf<'RESTART_EXPIRED'>): void {
  if (e.id === undefined) d.c.recentRestarts = Math.max(0, d.c.recentRestarts - 1);
  else {
    const ch = d.c.children[e.id];
    if (ch) ch.recentRestarts = Math.max(0, ch.recentRestarts - 1);
  }
}
