// FORGET_CHAIN: drop a pipelined call chain's state (src/core/child/dispatcher.ts).
import { PARENT_AUTHORITY } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** FORGET_CHAIN (12): data, the chain id (a string). */
export const forgetChainHandle: ReservedHandle<string> = {
  id: 12,
  name: 'FORGET_CHAIN',
  thread: 'dispatcher',
  handledIn: ['child'],
  policy: PARENT_AUTHORITY,
  data: 'chainId (a string)',
  parse: (v) => (typeof v === 'string' ? v : MALFORMED),
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const forgetChainPurpose = 'drop the state of a pipelined call chain (the failure that stops its later calls)';
