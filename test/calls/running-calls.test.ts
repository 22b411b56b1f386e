// The callee's records of calls (src/core/calls/running-call.ts) on a real CoreRouter: the
// signal exists only once asked for, aborts on CANCEL, at the deadline, and when the caller
// dies (the router's death listener, as the dispatcher installs it); finished calls are gone.
import { describe, expect, it } from 'vitest';
import { CoreRouter } from '../../src/core/routing/router.js';
import { RunningCall, RunningCalls, cancelReason } from '../../src/core/calls/running-call.js';
import { currentCall, runInCall } from '../../src/core/calls/current.js';
import { ChannelError, TendrilError, TimeoutError } from '../../src/core/errors.js';

function setUp(): { router: CoreRouter; calls: RunningCalls } {
  const router = new CoreRouter({ id: 5, name: 'callee', parentIds: [0] });
  router.log = () => undefined;
  const calls = new RunningCalls();
  router.addDeathListener((id, reason) => calls.callerDied(router, id, reason));
  return { router, calls };
}

describe('running calls', () => {
  it('CANCEL aborts the call it names, and only that one', () => {
    const { router, calls } = setUp();
    const caller = router.contextFor(0, 'master');
    const a = new RunningCall(router, caller, null, calls, 'm', 'a');
    const b = new RunningCall(router, caller, null, calls, 'm', 'b');
    calls.watch(a, 1001);
    calls.watch(b, 1002);
    expect(calls.cancel(0, 1001, cancelReason('abort', 'gone'))).toBe(true);
    expect(a.signal.aborted).toBe(true);
    expect((a.signal.reason as Error).name).toBe('AbortError');
    expect(b.signal.aborted).toBe(false);
    // Another caller cannot cancel it; a finished call is unknown.
    expect(calls.cancel(7, 1002, cancelReason('abort', 'x'))).toBe(false);
    b.finish();
    expect(calls.cancel(0, 1002, cancelReason('timeout', 'late'))).toBe(false);
    expect(b.signal.aborted).toBe(false);
  });

  it('a call given up is forgotten at once (a function that never ends holds nothing)', () => {
    const { router, calls } = setUp();
    const call = new RunningCall(router, router.contextFor(0, 'master'), null, calls, 'm', 'f');
    calls.watch(call, 1010);
    expect(calls.cancel(0, 1010, cancelReason('abort', 'one'))).toBe(true);
    expect(calls.cancel(0, 1010, cancelReason('abort', 'two'))).toBe(false);
    expect((call.signal.reason as Error).message).toBe('one');
  });

  it('a cancel before the signal was asked for is seen when it is', () => {
    const { router, calls } = setUp();
    const call = new RunningCall(router, router.contextFor(0, 'master'), null, calls, 'm', 'f');
    calls.watch(call, 1003);
    calls.cancel(0, 1003, cancelReason('timeout', 'm#f timed out'));
    expect(call.gaveUpReason()).toBeInstanceOf(TimeoutError);
    expect(call.signal.aborted).toBe(true);
    expect(call.signal.reason).toBeInstanceOf(TimeoutError);
  });

  it('the deadline aborts the signal by itself', async () => {
    const { router, calls } = setUp();
    const call = new RunningCall(router, router.contextFor(0, 'master'), Date.now() + 50, calls, 'm', 'slow');
    const signal = call.signal;
    expect(signal.aborted).toBe(false);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    expect((signal.reason as Error).message).toMatch(/m#slow passed its deadline/);
    expect(call.gaveUpReason()).toBe(signal.reason);
  });

  it('the caller dying aborts the calls it made, registered or asked for later', () => {
    const { router, calls } = setUp();
    const caller = router.contextFor(9, 'peer');
    const registered = new RunningCall(router, caller, 1e15, calls, 'm', 'a');
    calls.watch(registered, 1004);
    const lazy = new RunningCall(router, caller, null, calls, 'm', 'b');
    const lazySignal = lazy.signal; // registers for the caller's death
    const other = new RunningCall(router, router.contextFor(0, 'master'), null, calls, 'm', 'c');
    const otherSignal = other.signal;
    router.contextDied(9, 'killed by SIGKILL');
    expect(registered.gaveUpReason()).toBeInstanceOf(ChannelError);
    expect(lazySignal.aborted).toBe(true);
    expect((lazySignal.reason as Error).message).toMatch(/died: killed by SIGKILL/);
    expect(otherSignal.aborted).toBe(false);
    // Asked for after the death: aborted at once.
    const late = new RunningCall(router, caller, null, calls, 'm', 'd');
    expect(late.signal.aborted).toBe(true);
  });

  it('a signal first asked for after the call finished is not registered (nothing held per call)', () => {
    const { router, calls } = setUp();
    const caller = router.contextFor(9, 'peer');
    const call = new RunningCall(router, caller, null, calls, 'm', 'f');
    call.finish();
    const signal = call.signal; // e.g. a timer the function left behind
    router.contextDied(9, 'killed by SIGKILL');
    expect(signal.aborted).toBe(false);
  });

  it('currentCall() shows the call it runs in, and only there', async () => {
    const { router, calls } = setUp();
    const call = new RunningCall(router, router.contextFor(0, 'master'), 12345, calls, 'm', 'f');
    const seen = await runInCall(call, async () => {
      await new Promise((r) => setTimeout(r, 5));
      const c = currentCall();
      return { deadline: c.deadline, caller: c.caller.name, same: c.signal === call.signal };
    });
    expect(seen).toEqual({ deadline: 12345, caller: 'master', same: true });
    expect(() => currentCall()).toThrow(TendrilError);
  });
});
