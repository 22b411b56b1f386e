// CANCEL: a caller gave up on a call (timeout, abort) and tells the callee, whose
// currentCall().signal aborts (src/core/child/dispatcher.ts, src/core/calls/running-call.ts).
import { PARENT_AUTHORITY } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** Why a caller gave up: its timeout passed, or its AbortSignal aborted. */
export type CancelKind = 'timeout' | 'abort';

/** The data of CANCEL: the call's reply handle (with the sender, it names the call), why, in words. */
export type CancelPayload = [replyHandle: number, kind: CancelKind, reason: string];

/** CANCEL (17): data `[replyHandle, kind, reason]`; no reply. */
export const cancelHandle: ReservedHandle<CancelPayload> = {
  id: 17,
  name: 'CANCEL',
  thread: 'dispatcher',
  handledIn: ['child'],
  // Whoever may call may cancel; a call is found by (srcId, replyHandle), so only its own.
  policy: PARENT_AUTHORITY,
  data: "[replyHandle, 'timeout' | 'abort', reason]",
  parse: (v) =>
    Array.isArray(v) && v.length === 3 && typeof v[0] === 'number' && (v[1] === 'timeout' || v[1] === 'abort') && typeof v[2] === 'string'
      ? (v as CancelPayload)
      : MALFORMED,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const cancelPurpose =
  "the caller of a CALL_FUNCTION that carried a limit gave up on it (NO_REPLY): the call is the one from this frame's srcId whose replyTo was replyHandle. Its currentCall().signal aborts; a call of a pipelined chain not yet run never runs, and fails the chain; the result, if any, is not sent. Unknown or finished calls: ignored";
