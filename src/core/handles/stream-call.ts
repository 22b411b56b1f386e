// STREAM_CALL: call a function that returns an async iterable and stream its values back
// under credit-based flow control (src/core/calls/stream-producer.ts, remote-stream.ts).
import { PARENT_AUTHORITY } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** The data of STREAM_CALL: what to call, the credit the producer starts with, and the limit. */
export type StreamCallTuple = [module: string, fn: string, args: unknown[], highWaterMark: number, limit: number | null];

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 0x7fffffff;
const isLimit = (v: unknown): boolean => v === null || (typeof v === 'number' && v >= 0 && v <= 0x7fffffff);

/** STREAM_CALL (20): data `[module, functionName, args, highWaterMark, limit | nil]`; replies are batches. */
export const streamCallHandle: ReservedHandle<StreamCallTuple> = {
  id: 20,
  name: 'STREAM_CALL',
  thread: 'dispatcher',
  handledIn: ['child'],
  policy: PARENT_AUTHORITY,
  data: '[module, functionName, args, highWaterMark, limit | nil]',
  parse: (v) =>
    Array.isArray(v) && v.length === 5 && typeof v[0] === 'string' && typeof v[1] === 'string' && Array.isArray(v[2]) && isCount(v[3]) && isLimit(v[4])
      ? (v as StreamCallTuple)
      : MALFORMED,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const streamCallPurpose =
  'call a function whose result is an async (or sync) iterable and stream its values to replyTo, as described under "Streams" below; the master never handles it';

/** docs/protocol.md's reply column (docs only: left out of the child payload). */
export const streamCallReply =
  'batches [value, ...] (replyTo: the stream\'s credit handle), then a close, or a CallError';
