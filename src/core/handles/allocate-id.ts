// ALLOCATE_ID: a child asks the master for context ids (src/core/routing/id-allocator.ts).
import { ANYONE } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** The most ids one request gets. */
export const MAX_ID_BLOCK = 1024;

/** ALLOCATE_ID (5): data, the number of ids wanted; anything but 1 to 1024 is clamped (not a number: 1). */
export const allocateIdHandle: ReservedHandle<number> = {
  id: 5,
  name: 'ALLOCATE_ID',
  thread: 'broker',
  handledIn: ['master'],
  policy: ANYONE,
  data: `count (clamped to 1 - ${MAX_ID_BLOCK}; not a number: 1)`,
  parse: (v) => Math.max(1, Math.min(Number(v) || 1, MAX_ID_BLOCK)),
};

/** The reply, `[firstId, count]`, or MALFORMED. */
export function parseAllocateIdReply(v: unknown): [first: number, count: number] | typeof MALFORMED {
  return Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number' ? [v[0], v[1]] : MALFORMED;
}

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const allocateIdPurpose = 'a context asks the master for a block of context ids for its own children';

/** docs/protocol.md's reply column (docs only: left out of the child payload). */
export const allocateIdReply =
  '[firstId, count]';
