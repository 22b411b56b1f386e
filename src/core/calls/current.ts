// What a called function can ask about the call it runs in.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from './context.js';
import { TendrilError } from '../errors.js';
import type { CoreRouter } from '../routing/router.js';
import type { CurrentCall, RunningCall } from './running-call.js';

const scope = new AsyncLocalStorage<RunningCall>();
let processRouter: CoreRouter | null = null;

/** Set once per process: the master's newest Router, or a child's own router. */
export function setProcessRouter(router: CoreRouter | null): void {
  processRouter = router;
}

/** Runs `fn` as `call` (the dispatcher: currentCall() shows it). */
export function runInCall<T>(call: RunningCall, fn: () => T): T {
  return scope.run(call, fn);
}

/** The router of the context this code runs in. */
export function currentRouter(): CoreRouter {
  const s = scope.getStore();
  if (s) return s.router;
  if (processRouter) return processRouter;
  throw new TendrilError('currentRouter(): no router exists in this process yet (create a Router first)');
}

/** The context that made the call currently running. Only valid inside a called function. */
export function callerContext(): Context {
  const s = scope.getStore();
  if (!s) throw new TendrilError('callerContext() is only available inside a function called by another context');
  return s.caller;
}

/** @internal Whether the running call's sender had parent authority (service policies). */
export function callerHasParentAuthority(): boolean {
  const s = scope.getStore();
  return s !== undefined && s.parentAuthority;
}

/**
 * The call currently running, inside a function called by another context (also after its
 * awaits; concurrent calls each see their own): who called, its deadline, and a `signal`
 * that aborts when the caller gives up (its timeout or AbortSignal: it sent CANCEL), when
 * the deadline passes, or when the caller dies. Pass the signal on (`fetch(url, { signal })`,
 * `setTimeout` from `node:timers/promises`) to stop work nobody waits for.
 */
export function currentCall(): CurrentCall {
  const s = scope.getStore();
  if (!s) throw new TendrilError('currentCall() is only available inside a function called by another context');
  // The signal is made only when read (running-call.ts): caller and deadline cost nothing.
  return {
    get signal(): AbortSignal {
      return s.signal;
    },
    caller: s.caller,
    deadline: s.deadline,
  };
}
