// ADD_ROUTE: a new context is reachable through the sender (src/core/routing/route-control.ts).
import { IMMEDIATE_CHILD } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** `[id, name, parentId]` of the context announced. */
export type AddRoutePayload = [id: number, name: string, parentId: number];

/** ADD_ROUTE (3): announces a new context upstream; data `[id, name, parentId]`. */
export const addRouteHandle: ReservedHandle<AddRoutePayload> = {
  id: 3,
  name: 'ADD_ROUTE',
  thread: 'broker',
  handledIn: ['master', 'child'],
  policy: IMMEDIATE_CHILD,
  data: '[id, name, parentId]',
  parse: (v) =>
    Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string' && typeof v[2] === 'number'
      ? (v as AddRoutePayload)
      : MALFORMED,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const addRoutePurpose =
  'announces, upstream, a new context reachable through the sender; each ancestor records the route and passes it on. A child may not claim the receiver, its ancestors, or a context routed through another stream';
