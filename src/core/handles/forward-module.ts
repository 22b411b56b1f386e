// FORWARD_MODULE: reserved, unused. No context installs a handler, so a frame for it gets a
// "no handler" dead reply; the number stays reserved so that it keeps its meaning later.
import { ANYONE } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** FORWARD_MODULE (8): reserved, no handler anywhere. */
export const forwardModuleHandle: ReservedHandle<never> = {
  id: 8,
  name: 'FORWARD_MODULE',
  thread: 'broker',
  handledIn: [],
  policy: ANYONE,
  data: 'not defined',
  parse: () => MALFORMED,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const forwardModulePurpose = 'reserved, unused: nothing sends it and no context handles it';
