// Lifecycle of one stream (a connection to a child context). Pure: no I/O; the runtime
// hooks side effects by overriding the named actions with `streamMachine.provide(...)`.
import { assertEvent, assign, setup } from 'xstate';
import { DEFAULT_DRAIN_REASON, GRACE_EXPIRED } from './reasons.js';

export type StreamState = 'connecting' | 'bootstrapping' | 'running' | 'draining' | 'dead';
/** Lifecycle states in their only permitted order (transitions never go backwards). */
export const LIFECYCLE_ORDER: readonly StreamState[] = ['connecting', 'bootstrapping', 'running', 'draining', 'dead'];

export interface StreamInput { name: string; graceMs: number }
export interface StreamContext { name: string; graceMs: number; reason: string | null }
export type StreamEvent =
  | { type: 'CONNECTED' }
  | { type: 'BOOTSTRAPPED' }
  | { type: 'DRAIN'; reason?: string }
  | { type: 'DISCONNECTED'; reason: string }
  | { type: 'FAIL'; reason: string };

/**
 * The reason rule (one rule for the stream and context machines): the first reason recorded
 * wins. DRAIN records its reason (default {@link DEFAULT_DRAIN_REASON}) and it stays the
 * reason for dead when the peer then disconnects, fails, or the parent context dies; only
 * the grace timer replaces it with {@link GRACE_EXPIRED} (the drain did not finish).
 * DISCONNECTED, FAIL and PARENT_DEAD set the reason only when none was recorded.
 */
export { DEFAULT_DRAIN_REASON, GRACE_EXPIRED } from './reasons.js';

/**
 * The states before dead, shared by the stream and context machines (a context's lifecycle
 * follows its stream). They name two actions each machine defines: `recordDrain` (keep the
 * DRAIN reason) and `recordGraceExpired`.
 */
export const LIVE_STATES = {
  connecting: { on: { CONNECTED: 'bootstrapping', DRAIN: { target: 'dead', actions: 'recordDrain' } } },
  bootstrapping: { on: { BOOTSTRAPPED: 'running', DRAIN: { target: 'dead', actions: 'recordDrain' } } },
  // The drain reason becomes the reason for dead when the peer disconnects in time.
  running: { on: { DRAIN: { target: 'draining', actions: 'recordDrain' } } },
  draining: { after: { grace: { target: 'dead', actions: 'recordGraceExpired' } } },
} as const;

export const streamMachine = setup({
  types: {} as { context: StreamContext; events: StreamEvent; input: StreamInput },
  actions: {
    onDead: () => {},
    recordDrain: assign({ reason: ({ event }) => (event.type === 'DRAIN' && event.reason !== undefined ? event.reason : DEFAULT_DRAIN_REASON) }),
    recordGraceExpired: assign({ reason: GRACE_EXPIRED }),
    // Named (not inline) so that the generated table can name it (scripts/gen-machine-tables.mjs).
    recordReason: assign({
      reason: ({ context, event }) => {
        assertEvent(event, ['DISCONNECTED', 'FAIL']);
        return context.reason ?? event.reason;
      },
    }),
  },
  delays: {
    grace: ({ context }) => context.graceMs,
  },
}).createMachine({
  id: 'stream',
  initial: 'connecting',
  context: ({ input }) => ({ name: input.name, graceMs: input.graceMs, reason: null }),
  // Root-level: valid in every state until dead (final: the actor stops, later events are ignored).
  // A reason already recorded (by DRAIN) is kept: see the reason rule at GRACE_EXPIRED.
  on: {
    DISCONNECTED: { target: '.dead', actions: 'recordReason' },
    FAIL: { target: '.dead', actions: 'recordReason' },
  },
  states: {
    ...LIVE_STATES,
    dead: { type: 'final', entry: 'onDead' },
  },
});
