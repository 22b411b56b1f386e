// A fleet under one supervisor where one host cannot be reached (ssh to a closed port): with
// intensityScope 'child' that host alone is given up and the others keep their first
// contexts; with the default scope the OTP rule still holds (the shared budget runs out and
// the supervisor stops everything). Real local processes; backoff and intensity on a virtual clock.
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { Supervisor, SupervisorError, type Router, type SupervisorOptions } from '../../src/index.js';
import { waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import { record, waitState } from '../support/supervisor.js';
import { advance, settledAtOnce } from './virtual-time.js';

const GOOD = ['web1', 'web2', 'db1', 'cache1'];
const BAD = 'ghost';
/** Nothing listens on port 1 of 127.0.0.9: ssh's connect is refused at once. */
const unreachable = (r: Router) => r.ssh({ hostname: '127.0.0.9', port: 1, connectTimeout: 3000, name: BAD });

function fleet(router: Router, clock: SimulatedClock, opts: Partial<SupervisorOptions>): { sup: Supervisor; attempts: number[] } {
  const attempts: number[] = [];
  const sup = new Supervisor(router, {
    name: 'fleet',
    intensity: 3,
    period: 60_000,
    backoff: { min: 500, max: 8000, jitter: 0.2 },
    clock,
    children: [
      ...GOOD.slice(0, 2).map((id) => ({ id, start: (r: Router) => r.local({ name: id }) })),
      { id: BAD, start: (r: Router) => (attempts.push(clock.now()), unreachable(r)) },
      ...GOOD.slice(2).map((id) => ({ id, start: (r: Router) => r.local({ name: id }) })),
    ],
    ...opts,
  });
  return { sup, attempts };
}

describe('a fleet with one unreachable host', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it("intensityScope 'child': after 30 s of virtual time the four others are up in their first contexts, the unreachable one is failed with the connection error", async () => {
    const clock = new SimulatedClock();
    const { sup, attempts } = fleet(fx.router, clock, { intensityScope: 'child' });
    const rec = record(sup, fx.router);
    const first = await Promise.all(GOOD.map((id) => sup.whenUp(id)));
    await advance(clock, sup, 30_000);
    expect(clock.now()).toBe(30_000);
    const s = sup.state;
    expect(s.status).toBe('running');
    GOOD.forEach((id, i) => {
      expect(s.children[id]).toMatchObject({ status: 'up', contextId: first[i]!.id, restarts: 0 });
      expect(rec.ids(id)).toEqual([first[i]!.id]);
    });
    const ghost = s.children[BAD]!;
    expect(ghost.status).toBe('failed');
    expect(ghost.lastError).toMatch(/^more than 3 restarts within 60000 ms \(last: StreamError: ssh context 'ghost' \(127\.0\.0\.9:1\): .*refused the connection/);
    expect(ghost.restarts).toBe(3);
    // One first attempt and three restarts, each after a longer virtual delay; then none.
    expect(attempts).toHaveLength(4);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThan(gaps[i - 1]!);
    expect(rec.statuses(BAD).filter((x) => x === 'restarting')).toHaveLength(3);
    // The given-up host is unreachable at once, by whenUp and call alike; the others answer.
    for (const p of [sup.whenUp(BAD), sup.call(BAD, 'node:os', 'hostname')]) {
      const outcome = await settledAtOnce(p);
      expect(outcome).not.toBe('pending');
      const error = (outcome as { error: unknown }).error;
      expect(error).toBeInstanceOf(SupervisorError);
      expect((error as SupervisorError).message).toMatch(/child 'ghost' is failed: more than 3 restarts .*refused the connection/);
      expect((error as SupervisorError).child).toBe(BAD);
    }
    expect(await Promise.all(GOOD.map((id) => sup.call(id, 'node:process', 'cwd')))).toEqual(GOOD.map(() => process.cwd()));
    await sup.shutdown();
    expect(sup.state.status).toBe('stopped');
    await waitGone(rec.pids.values(), 3000);
    expect(fx.router.childPids().size).toBe(0);
  });

  it("the default scope is the OTP rule: the shared budget runs out, the supervisor stops the healthy ones and fails", async () => {
    const clock = new SimulatedClock();
    const { sup, attempts } = fleet(fx.router, clock, {});
    const rec = record(sup, fx.router);
    await Promise.all(GOOD.map((id) => sup.whenUp(id)));
    const done = waitState(sup, (s) => s.status === 'failed', 60_000, 'the fleet to fail');
    await advance(clock, sup, 30_000);
    const s = await done;
    expect(s.failure).toMatch(/^more than 3 restarts within 60000 ms \(last: child 'ghost': StreamError: .*refused the connection/);
    expect(attempts).toHaveLength(4);
    for (const id of GOOD) expect(s.children[id]!.status).toBe('stopped');
    await waitGone(rec.pids.values(), 3000);
    const outcome = await settledAtOnce(sup.whenUp('web1'));
    expect((outcome as { error: unknown }).error).toBeInstanceOf(SupervisorError);
  });
});
