// CALL_FUNCTION: run a function in the destination (src/core/child/dispatcher.ts).
import type { CallTuple } from '../calls/call-message.js';
import { PARENT_AUTHORITY } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

const isLimit = (v: unknown): boolean => v === null || (typeof v === 'number' && v >= 0 && v <= 0x7fffffff);

/**
 * CALL_FUNCTION (1): a call; data `[chainId | nil, module, functionName, args, limit?]`, the
 * limit (present when the caller may cancel: ms allowed, or nil) as call-message.ts says.
 */
export const callFunctionHandle: ReservedHandle<CallTuple> = {
  id: 1,
  name: 'CALL_FUNCTION',
  thread: 'dispatcher',
  handledIn: ['child'],
  policy: PARENT_AUTHORITY,
  data: '[chainId | nil, module, functionName, args, limit?]',
  parse: (v) =>
    Array.isArray(v) && (v.length === 4 || (v.length === 5 && isLimit(v[4]))) && (v[0] === null || typeof v[0] === 'string') &&
    typeof v[1] === 'string' && typeof v[2] === 'string' && Array.isArray(v[3])
      ? (v as CallTuple)
      : MALFORMED,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const callFunctionPurpose =
  'call a function in the destination. A chain id makes calls of one pipelined chain run in order; a limit (ms, or nil for none) says the caller may CANCEL it, and starts its deadline on arrival; the master never handles it';

/** docs/protocol.md's reply column (docs only: left out of the child payload). */
export const callFunctionReply =
  'the result, or a CallError (extension 0x46)';
