// What a called function can ask about the call it runs in.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from './context.js';
import { TendrilError } from '../errors.js';
import type { CoreRouter } from '../routing/router.js';

interface CallScope {
  router: CoreRouter;
  caller: Context;
}

const scope = new AsyncLocalStorage<CallScope>();
let processRouter: CoreRouter | null = null;

/** Set once per process: the master's newest Router, or a child's own router. */
export function setProcessRouter(router: CoreRouter | null): void {
  processRouter = router;
}

/** Runs `fn` as a call made by `caller`. */
export function runAsCall<T>(router: CoreRouter, caller: Context, fn: () => T): T {
  return scope.run({ router, caller }, fn);
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
