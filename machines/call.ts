// Lifecycle of one pending call: it settles exactly once. The only definition: where XState is
// too heavy (per call) the runtime runs the table generated from it (src/core/lifecycle/generated/call.ts).
import { assign, setup } from 'xstate';

export type CallState = 'pending' | 'replied' | 'failed' | 'timedOut' | 'aborted' | 'dead';
export type CallEvent =
  | { type: 'REPLY' }
  | { type: 'ERROR_REPLY'; error: unknown }
  | { type: 'TIMEOUT' }
  | { type: 'ABORT' }
  | { type: 'DEAD'; reason: string };
export interface CallContext { settlements: number }

export const callMachine = setup({
  types: {} as { context: CallContext; events: CallEvent },
  actions: {
    // Every final state counts one settlement; override `onSettled` to resolve/reject the promise.
    settle: assign({ settlements: ({ context }) => context.settlements + 1 }),
    onSettled: () => {},
  },
}).createMachine({
  id: 'call',
  initial: 'pending',
  context: { settlements: 0 },
  states: {
    pending: {
      on: { REPLY: 'replied', ERROR_REPLY: 'failed', TIMEOUT: 'timedOut', ABORT: 'aborted', DEAD: 'dead' },
    },
    replied: { type: 'final', entry: ['settle', 'onSettled'] },
    failed: { type: 'final', entry: ['settle', 'onSettled'] },
    timedOut: { type: 'final', entry: ['settle', 'onSettled'] },
    // The caller's AbortSignal aborted first.
    aborted: { type: 'final', entry: ['settle', 'onSettled'] },
    dead: { type: 'final', entry: ['settle', 'onSettled'] },
  },
});
