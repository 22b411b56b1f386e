// SHUTDOWN: the parent asks a child to end (src/core/child/broker.ts).
import { PARENT_AUTHORITY } from './handle-policy.js';
import type { ReservedHandle } from './reserved-handle.js';

/** SHUTDOWN (6): empty data, never read. */
export const shutdownHandle: ReservedHandle<undefined> = {
  id: 6,
  name: 'SHUTDOWN',
  thread: 'broker',
  handledIn: ['child'],
  policy: PARENT_AUTHORITY,
  data: 'empty (not read)',
  parse: () => undefined,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const shutdownPurpose =
  "the parent asks the child to shut down (NO_REPLY); it cascades to the child's children, each within its grace period";
