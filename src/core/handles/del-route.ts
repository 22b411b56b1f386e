// DEL_ROUTE: a context is gone (src/core/routing/route-control.ts).
import { IMMEDIATE_CHILD_OR_PARENT_AUTHORITY } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** `[id, reason]` of the context that died. */
export type DelRoutePayload = [id: number, reason: string];

/** DEL_ROUTE (4): a context died; data `[id, reason?]` (no reason reads as "dead"). */
export const delRouteHandle: ReservedHandle<DelRoutePayload> = {
  id: 4,
  name: 'DEL_ROUTE',
  thread: 'broker',
  handledIn: ['master', 'child'],
  policy: IMMEDIATE_CHILD_OR_PARENT_AUTHORITY,
  data: '[id, reason]',
  parse: (v) => (Array.isArray(v) && typeof v[0] === 'number' ? [v[0], String(v[1] ?? 'dead')] : MALFORMED),
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const delRoutePurpose =
  'announces that a context is gone, once to every neighbour that may not know it: the parent unless the news came from there, and every child but the one it came from. A child may only report deaths behind itself';
