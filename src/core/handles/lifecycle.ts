// LIFECYCLE: how a context started below moves through its lifecycle, told upward by the
// context that started it and passed on by every ancestor (src/core/lifecycle/notices.ts),
// so the master and every ancestor see connecting and bootstrapping too, not only running.
import { IMMEDIATE_CHILD } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/**
 * What happened to a context: STARTED (its connection is being made: connecting), CONNECTED
 * (node answered: bootstrapping), BOOTSTRAPPED (running), DRAINING (asked to shut down), DEAD.
 */
export type LifecycleEventName = 'STARTED' | 'CONNECTED' | 'BOOTSTRAPPED' | 'DRAINING' | 'DEAD';
const EVENTS: readonly string[] = ['STARTED', 'CONNECTED', 'BOOTSTRAPPED', 'DRAINING', 'DEAD'];

/** `[id, name, parentId, event, reason]` (reason: of DRAINING and DEAD, else null). */
export type LifecyclePayload = [id: number, name: string, parentId: number, event: LifecycleEventName, reason: string | null];

export function parseLifecycle(v: unknown): LifecyclePayload | typeof MALFORMED {
  return Array.isArray(v) &&
    typeof v[0] === 'number' &&
    typeof v[1] === 'string' &&
    typeof v[2] === 'number' &&
    EVENTS.includes(v[3] as string) &&
    (v[4] === null || typeof v[4] === 'string')
    ? (v as LifecyclePayload)
    : MALFORMED;
}

/** LIFECYCLE (15): upstream, hop by hop; data `[id, name, parentId, event, reason]`. */
export const lifecycleHandle: ReservedHandle<LifecyclePayload> = {
  id: 15,
  name: 'LIFECYCLE',
  thread: 'broker',
  handledIn: ['master', 'child'],
  policy: IMMEDIATE_CHILD,
  data: '[id, name, parentId, event, reason]',
  parse: parseLifecycle,
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const lifecyclePurpose =
  "a context's lifecycle step (STARTED, CONNECTED, DRAINING), sent upstream by the context that started it and passed on by each ancestor, so that every ancestor's lifecycle of it walks connecting -> bootstrapping -> running like a direct child's (running itself comes with ADD_ROUTE, dead with DEL_ROUTE)";
