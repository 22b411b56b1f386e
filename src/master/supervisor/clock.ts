// The time a supervisor runs on: real by default, virtual in tests (xstate's SimulatedClock
// fits), so that backoff delays, restart windows and waits can be stepped through.

/** The clock of a supervisor: every delay it waits (backoff, intensity window, stop grace, whenUp's timeout) and every `since`. */
export interface SupervisorClock {
  /** Current time in ms (epoch ms for the real clock). */
  now(): number;
  /** Runs `fn` after `ms`; returns a handle for clearTimeout. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer setTimeout returned. */
  clearTimeout(handle: unknown): void;
}

/** Real time. Its timers never keep the process alive (waiters do: see whenUp). */
export const realClock: SupervisorClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};
