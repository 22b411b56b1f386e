// Every change of state of every Context object of one router, as it happens: the one feed
// that `router.lifecycles$`, `router.contexts$` and, in a child, `router.inspect()` read. A
// Context reports its own changes here (calls/context.ts), so whatever moved it (the master's
// actors, a child's generated-table lifecycles, a death) is seen the same way, in the master
// and in children. Free when nobody listens.
import { Observable } from 'rxjs';
import type { Context, ContextState } from '../calls/context.js';

/** One change of a context's lifecycle state. */
export interface ContextStateChange {
  /** The context that moved. */
  context: Context;
  /** Its new state. */
  state: ContextState;
  /** Why it died (with state `dead`), else null. */
  reason: string | null;
  /** When (ms since the epoch). */
  time: number;
}

/** One event of `router.contexts$`. */
export interface ContextEventRecord {
  /** `up`: the context is running; `down`: it died. */
  type: 'up' | 'down';
  /** The context concerned. */
  context: Context;
}

export class StateFeed {
  private listeners: Set<(change: ContextStateChange) => void> | null = null;

  /** @internal A Context moved (called by the Context itself). */
  emit(context: Context, state: ContextState): void {
    const listeners = this.listeners;
    if (listeners === null || listeners.size === 0) return;
    const change: ContextStateChange = { context, state, reason: state === 'dead' ? context.deadReason : null, time: Date.now() };
    for (const fn of [...listeners]) fn(change);
  }

  /** Every change from now on. */
  get changes$(): Observable<ContextStateChange> {
    return new Observable<ContextStateChange>((sub) => {
      const fn = (c: ContextStateChange): void => sub.next(c);
      (this.listeners ??= new Set()).add(fn);
      return () => this.listeners?.delete(fn);
    });
  }

  /** `up` the first time a context is running, `down` when it died. */
  get contexts$(): Observable<ContextEventRecord> {
    return new Observable<ContextEventRecord>((sub) => {
      const fn = (c: ContextStateChange): void => {
        if (c.state === 'running') sub.next({ type: 'up', context: c.context });
        else if (c.state === 'dead') sub.next({ type: 'down', context: c.context });
      };
      (this.listeners ??= new Set()).add(fn);
      return () => this.listeners?.delete(fn);
    });
  }
}
