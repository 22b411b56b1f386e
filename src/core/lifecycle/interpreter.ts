// The small interpreter of generated transition tables: a property lookup and a loop over
// action names per event, no XState (too heavy per receiver, per call and in the child
// payload: notes/performance.md). test/machines/interpreters.property.test.ts requires it to
// agree with XState's own interpreter on random event sequences.
import type { ActionOf, DelayOf, GuardOf, LifecycleTable, StateOf, TableState, TableTransition } from './table.js';

/** What a lifecycle receives: anything with a type (timer expiries arrive as `{ type }` too). */
export interface LifecycleEvent {
  readonly type: string;
}

/** The event type when none is given: a type and any data. */
export interface AnyLifecycleEvent extends LifecycleEvent {
  readonly [key: string]: unknown;
}

/** Where timers run: the global timers by default, XState's SimulatedClock fits in tests. */
export interface LifecycleClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/**
 * What the runtime supplies for a table; one object can serve every lifecycle of that table
 * (the per-instance data is the `context` given to createLifecycle).
 */
export interface LifecycleImplementation<T extends LifecycleTable, C, E extends LifecycleEvent = AnyLifecycleEvent> {
  /** Named actions (the machine's assign actions included: the runtime keeps that data in C). Missing ones do nothing. */
  readonly actions?: { readonly [K in ActionOf<T>]?: (context: C, event: E) => void };
  /** Named guards; every guard the table uses must be given. */
  readonly guards?: { readonly [K in GuardOf<T>]: (context: C, event: E) => boolean };
  /** Named delays of `after` timers, in ms. */
  readonly timers?: { readonly [K in DelayOf<T>]: number | ((context: C) => number) };
  readonly clock?: LifecycleClock;
  /** Called after every change of state, once its actions ran. */
  readonly onState?: (context: C, state: StateOf<T>, event: E) => void;
}

const INIT: LifecycleEvent = { type: 'xstate.init' };
const GLOBAL_CLOCK: LifecycleClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

function wildcard(wild: NonNullable<TableState['wild']>, type: string): readonly TableTransition[] | undefined {
  for (const [prefix, candidates] of wild) {
    if (prefix === '' || (type.startsWith(prefix) && (type.length === prefix.length || type.charCodeAt(prefix.length) === 46))) return candidates;
  }
  return undefined;
}

/** One running lifecycle: `send()` events, read `state` and `done`. */
export class Lifecycle<T extends LifecycleTable, C, E extends LifecycleEvent = AnyLifecycleEvent> {
  /** The current state. */
  state: StateOf<T>;
  /** True once a final state was entered: every later event is ignored. */
  done = false;
  private timerIds: unknown[] | null = null;
  // Events sent by an action while another event is handled wait their turn, as in XState.
  private busy = false;
  private queue: E[] | null = null;

  constructor(
    readonly table: T,
    private readonly impl: LifecycleImplementation<T, C, E>,
    readonly context: C,
  ) {
    this.state = table.initial as StateOf<T>;
    this.busy = true;
    try {
      this.run(table.entry, INIT as E);
      this.entered();
      this.drain();
    } finally {
      this.queue = null;
      this.busy = false;
    }
  }

  /**
   * Handles one event: false when the current state has no transition for it or the lifecycle
   * is done. Sent from inside an action, it is queued (true) and handled right after.
   */
  send(event: E): boolean {
    if (this.done) return false;
    if (this.busy) {
      (this.queue ??= []).push(event);
      return true;
    }
    this.busy = true;
    // An action that throws leaves the state where it got to and drops the queued events.
    try {
      const taken = this.step(event);
      this.drain();
      return taken;
    } finally {
      this.queue = null;
      this.busy = false;
    }
  }

  private drain(): void {
    const q = this.queue;
    if (q !== null) for (let i = 0; i < q.length && !this.done; i++) this.step(q[i]!);
  }

  private step(event: E): boolean {
    const state = this.table.states[this.state]!;
    const candidates = state.on[event.type] ?? (state.wild === undefined ? undefined : wildcard(state.wild, event.type));
    if (candidates === undefined) return false;
    for (let i = 0; i < candidates.length; i++) {
      const t = candidates[i]!;
      if (t.guard !== undefined && !this.guard(t.guard, event)) continue;
      if (t.target === undefined) {
        this.run(t.actions, event);
        return true;
      }
      this.clearTimers();
      this.state = t.target as StateOf<T>;
      this.done = this.table.states[t.target]!.final === true;
      this.run(t.actions, event);
      this.entered();
      this.impl.onState?.(this.context, this.state, event);
      return true;
    }
    return false;
  }

  private guard(name: string, event: E): boolean {
    const fn = (this.impl.guards as Record<string, (c: C, e: E) => boolean> | undefined)?.[name];
    if (fn === undefined) throw new Error(`lifecycle ${this.table.machine}: guard '${name}' is not implemented`);
    return fn(this.context, event);
  }

  private run(names: readonly string[], event: E): void {
    const actions = this.impl.actions as Record<string, ((c: C, e: E) => void) | undefined> | undefined;
    if (actions === undefined) return;
    for (let i = 0; i < names.length; i++) actions[names[i]!]?.(this.context, event);
  }

  /** Starts the timers of the state just entered. */
  private entered(): void {
    const after = this.table.states[this.state]!.after;
    if (after === undefined || this.done) return;
    const clock = this.impl.clock ?? GLOBAL_CLOCK;
    const ids: unknown[] = (this.timerIds = []);
    for (const [type, delay] of after) {
      const d = typeof delay === 'number' ? delay : (this.impl.timers as Record<string, number | ((c: C) => number)> | undefined)?.[delay];
      if (d === undefined) throw new Error(`lifecycle ${this.table.machine}: delay '${delay}' is not implemented`);
      const expiry = { type } as E;
      ids.push(clock.setTimeout(() => this.send(expiry), typeof d === 'function' ? d(this.context) : d));
    }
  }

  private clearTimers(): void {
    const ids = this.timerIds;
    if (ids === null) return;
    this.timerIds = null;
    const clock = this.impl.clock ?? GLOBAL_CLOCK;
    for (const id of ids) clock.clearTimeout(id);
  }
}

/** Starts a lifecycle of `table` in its initial state (its entry actions run now). */
export function createLifecycle<T extends LifecycleTable, C, E extends LifecycleEvent = AnyLifecycleEvent>(
  table: T,
  implementation: LifecycleImplementation<T, C, E>,
  context: C,
): Lifecycle<T, C, E> {
  return new Lifecycle(table, implementation, context);
}
