// HEARTBEAT: liveness of a stream (src/core/links/heartbeat.ts sends it, every router takes it).
import { ANYONE } from './handle-policy.js';
import type { ReservedHandle } from './reserved-handle.js';

/** HEARTBEAT (11): empty data, never read, never answered. */
export const heartbeatHandle: ReservedHandle<undefined> = {
  id: 11,
  name: 'HEARTBEAT',
  thread: 'broker',
  handledIn: ['master', 'child'],
  policy: ANYONE,
  data: 'empty (not read)',
  parse: () => undefined,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const heartbeatPurpose =
  'liveness probe on every stream, both ways, NO_REPLY: each end sends one every `heartbeatInterval` ms (config record, default 5000; 0: none) to the context at the other end. A receiver only counts reads, and closes the stream when `heartbeatMisses` intervals in a row (default 3) brought nothing at all (src/core/links/heartbeat.ts)';
