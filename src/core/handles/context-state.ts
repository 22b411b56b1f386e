// CONTEXT_STATE: the broker tells its own dispatcher thread how every context it knows moves
// (started, connected, running, draining, dead), so code running in the dispatcher sees the
// same lifecycles and deaths as the broker (src/core/lifecycle/notices.ts).
import type { HandlePolicy } from './handle-policy.js';
import { parseLifecycle, type LifecyclePayload } from './lifecycle.js';
import type { ReservedHandle } from './reserved-handle.js';

/** Only this context itself (its broker) speaks on it. */
const OWN_BROKER: HandlePolicy = { name: 'this context (its broker)', allows: (msg) => msg.authId === msg.dstId && msg.srcId === msg.dstId };

/** CONTEXT_STATE (16): broker -> dispatcher; data as LIFECYCLE's. */
export const contextStateHandle: ReservedHandle<LifecyclePayload> = {
  id: 16,
  name: 'CONTEXT_STATE',
  thread: 'dispatcher',
  handledIn: ['child'],
  policy: OWN_BROKER,
  data: '[id, name, parentId, event, reason]',
  parse: parseLifecycle,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const contextStatePurpose =
  "inside a child: its broker tells its dispatcher thread each lifecycle step and each death of the contexts it knows (data as LIFECYCLE's), so a call made by user code to a context that dies settles at once";
