// Installing a reserved handle's handler with the table's number and policy.
import type { CoreRouter, Handler } from '../routing/router.js';
import type { HandlePlace, ReservedHandle } from './reserved-handle.js';

/**
 * Adds `fn` as the handler of `handle` in `router`, guarded by the handle's policy (the
 * master's, when `place` is 'master' and it has one). Returns the handle number.
 */
export function installHandle(router: CoreRouter, handle: ReservedHandle, fn: Handler, place: HandlePlace = 'child'): number {
  const policy = (place === 'master' ? handle.masterPolicy : undefined) ?? handle.policy;
  return router.addHandler(fn, { handle: handle.id, policy: policy.allows });
}
