// DETACHING: reserved, unused. No context installs a handler, so a frame for it gets a
// "no handler" dead reply; the number stays reserved so that it keeps its meaning later.
import { ANYONE } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** DETACHING (9): reserved, no handler anywhere. */
export const detachingHandle: ReservedHandle<never> = {
  id: 9,
  name: 'DETACHING',
  thread: 'broker',
  handledIn: [],
  policy: ANYONE,
  data: 'not defined',
  parse: () => MALFORMED,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const detachingPurpose = 'reserved, unused: nothing sends it and no context handles it';
