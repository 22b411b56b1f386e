// DEL_ROUTE: contexts are gone (src/core/routing/route-control.ts).
import { IMMEDIATE_CHILD_OR_PARENT_AUTHORITY } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/**
 * `[id, reason, id, reason, ...]`: every context that died in one event (a context and the
 * subtree behind it), parents before children, each with the reason the sender recorded.
 */
export type DelRoutePayload = [id: number, reason: string, ...more: (number | string)[]];

/** DEL_ROUTE (4): contexts died; data `[id, reason?, id, reason, ...]` (no reason reads as "dead"). */
export const delRouteHandle: ReservedHandle<DelRoutePayload> = {
  id: 4,
  name: 'DEL_ROUTE',
  thread: 'broker',
  handledIn: ['master', 'child'],
  policy: IMMEDIATE_CHILD_OR_PARENT_AUTHORITY,
  data: '[id, reason, id, reason, ...]',
  parse: (v) => {
    if (!Array.isArray(v) || v.length === 0) return MALFORMED;
    const out: (number | string)[] = [];
    for (let i = 0; i < v.length; i += 2) {
      if (typeof v[i] !== 'number') return MALFORMED;
      out.push(v[i] as number, String(v[i + 1] ?? 'dead'));
    }
    return out as DelRoutePayload;
  },
};

/** The `[id, reason]` pairs of a DEL_ROUTE payload, in order. */
export function deathPairs(v: DelRoutePayload): [number, string][] {
  const out: [number, string][] = [];
  for (let i = 0; i < v.length; i += 2) out.push([v[i] as number, v[i + 1] as string]);
  return out;
}

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const delRoutePurpose =
  'announces that contexts are gone: one message per link and per death, carrying the context and every context behind it that died with it (parents first, each with its reason); sent once to every neighbour that may not know it: the parent unless the news came from there, and every child but the one it came from. A child may only report deaths behind itself';
