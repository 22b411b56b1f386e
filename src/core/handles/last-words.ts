// LAST_WORDS: a child tells its parent why it is about to die (src/core/child/broker.ts sends
// it, src/parent/child-set.ts keeps it for the death reason of the context).
import { IMMEDIATE_CHILD } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** LAST_WORDS (14): data, the reason (a string), NO_REPLY. */
export const lastWordsHandle: ReservedHandle<string> = {
  id: 14,
  name: 'LAST_WORDS',
  thread: 'broker',
  handledIn: ['master', 'child'],
  policy: IMMEDIATE_CHILD,
  data: 'reason (a string)',
  parse: (v) => (typeof v === 'string' ? v : MALFORMED),
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const lastWordsPurpose =
  "a child's last message before it ends on its own, to its parent (NO_REPLY): why, in words a person can act on (`uncaught TypeError: boom (tasks.ts:12)`, `exited with code 7`). The parent makes it the context's death reason";
