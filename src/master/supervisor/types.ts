// The public shapes of a Supervisor: its options and the state it publishes.
import type { IntensityScope, RestartType, Strategy } from '../../../machines/supervisor.js';
import type { Context } from '../../core/calls/context.js';
import type { Router } from '../router.js';
import type { SupervisorClock } from './clock.js';
import type { Decider } from './decider.js';
import type { Supervisor } from './supervisor.js';

/** One supervised child. */
export interface SupervisedChildSpec {
  /** Unique within the supervisor. */
  id: string;
  /**
   * Starts the child and resolves with its context (called again for each restart). Every
   * other context it makes through `router` belongs to this incarnation: shut down with it,
   * and at once if the start throws.
   */
  start: (router: Router) => Promise<Context>;
  /** permanent (default): always restarted; transient: unless it shut down normally; temporary: never. */
  restart?: RestartType;
}

/** How a Supervisor is built. */
export interface SupervisorOptions {
  /** Which children restart when one fails (default one_for_one). */
  strategy?: Strategy;
  /** More than `intensity` restarts within `period` ms (default 3 in 60000): see intensityScope. */
  intensity?: number;
  /** The window of `intensity`, in ms (default 60000). */
  period?: number;
  /**
   * 'supervisor' (default, the OTP rule): the limit counts every child's restarts; past it the
   * supervisor stops every child and fails. 'child': each child has its own limit; past it
   * that child is given up (status `failed`, its last error says why) and the others run on.
   */
  intensityScope?: IntensityScope;
  /** Restart delays: doubling from min to max, ± jitter, back to min after `resetAfter` ms up (default 500, 30000, 0.2, max). */
  backoff?: {
    /** First delay, ms (default 500). */
    min?: number;
    /** Largest delay, ms (default 30000). */
    max?: number;
    /** Random spread, a fraction of the delay (default 0.2: ± 20%). */
    jitter?: number;
    /** Up this long (ms), a child restarts from `min` again (default `max`). */
    resetAfter?: number;
  };
  /** Default: PasswordError and HostKeyError stop the child, everything else restarts it. */
  decider?: Decider;
  /** The children, in start order. */
  children: SupervisedChildSpec[];
  /** The supervisor this one reports its failure to; it starts, restarts and stops this one. */
  parent?: Supervisor;
  /** Its id in describe() and among its parent's children (default `supervisor-N`). */
  name?: string;
  /** How long whenUp() and call() wait for a child to be up (default 30000 ms). */
  upTimeout?: number;
  /** Time a child has to stop before it is killed (default: the router's shutdownTimeout). */
  shutdownTimeout?: number;
  /**
   * The time every delay runs on (default: real time; a nested supervisor: its parent's). A
   * virtual one (xstate's SimulatedClock) makes backoff and intensity testable in virtual time.
   */
  clock?: SupervisorClock;
}

/** Status of a supervised child. */
export type SupervisedChildStatus = 'starting' | 'up' | 'restarting' | 'stopping' | 'stopped' | 'failed';

/** One child in a supervisor's state. */
export interface SupervisedChildState {
  /** Its id in the spec. */
  id: string;
  /** Where it is now. */
  status: SupervisedChildStatus;
  /** Restarts after its own failures. */
  restarts: number;
  /** Its own restarts within the last `period` ms. */
  recentRestarts: number;
  /** Why it last failed (or was given up), null if it never did. */
  lastError: string | null;
  /** Id of the current context (while up). */
  contextId: number | null;
  /** When it entered this status (the supervisor's clock: epoch ms by default). */
  since: number;
  /** The backoff delay before its current or latest restart (ms). */
  delay: number | null;
  /** Its restart type (from the spec, default permanent). */
  restart: RestartType;
  /** Up, but its strategy is about to stop it (one_for_all / rest_for_one restarting its set). */
  stopQueued: boolean;
  /** Set when the child is a nested supervisor. */
  supervisor?: SupervisorState;
}

/** Status of a supervisor. */
export type SupervisorStatus = 'running' | 'stopping' | 'failing' | 'stopped' | 'failed';

/** What a supervisor publishes on `state$`. */
export interface SupervisorState {
  /** The supervisor's name. */
  name: string;
  /** Its strategy. */
  strategy: Strategy;
  /** Whose restarts its intensity limits. */
  intensityScope: IntensityScope;
  /** Where it is now. */
  status: SupervisorStatus;
  /** Why it failed. */
  failure: string | null;
  /** Restarts (of all children) within the current period, and the limit. */
  recentRestarts: number;
  /** The restart limit. */
  intensity: number;
  /** The limit's window, ms. */
  period: number;
  /** When it entered its status (its clock: epoch ms by default). */
  since: number;
  /** Each child's state, by id. */
  children: Record<string, SupervisedChildState>;
}
