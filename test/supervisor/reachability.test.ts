// whenUp() and call() against real processes: they fail at once with SupervisorError when the
// child can never be up again (the supervisor stopped, is stopping or failed; the child was
// given up), and they never hand out a context that the strategy is about to stop.
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { Supervisor, SupervisorError, type Context, type Router, type SupervisorState } from '../../src/index.js';
import { withRouter } from '../support/router.js';
import { killChild, waitState } from '../support/supervisor.js';
import { settledAtOnce } from './virtual-time.js';

const fast = { min: 50, max: 400, jitter: 0 };
const locals = (ids: string[]) => ids.map((id) => ({ id, start: (r: Router) => r.local({ name: id }) }));

/** The SupervisorError `p` rejects with before anything else happens (fails the test otherwise). */
async function rejectsAtOnce(p: Promise<unknown>): Promise<SupervisorError> {
  const outcome = await settledAtOnce(p);
  if (outcome === 'pending') throw new Error('still pending: it waits instead of failing at once');
  if (!('error' in outcome)) throw new Error('resolved instead of failing');
  expect(outcome.error).toBeInstanceOf(SupervisorError);
  return outcome.error as SupervisorError;
}

describe('whenUp and call fail at once when the child cannot be up again', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('on a top-level supervisor that was shut down (or is shutting down)', async () => {
    // A frozen virtual clock: no timeout can ever fire, only the state can settle a wait.
    const sup = new Supervisor(fx.router, { name: 'done', clock: new SimulatedClock(), children: locals(['a', 'b']) });
    await sup.whenUp('a');
    const stopping = sup.shutdown();
    const e1 = await rejectsAtOnce(sup.whenUp('b'));
    expect(e1.message).toMatch(/^supervisor done is stopping/);
    await stopping;
    const e2 = await rejectsAtOnce(sup.whenUp('a'));
    expect(e2.message).toMatch(/^supervisor done is stopped/);
    expect(e2).toMatchObject({ supervisor: 'done', child: 'a', status: 'stopped' });
    const e3 = await rejectsAtOnce(sup.call('a', 'node:os', 'hostname'));
    expect(e3.message).toMatch(/^supervisor done is stopped/);
  });

  it('on a failed supervisor: the message names its failure and the child\'s last error', async () => {
    const sup = new Supervisor(fx.router, { name: 'brittle', intensity: 0, backoff: fast, clock: new SimulatedClock(), children: locals(['a', 'b']) });
    await Promise.all([sup.whenUp('a'), sup.whenUp('b')]);
    await killChild(sup, fx.router, 'a');
    await waitState(sup, (s) => s.status === 'failed', 10_000, 'the supervisor to fail');
    const e = await rejectsAtOnce(sup.whenUp('a'));
    expect(e.message).toMatch(/^supervisor brittle is failed: more than 0 restarts within 60000 ms \(last: child 'a': .*died.*\); child 'a' last error: .*died/);
    expect(e.lastError).toMatch(/died/);
    await rejectsAtOnce(sup.call('b', 'node:os', 'hostname'));
  });

  it("on a child given up (intensityScope 'child') while the supervisor runs on; a waiter already waiting fails when it is given up", async () => {
    const clock = new SimulatedClock();
    let attempts = 0;
    const sup = new Supervisor(fx.router, {
      name: 'picky',
      intensity: 1,
      intensityScope: 'child',
      backoff: fast,
      clock,
      children: [
        {
          id: 'broken',
          start: async () => {
            attempts++;
            throw new Error(`attempt ${attempts} refused`);
          },
        },
        ...locals(['fine']),
      ],
    });
    const waiting = sup.whenUp('broken');
    await waitState(sup, (s) => s.children.broken!.status === 'restarting', 5000, 'the first failure');
    clock.increment(fast.min);
    const s = await waitState(sup, (st) => st.children.broken!.status === 'failed', 5000, 'broken to be given up');
    expect(s.status).toBe('running');
    expect(attempts).toBe(2);
    await expect(waiting).rejects.toThrow(/child 'broken' is failed: more than 1 restarts within 60000 ms \(last: Error: attempt 2 refused\)/);
    const e = await rejectsAtOnce(sup.call('broken', 'node:os', 'hostname'));
    expect(e).toMatchObject({ supervisor: 'picky', child: 'broken', status: 'failed' });
    expect(e.lastError).toMatch(/attempt 2 refused/);
    expect(await sup.call('fine', 'node:process', 'cwd')).toBe(process.cwd());
  });
});

describe('whenUp never returns a context its strategy is about to stop', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  /** Kills `victim` and, at the first state where the supervisor knows of its failure, asks for `asked`. */
  async function askRightAfterFailure(sup: Supervisor, victim: string, asked: string[]) {
    const answers: Promise<Context>[] = [];
    let seen: SupervisorState | null = null;
    const sub = sup.state$.subscribe((s) => {
      if (seen || s.children[victim]!.status === 'up') return;
      seen = s;
      for (const id of asked) answers.push(sup.whenUp(id, { timeout: 15_000 }));
    });
    try {
      await killChild(sup, fx.router, victim);
    } finally {
      sub.unsubscribe();
    }
    return { state: seen! as SupervisorState, contexts: await Promise.all(answers) };
  }

  it('one_for_all: the others are stopped one at a time, the rest queued for it; whenUp waits for their new incarnations', async () => {
    const sup = new Supervisor(fx.router, { strategy: 'one_for_all', backoff: fast, children: locals(['a', 'b', 'c', 'd']) });
    const before = await Promise.all(['a', 'b', 'c', 'd'].map((id) => sup.whenUp(id)));
    const { state, contexts } = await askRightAfterFailure(sup, 'b', ['a', 'c', 'd']);
    // Reverse start order: d is being stopped, c and a are still up but queued.
    expect(['a', 'c', 'd'].map((id) => [state.children[id]!.status, state.children[id]!.stopQueued])).toEqual([['up', true], ['up', true], ['stopping', false]]);
    [0, 2, 3].forEach((from, i) => expect(contexts[i]!.id).not.toBe(before[from]!.id));
    expect(contexts.map((c) => c.state)).toEqual(['running', 'running', 'running']);
    expect(sup.state.children.a!.contextId).toBe(contexts[0]!.id);
  });

  it('rest_for_one: the children before the failed one are not in its set and are handed out at once', async () => {
    const sup = new Supervisor(fx.router, { strategy: 'rest_for_one', backoff: fast, children: locals(['a', 'b', 'c', 'd']) });
    const before = await Promise.all(['a', 'b', 'c', 'd'].map((id) => sup.whenUp(id)));
    const { state, contexts } = await askRightAfterFailure(sup, 'b', ['a', 'c']);
    expect(['a', 'c', 'd'].map((id) => [state.children[id]!.status, state.children[id]!.stopQueued])).toEqual([['up', false], ['up', true], ['stopping', false]]);
    expect(sup.describe()).not.toMatch(/to be restarted/);
    expect(contexts[0]!.id).toBe(before[0]!.id);
    expect(contexts[1]!.id).not.toBe(before[2]!.id);
  });
});
