// CREATE_CHILD: ask a context to start a child of its own (src/core/child/broker.ts installs
// it; src/methods/parent-entry.ts, shipped on demand, answers it).
import type { ConnectionMethod, MethodOptions } from '../routing/connection-options.js';
import { PARENT_AUTHORITY } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** What CREATE_CHILD carries: a connection method, its options, and the new id when the asker chose it. */
export interface CreateChildRequest {
  method: ConnectionMethod;
  opts?: MethodOptions[ConnectionMethod];
  id?: number;
}

/** CREATE_CHILD (13): data `{method, opts, id?}`. */
export const createChildHandle: ReservedHandle<CreateChildRequest> = {
  id: 13,
  name: 'CREATE_CHILD',
  thread: 'broker',
  handledIn: ['child'],
  policy: PARENT_AUTHORITY,
  data: '{method, opts, id?}',
  parse: (v) =>
    v !== null && typeof v === 'object' && typeof (v as { method?: unknown }).method === 'string'
      ? (v as CreateChildRequest)
      : MALFORMED,
};

/** The reply, `[id, name]`, or MALFORMED. */
export function parseCreateChildReply(v: unknown): [id: number, name: string] | typeof MALFORMED {
  return Array.isArray(v) && typeof v[0] === 'number' ? [v[0], String(v[1])] : MALFORMED;
}

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const createChildPurpose =
  'ask a context to start a child of its own (`via:`, `currentRouter().local()`); without an id it takes one from its ALLOCATE_ID block. The first request makes it load the parent bundle (LOAD_MODULE `tendril:parent`)';

/** docs/protocol.md's reply column (docs only: left out of the child payload). */
export const createChildReply =
  '[id, name] of the new context (its ADD_ROUTE arrives first), or a CallError';
