// FORWARD_LOG: a log record travelling to the master (src/master/router.ts reads it).
import { ANYONE } from './handle-policy.js';
import type { ReservedHandle } from './reserved-handle.js';

/**
 * FORWARD_LOG (2): a log record for the master. The record's shape belongs to the master's log
 * code, which checks it field by field; this validator only decodes (any value passes).
 */
export const forwardLogHandle: ReservedHandle<unknown> = {
  id: 2,
  name: 'FORWARD_LOG',
  thread: 'broker',
  handledIn: ['master'],
  policy: ANYONE,
  data: '[contextId, context, source, level, time, message, topic | nil] (src/core/logging/log-record.ts)',
  parse: (v) => v,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const forwardLogPurpose =
  'a log record travelling to the master (context 0, NO_REPLY): a record of a child\'s runtime, or a line printed by a context below an intermediate, which read it';
