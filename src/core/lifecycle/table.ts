// The shape of a generated transition table (scripts/gen-machine-tables.mjs writes them from
// the XState machines in machines/; src/core/lifecycle/generated/ holds the results).

/** One way out of a state on one event. */
export interface TableTransition {
  /** The state entered; absent: the state stays (nothing is exited or entered). */
  readonly target?: string;
  /** Action names in XState's order: exit of the source, the transition's own, entry of the target. */
  readonly actions: readonly string[];
  /** Taken only when this guard passes; otherwise the next candidate is tried. */
  readonly guard?: string;
}

/** One state of a table. */
export interface TableState {
  /** A final state: the lifecycle is done and ignores every later event. */
  readonly final?: true;
  /** Candidates per event type, in the order XState tries them. */
  readonly on: { readonly [event: string]: readonly TableTransition[] };
  /**
   * XState's partial wildcards (`xstate.done.actor.*`) as [prefix, candidates], longest first:
   * an event whose type has no entry in `on` matches a prefix when it equals it or continues
   * it with a '.'; the prefix '' (XState's `*`) matches every event.
   */
  readonly wild?: readonly (readonly [string, readonly TableTransition[]])[];
  /** Timers started on entry and cancelled on exit: [the event sent at expiry, delay name or ms]. */
  readonly after?: readonly (readonly [string, string | number])[];
}

/** A machine as plain data. */
export interface LifecycleTable {
  /** The machine's id. */
  readonly machine: string;
  readonly initial: string;
  /** Entry actions of the initial state, run when the lifecycle is created. */
  readonly entry: readonly string[];
  readonly states: { readonly [state: string]: TableState };
}

type States<T extends LifecycleTable> = T['states'][keyof T['states']];
// Distributes over a union of objects: the union of their property types.
type ValuesOf<O> = O extends unknown ? O[keyof O] : never;
type WildOf<S> = S extends { readonly wild: readonly (readonly [string, infer L extends readonly unknown[]])[] } ? L[number] : never;
type AfterOf<S> = S extends { readonly after: readonly (readonly [string, infer D])[] } ? D : never;
type Transitions<T extends LifecycleTable> = Extract<ValuesOf<States<T>['on']>[number] | WildOf<States<T>>, TableTransition>;

/** The states of a table. */
export type StateOf<T extends LifecycleTable> = keyof T['states'] & string;
/** Every action name a table may run. */
export type ActionOf<T extends LifecycleTable> = Transitions<T>['actions'][number] | T['entry'][number];
/** Every guard name a table uses. */
export type GuardOf<T extends LifecycleTable> = Transitions<T> extends infer X ? (X extends { readonly guard: infer G extends string } ? G : never) : never;
/** Every named delay of a table's timers. */
export type DelayOf<T extends LifecycleTable> = Extract<AfterOf<States<T>>, string>;
