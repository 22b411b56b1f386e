// Helpers for the supervisor tests: a timestamped log of every child status change (from
// state$), the pid of every incarnation, and waits on the supervisor's state.
import { filter, firstValueFrom, timeout } from 'rxjs';
import type { Router, Supervisor, SupervisedChildState, SupervisorState } from '../../src/index.js';

export interface ChildEvent {
  /** performance.now() when state$ emitted the change. */
  at: number;
  id: string;
  status: SupervisedChildState['status'];
  contextId: number | null;
  restarts: number;
  delay: number | null;
  since: number;
}

export interface Recording {
  events: ChildEvent[];
  /** Pid of every incarnation seen up, by context id. */
  pids: Map<number, number>;
  /** Context ids each child had, in order. */
  ids(id: string): number[];
  /** Statuses a child went through, in order. */
  statuses(id: string): string[];
  stop(): void;
}

/** Records every child status change of `sup` (and the pid of each context seen up). */
export function record(sup: Supervisor, router: Router): Recording {
  const events: ChildEvent[] = [];
  const pids = new Map<number, number>();
  const last = new Map<string, SupervisedChildState>();
  const sub = sup.state$.subscribe((s) => {
    for (const ch of Object.values(s.children)) {
      const prev = last.get(ch.id);
      last.set(ch.id, ch);
      if (prev && prev.status === ch.status && prev.contextId === ch.contextId) continue;
      events.push({ at: performance.now(), id: ch.id, status: ch.status, contextId: ch.contextId, restarts: ch.restarts, delay: ch.delay, since: ch.since });
      if (ch.contextId !== null) {
        const pid = router.childPids().get(ch.contextId);
        if (pid !== undefined) pids.set(ch.contextId, pid);
      }
    }
  });
  return {
    events,
    pids,
    ids: (id) => [...new Set(events.filter((e) => e.id === id && e.contextId !== null).map((e) => e.contextId!))],
    statuses: (id) => events.filter((e) => e.id === id).map((e) => e.status),
    stop: () => sub.unsubscribe(),
  };
}

/** Resolves with the first state (current included) that satisfies `pred`. */
export function waitState(sup: Supervisor, pred: (s: SupervisorState) => boolean, ms: number, what: string): Promise<SupervisorState> {
  return firstValueFrom(
    sup.state$.pipe(
      filter(pred),
      timeout({ first: ms, with: () => Promise.reject(new Error(`timed out after ${ms} ms waiting for ${what}: ${sup.describe()}`)) }),
    ),
  );
}

/** SIGKILLs (or other signal) the current incarnation of child `id` and waits until its death is seen. */
export async function killChild(sup: Supervisor, router: Router, id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ contextId: number; pid: number }> {
  const ctx = await sup.whenUp(id, { timeout: 10_000 });
  const pid = router.childPids().get(ctx.id);
  if (pid === undefined) throw new Error(`no pid for ${ctx.name}`);
  process.kill(pid, signal);
  await waitState(sup, (s) => s.children[id]!.contextId !== ctx.id, 10_000, `the death of ${id}`);
  return { contextId: ctx.id, pid };
}
