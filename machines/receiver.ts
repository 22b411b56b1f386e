// Lifecycle of a receiver (the local end of a message channel). The only definition: the
// runtime runs the table generated from it (src/core/lifecycle/generated/receiver.ts).
import { assertEvent, assign, setup } from 'xstate';

export type ReceiverState = 'open' | 'closed' | 'dead';
export type ReceiverEvent = { type: 'MESSAGE' } | { type: 'CLOSE' } | { type: 'DEAD'; reason: string };
export interface ReceiverContext {
  delivered: number;
  /** How many dead messages the owner got: 1 in dead, 0 otherwise. */
  deadNotified: number;
  reason: string | null;
}

export const receiverMachine = setup({
  types: {} as { context: ReceiverContext; events: ReceiverEvent },
  actions: {
    onMessage: () => {},
    onDead: () => {},
    // Named (not inline) so that the generated table can name them; the runtime implements them.
    countDelivered: assign({ delivered: ({ context }) => context.delivered + 1 }),
    recordReason: assign({
      reason: ({ event }) => {
        assertEvent(event, 'DEAD');
        return event.reason;
      },
    }),
    countDeadNotice: assign({ deadNotified: ({ context }) => context.deadNotified + 1 }),
  },
}).createMachine({
  id: 'receiver',
  initial: 'open',
  context: { delivered: 0, deadNotified: 0, reason: null },
  states: {
    open: {
      on: {
        MESSAGE: { actions: ['countDelivered', 'onMessage'] },
        CLOSE: 'closed',
        DEAD: { target: 'dead', actions: 'recordReason' },
      },
    },
    closed: { type: 'final' },
    dead: { type: 'final', entry: ['countDeadNotice', 'onDead'] },
  },
});
