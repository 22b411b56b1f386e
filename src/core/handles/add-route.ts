// ADD_ROUTE: a new context is reachable through the sender (src/core/routing/route-control.ts).
import { IMMEDIATE_CHILD } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/**
 * `[id, name, parentId]` of the context announced, or `[[id, ...]]`: the sender's subtree may
 * wait on these contexts, not behind it: route their deaths to it (src/core/routing/interests.ts).
 */
export type AddRoutePayload = [id: number, name: string, parentId: number] | [waitedOn: number[]];

/** ADD_ROUTE (3): announces a new context upstream, data `[id, name, parentId]`; or asks for deaths, data `[[id, ...]]`. */
export const addRouteHandle: ReservedHandle<AddRoutePayload> = {
  id: 3,
  name: 'ADD_ROUTE',
  thread: 'broker',
  handledIn: ['master', 'child'],
  policy: IMMEDIATE_CHILD,
  data: '[id, name, parentId] or [[id, ...]]',
  parse: (v) => {
    if (!Array.isArray(v)) return MALFORMED;
    if (v.length === 1 && Array.isArray(v[0]) && (v[0] as unknown[]).every((id) => typeof id === 'number')) return v as AddRoutePayload;
    return typeof v[0] === 'number' && typeof v[1] === 'string' && typeof v[2] === 'number' ? (v as AddRoutePayload) : MALFORMED;
  },
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const addRoutePurpose =
  'announces, upstream, a new context reachable through the sender; each ancestor records the route and passes it on. A child may not claim the receiver, its ancestors, or a context routed through another stream. The form [[id, ...]] asks instead for the deaths of contexts not behind the sender that its subtree may wait on (a Context object, a pending call, a receiver): the receiver records the ask for that stream, asks its own parent in turn for an id not behind itself, and answers at once with DEL_ROUTE for an id already dead; each context is asked for once per stream';
