// Lifecycle steps of contexts, as this process learns them: from its own children being
// started (ChildSet hooks), from children's reports (LIFECYCLE, ADD_ROUTE) or, in a
// dispatcher, from its broker (CONTEXT_STATE). One bus per router: the master's actors, a
// child's lifecycles (context-lifecycles.ts) and the notices to other processes (notices.ts)
// all listen to it, so every step has one path. Deaths travel through the router's Deaths.
import type { LifecycleEventName } from '../handles/lifecycle.js';
import type { Link } from '../links/stream.js';

/** A lifecycle step of context `id` (started by `parentId`); `from`: the link it came on (null: here). */
export interface LifecycleStep {
  id: number;
  name: string;
  parentId: number;
  event: Exclude<LifecycleEventName, 'DEAD'>;
  /** The drain reason, for DRAINING. */
  reason: string | null;
  from: Link | null;
}

export type LifecycleListener = (step: LifecycleStep) => void;

export class LifecycleBus {
  private readonly listeners: LifecycleListener[] = [];

  listen(fn: LifecycleListener): void {
    this.listeners.push(fn);
  }

  emit(step: LifecycleStep): void {
    for (const fn of this.listeners) fn(step);
  }
}
