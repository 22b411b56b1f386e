// The machine's context as the state a Supervisor publishes: statuses in public words, a
// `since` per status, and the previous objects kept where nothing changed (so that state$
// subscribers can compare by identity).
import type { ChildStatus, RestartType, SupervisorContext } from '../../../machines/supervisor.js';
import type { SupervisedChildState, SupervisedChildStatus, SupervisorState, SupervisorStatus } from './types.js';

const PUBLIC_STATUS: Record<ChildStatus, SupervisedChildStatus> = {
  pending: 'starting', backoff: 'restarting', starting: 'starting', up: 'up', stopping: 'stopping', stopped: 'stopped', failed: 'failed',
};
const SUPERVISOR_STATUS: Record<string, SupervisorStatus> = {
  running: 'running', shuttingDown: 'stopping', failing: 'failing', stopped: 'stopped', failed: 'failed',
};

/** A child before its first start. */
export function initialChild(id: string, restart: RestartType, since: number): SupervisedChildState {
  return { id, status: 'starting', restarts: 0, recentRestarts: 0, lastError: null, contextId: null, since, delay: null, restart, stopQueued: false };
}

function sameChild(a: SupervisedChildState, b: SupervisedChildState): boolean {
  return a.status === b.status && a.restarts === b.restarts && a.recentRestarts === b.recentRestarts && a.lastError === b.lastError
    && a.contextId === b.contextId && a.delay === b.delay && a.stopQueued === b.stopQueued;
}

/**
 * The state after the machine reached `value` with context `c`, or null when nothing a
 * subscriber sees changed. `nested` gives the state of a child that is a supervisor.
 */
export function nextState(
  prev: SupervisorState,
  value: string,
  c: SupervisorContext,
  now: number,
  nested: (id: string) => SupervisorState | undefined,
): SupervisorState | null {
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
      recentRestarts: m.recentRestarts,
      lastError: m.lastError,
      contextId: m.contextId,
      since: before && before.status === status ? before.since : now,
      delay: m.delay,
      restart: m.restart,
      stopQueued: m.status === 'up' && c.stopQueue.includes(id),
    };
    const inner = nested(id);
    if (inner) next.supervisor = inner;
    const same = before !== undefined && sameChild(before, next);
    changed ||= !same;
    children[id] = same ? before : next;
  }
  const status = SUPERVISOR_STATUS[value] ?? 'running';
  if (!changed && status === prev.status && c.recentRestarts === prev.recentRestarts && c.failure === prev.failure) return null;
  return {
    ...prev,
    status,
    failure: c.failure,
    recentRestarts: c.recentRestarts,
    since: status === prev.status ? prev.since : now,
    children,
  };
}
