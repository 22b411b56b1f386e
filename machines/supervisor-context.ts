// The data of the supervisor machine (machines/supervisor.ts): its input, its context, the
// events it handles, its defaults, and the backoff formula. Pure: no XState here.

/**
 * Which children restart when one fails: that one (one_for_one), all of them (one_for_all),
 * or it and those started after it (rest_for_one).
 */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
/** When a child is restarted: always (permanent), after a failure only (transient), never (temporary). */
export type RestartType = 'permanent' | 'transient' | 'temporary';
/** What to do about a failure (the runtime's decider chooses). */
export type Decision = 'restart' | 'stop' | 'escalate';
/**
 * Whose restarts `intensity`/`period` limit: 'supervisor' (the OTP rule: all children's
 * restarts together; past the limit the supervisor stops everything and fails) or 'child'
 * (each child's own; past it that child alone is given up, `failed`, and the others run on).
 */
export type IntensityScope = 'supervisor' | 'child';
export type ChildStatus = 'pending' | 'backoff' | 'starting' | 'up' | 'stopping' | 'stopped' | 'failed';

/** How restart delays grow. */
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

/** A child as the machine knows it: an id and a restart type. */
export interface ChildSpec {
  id: string;
  restart?: RestartType;
}

/** What the machine is created with (createActor's `input`). */
export interface SupervisorInput {
  children: ChildSpec[];
  strategy?: Strategy;
  /** More than `intensity` restarts within `period` ms: see `intensityScope` for whose. */
  intensity?: number;
  period?: number;
  /** Default 'supervisor'. */
  intensityScope?: IntensityScope;
  backoff?: Partial<BackoffSettings>;
  /** How long a child may take to stop before it is killed (the router's shutdownTimeout). */
  graceMs?: number;
  /** Source of randomness for the jitter (Math.random by default). */
  random?: () => number;
}

/** One child in the machine's context. */
export interface SupervisedChild {
  id: string;
  restart: RestartType;
  status: ChildStatus;
  /** Bumped on each start: events about an older incarnation are ignored. */
  incarnation: number;
  /** Restarts so far (a start after a failure). */
  restarts: number;
  /** Its own restarts within the last `period` ms (the limit with intensityScope 'child'). */
  recentRestarts: number;
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

/** The machine's context. */
export interface SupervisorContext {
  strategy: Strategy;
  intensity: number;
  period: number;
  intensityScope: IntensityScope;
  backoff: BackoffSettings;
  graceMs: number;
  random: () => number;
  /** Child ids in spec (start) order. */
  order: string[];
  children: Record<string, SupervisedChild>;
  /** Children to stop, in order (a restart set, or everything on shutdown). */
  stopQueue: string[];
  /** Restarts of all children within the last `period` ms. */
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

/** Events the runtime sends (and the timers the machine raises itself). */
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
  /** A restart left the window: the supervisor's count, or child `id`'s. */
  | { type: 'RESTART_EXPIRED'; id?: string };

/** One incarnation of a child (the parameters of the start, stop and kill effects). */
export interface ChildRef {
  id: string;
  incarnation: number;
}

/** Values used for options left out. */
export const SUPERVISOR_DEFAULTS = {
  strategy: 'one_for_one' as Strategy,
  intensity: 3,
  period: 60_000,
  intensityScope: 'supervisor' as IntensityScope,
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

/** The machine's initial context for `input`. */
export function initialContext(input: SupervisorInput): SupervisorContext {
  const b = { ...SUPERVISOR_DEFAULTS.backoff, ...input.backoff };
  const children: Record<string, SupervisedChild> = {};
  for (const spec of input.children) children[spec.id] = newChild(spec, 'pending');
  return {
    strategy: input.strategy ?? SUPERVISOR_DEFAULTS.strategy,
    intensity: input.intensity ?? SUPERVISOR_DEFAULTS.intensity,
    period: input.period ?? SUPERVISOR_DEFAULTS.period,
    intensityScope: input.intensityScope ?? SUPERVISOR_DEFAULTS.intensityScope,
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
}

/** A child that has not run yet. */
export function newChild(spec: ChildSpec, status: ChildStatus): SupervisedChild {
  return {
    id: spec.id, restart: spec.restart ?? 'permanent', status, incarnation: 0, restarts: 0, recentRestarts: 0, attempt: 0,
    delay: null, lastError: null, contextId: null, startSeq: 0, backoffToken: 0,
  };
}
