// The supervisor: how a set of children reacts to failure. Pure: the runtime
// (src/master/supervisor/) provides the effects (startChild, stopChild, killChild, onFailed,
// onStopped) and reports what happened as events; every timer (backoff, stop grace, stable
// period, intensity window) is a delayed event on the actor's clock. Its data is in
// supervisor-context.ts, its rules in supervisor-rules.ts.
//
// States: running -> shuttingDown -> stopped, or running -> failing -> failed (the intensity
// limit was exceeded or a child's failure was escalated: every child is stopped first).
// Per child (data, not states: children are dynamic): pending (will start when its turn
// comes), backoff (waiting for its restart delay), starting, up, stopping, stopped (will not
// start again: normal exit of a transient child, a temporary one, shutdown), failed (the
// decider said stop, or, with intensityScope 'child', it went past its own restart limit).
//
// Strategies: one_for_one restarts the failed child only, and children start and stop
// concurrently (they are independent). one_for_all restarts every child and rest_for_one the
// failed one and those after it: the others in the set are stopped one at a time in reverse
// start order, then the set waits one backoff delay and starts one at a time in spec order,
// each once the previous is up.
import { enqueueActions, setup } from 'xstate';
import { initialContext, type ChildRef, type SupervisorContext, type SupervisorEvent, type SupervisorInput } from './supervisor-context.js';
import {
  allDown,
  draft,
  escalates,
  onAdd,
  onBackoffDone,
  onEscalated,
  onFailed,
  onRestartExpired,
  onStable,
  onStopTimeout,
  onStopped,
  onUp,
  pump,
  stopAll,
  type Draft,
} from './supervisor-rules.js';

export * from './supervisor-context.js';
export { countsAsRestart } from './supervisor-rules.js';

const machineSetup = setup({
  types: {} as { context: SupervisorContext; events: SupervisorEvent; input: SupervisorInput },
  actions: {
    startChild: (_, _params: ChildRef) => {},
    stopChild: (_, _params: ChildRef) => {},
    /** Stop it now, whatever it is doing (its stop or start took longer than the grace period). */
    killChild: (_, _params: ChildRef) => {},
    onFailed: () => {},
    onStopped: () => {},
  },
  guards: {
    escalates: ({ context, event }) => event.type === 'CHILD_FAILED' && escalates(context, event),
    allDown: ({ context }) => allDown(context),
  },
});

/** Runs `fn` on a draft of the context, then commits it and enqueues the effects. */
function update<E extends SupervisorEvent>(running: boolean, fn: (d: Draft, e: E) => void) {
  return machineSetup.enqueueActions(({ context, event, enqueue }) => {
    const d = draft(context, running);
    fn(d, event as E);
    pump(d);
    enqueue.assign(() => d.c);
    for (const f of d.fx) {
      if (f.kind === 'after') enqueue.raise(f.event, { delay: f.delay, id: f.timer });
      else if (f.kind === 'cancel') enqueue.cancel(f.timer);
      else enqueue({ type: `${f.kind}Child` as 'startChild', params: f.ref });
    }
  });
}

/** Events handled the same way while stopping everything (shutdown, or failing). */
const whileStopping = {
  CHILD_UP: { actions: update(false, onUp) },
  CHILD_FAILED: { actions: update(false, onFailed) },
  CHILD_STOPPED: { actions: update(false, onStopped) },
  STOP_TIMEOUT: { actions: update(false, onStopTimeout) },
  ADD_CHILD: { actions: update(false, onAdd) },
};

export const supervisorMachine = machineSetup.createMachine({
  id: 'supervisor',
  initial: 'running',
  context: ({ input }) => initialContext(input),
  on: {
    // Only a count changes: nothing to start or stop.
    RESTART_EXPIRED: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const d = draft(context, false);
        onRestartExpired(d, event);
        enqueue.assign(() => d.c);
      }),
    },
  },
  states: {
    running: {
      entry: update(true, () => {}),
      on: {
        CHILD_UP: { actions: update(true, onUp) },
        CHILD_FAILED: [
          { guard: 'escalates', target: 'failing', actions: update(true, onEscalated) },
          { actions: update(true, onFailed) },
        ],
        CHILD_STOPPED: { actions: update(true, onStopped) },
        STOP_TIMEOUT: { actions: update(true, onStopTimeout) },
        BACKOFF_DONE: { actions: update(true, onBackoffDone) },
        STABLE: { actions: update(true, onStable) },
        ADD_CHILD: { actions: update(true, onAdd) },
        SHUTDOWN: 'shuttingDown',
      },
    },
    shuttingDown: {
      entry: update(false, stopAll),
      always: { guard: 'allDown', target: 'stopped' },
      on: whileStopping,
    },
    failing: {
      entry: update(false, stopAll),
      always: { guard: 'allDown', target: 'failed' },
      on: whileStopping,
    },
    stopped: { type: 'final', entry: 'onStopped' },
    failed: { type: 'final', entry: 'onFailed' },
  },
});

/** The machine's top-level states. */
export type SupervisorState = 'running' | 'shuttingDown' | 'failing' | 'stopped' | 'failed';
