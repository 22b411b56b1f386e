// The lifecycle of one awaited call, pending -> replied | failed | timedOut | aborted | dead,
// run on the table generated from machines/call.ts (XState per call would cost ~20 us:
// notes/performance.md). Whatever comes first (the reply, a remote failure, the timeout, the
// caller's abort, the callee's death) settles the call; the table's final states ignore the
// rest, so a call settles exactly once by construction.
//
// A call() waits in the router's handler table itself (a PendingCall as the handler's target):
// no Receiver, no promise but the caller's, no closure per call (issue 12: at 20,000 calls in
// flight the master spent a third of its time in GC on per-call objects).
import { ChannelError } from '../errors.js';
import type { Message } from '../messaging/message.js';
import type { Context } from './context.js';
import { CALL_FUNCTION } from '../wire/protocol.js';
import { encodeCall } from './call-message.js';
import { callTable } from '../lifecycle/generated/call.js';
import { createLifecycle, type Lifecycle, type LifecycleImplementation } from '../lifecycle/interpreter.js';
import type { CoreRouter } from '../routing/router.js';

/** What settles a call, with the value (REPLY) or the error (the others). */
export interface CallOutcome {
  type: 'REPLY' | 'ERROR_REPLY' | 'TIMEOUT' | 'ABORT' | 'DEAD';
  outcome: unknown;
}

/** Whatever a call armed for its options (a timer, a signal watch), undone when it settles. */
export interface Disarm {
  disarm(): void;
}

/** One call waiting for its reply: the handler target of its reply handle. */
class PendingCall {
  readonly life: CallLifecycle;
  handle = 0;
  /** The reply (or a dead message) reached the handler, which the delivery then removed. */
  delivered = false;
  armed: Disarm | null = null;

  constructor(
    readonly router: CoreRouter,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {
    this.life = createLifecycle<typeof callTable, PendingCall, CallOutcome>(callTable, IMPL, this);
  }
}

const IMPL: LifecycleImplementation<typeof callTable, PendingCall, CallOutcome> = {
  actions: {
    onSettled: (c: PendingCall, e: CallOutcome) => {
      // A timeout or abort settles first: its reply handler goes now (a late reply is dropped).
      if (!c.delivered) c.router.delHandler(c.handle);
      c.router.release();
      c.armed?.disarm();
      if (e.type === 'REPLY') c.resolve(e.outcome);
      else c.reject(e.outcome);
    },
  },
};

/** One call's lifecycle: send it a CallOutcome to settle it (later ones are ignored). */
export type CallLifecycle = Lifecycle<typeof callTable, PendingCall, CallOutcome>;

/** The handler of every pending call (the call is `this`): the reply settles it. */
function deliverToCall(this: unknown, msg: Message): void {
  const call = this as PendingCall;
  call.delivered = true;
  let value: unknown;
  try {
    value = msg.decode();
  } catch (e) {
    call.life.send({ type: e instanceof ChannelError ? 'DEAD' : 'ERROR_REPLY', outcome: e });
    return;
  }
  call.life.send({ type: 'REPLY', outcome: value });
}

/**
 * Sends a call of `module#fn(...args)` to `ctx` and resolves with its decoded result, or
 * rejects with the call's error. Invalid arguments throw here (before anything is sent).
 * `arm` gets the lifecycle and the reply handle first, for whoever else may settle it (a
 * timer, an AbortSignal); what it returns is disarmed when the call settles.
 */
export function startCall(
  ctx: Context,
  chainId: string | null,
  module: string | URL,
  fn: string,
  args: unknown[],
  limit?: number | null,
  arm?: (life: CallLifecycle, handle: number) => Disarm,
  /** CALL_FUNCTION, or CALL_SERVICE for a service's entry (service-client.ts). */
  callHandle: number = CALL_FUNCTION,
): Promise<unknown> {
  const data = encodeCall(chainId, module, fn, args, limit);
  const router = ctx.router;
  return new Promise((resolve, reject) => {
    const call = new PendingCall(router, resolve, reject);
    router.holdOpen();
    call.handle = router.delivery.addFor(deliverToCall, call, undefined, false, ctx.id, undefined, module, fn);
    if (arm !== undefined) call.armed = arm(call.life, call.handle);
    try {
      router.sendFrame(ctx.id, callHandle, data, call.handle);
    } catch (e) {
      call.life.send({ type: e instanceof ChannelError ? 'DEAD' : 'ERROR_REPLY', outcome: e });
    }
  });
}
