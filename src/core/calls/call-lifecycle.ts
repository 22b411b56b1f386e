// The lifecycle of one awaited call, pending -> replied | failed | timedOut | aborted | dead,
// run on the table generated from machines/call.ts (XState per call would cost ~20 us:
// notes/performance.md). Whatever comes first (the reply, a remote failure, the timeout, the
// caller's abort, the callee's death) settles the call; the table's final states ignore the
// rest, so a call settles exactly once by construction.
import { ChannelError } from '../errors.js';
import type { Receiver } from '../messaging/receiver.js';
import { callTable } from '../lifecycle/generated/call.js';
import { createLifecycle, type Lifecycle, type LifecycleImplementation } from '../lifecycle/interpreter.js';

/** What settles a call, with the value (REPLY) or the error (the others). */
export interface CallOutcome {
  type: 'REPLY' | 'ERROR_REPLY' | 'TIMEOUT' | 'ABORT' | 'DEAD';
  outcome: unknown;
}

interface Settle {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const IMPL: LifecycleImplementation<typeof callTable, Settle, CallOutcome> = {
  actions: {
    onSettled: (s: Settle, e: CallOutcome) => (e.type === 'REPLY' ? s.resolve(e.outcome) : s.reject(e.outcome)),
  },
};

/** One call's lifecycle: send it a CallOutcome to settle it (later ones are ignored). */
export type CallLifecycle = Lifecycle<typeof callTable, Settle, CallOutcome>;

/**
 * Awaits `receiver`'s reply as a call: its decoded value, or the call's error. `arm` gets the
 * lifecycle first, for whoever else may settle it (a timer, an AbortSignal).
 */
export function awaitCall(receiver: Receiver, arm?: (life: CallLifecycle) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const life = createLifecycle<typeof callTable, Settle, CallOutcome>(callTable, IMPL, { resolve, reject });
    arm?.(life);
    receiver.get().then(
      (msg) => {
        let value: unknown;
        try {
          value = msg.decode();
        } catch (e) {
          life.send({ type: e instanceof ChannelError ? 'DEAD' : 'ERROR_REPLY', outcome: e });
          return;
        }
        life.send({ type: 'REPLY', outcome: value });
      },
      (e: unknown) => life.send({ type: 'DEAD', outcome: e }),
    );
  });
}
