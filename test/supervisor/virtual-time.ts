// Stepping a supervisor's virtual clock (xstate's SimulatedClock) while its children are real:
// between steps, the starts and stops in flight finish in real time, so that every delay the
// supervisor chooses is measured on the virtual clock only.
import type { SimulatedClock } from 'xstate';
import type { Supervisor, SupervisorState } from '../../src/index.js';
import { waitState } from '../support/supervisor.js';

/** No child of `s` (nested ones included) is starting or stopping. */
export function quiet(s: SupervisorState): boolean {
  return Object.values(s.children).every((c) => c.status !== 'starting' && c.status !== 'stopping' && (!c.supervisor || quiet(c.supervisor)));
}

/** Real time a start or stop may take before the helper gives up (far more than a local start). */
const REAL_BOUND_MS = 20_000;

/** Advances `clock` by `ms`, `step` ms at a time, waiting after each step until `sup` is quiet again. */
export async function advance(clock: SimulatedClock, sup: Supervisor, ms: number, step = 100): Promise<void> {
  const end = clock.now() + ms;
  await waitState(sup, quiet, REAL_BOUND_MS, 'starts and stops in flight to finish');
  while (clock.now() < end) {
    clock.increment(Math.min(step, end - clock.now()));
    await waitState(sup, quiet, REAL_BOUND_MS, 'starts and stops in flight to finish');
  }
}

/** Resolves with what `p` settled to if it settles before anything else the event loop has to do; 'pending' otherwise. */
export async function settledAtOnce<T>(p: Promise<T>): Promise<{ value: T } | { error: unknown } | 'pending'> {
  const outcome = p.then((value) => ({ value }), (error: unknown) => ({ error }));
  const later = new Promise<'pending'>((r) => setImmediate(() => r('pending')));
  return Promise.race([outcome, later]);
}
