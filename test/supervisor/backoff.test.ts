// Backoff between restarts, from what the supervisor announces on state$: each delay within
// the configured bounds, doubling from min up to max, back to min once the child stayed up for
// resetAfter; and (by the supervisor's own `since` stamps) no restart before its delay. The
// exact timing of the delays is the machine's, checked on a simulated clock in
// test/machines/supervisor.test.ts.
import { describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/index.js';
import { waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import { killChild, record, type Recording } from '../support/supervisor.js';

const MIN = 200;
const MAX = 1000;
const JITTER = 0.2;
const RESET_AFTER = 1500;
/**
 * Node starts a timer from the event loop's cached time, which can lag the clock `since` is
 * read from by the work done earlier in the same loop turn: a timer may end this much "early".
 */
const LOOP_LAG = 20;

/** Restart delays of child `id` so far: the delay announced on entering `restarting`, and the time it stayed there. */
function delays(rec: Recording, id: string): { announced: number; waited: number }[] {
  const out: { announced: number; waited: number }[] = [];
  const ev = rec.events.filter((e) => e.id === id);
  for (let i = 1; i < ev.length; i++) {
    if (ev[i - 1]!.status === 'restarting' && ev[i]!.status === 'starting') {
      out.push({ announced: ev[i - 1]!.delay!, waited: ev[i]!.since - ev[i - 1]!.since });
    }
  }
  return out;
}

describe('backoff', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('successive restart delays grow within [min, max] (± jitter), and reset after a stable period', async () => {
    const sup = new Supervisor(fx.router, {
      intensity: 20,
      period: 60_000,
      backoff: { min: MIN, max: MAX, jitter: JITTER, resetAfter: RESET_AFTER },
      children: [{ id: 'flaky', start: (r) => r.local({ name: 'flaky' }) }],
    });
    const rec = record(sup, fx.router);
    await sup.whenUp('flaky');
    for (let i = 0; i < 5; i++) await killChild(sup, fx.router, 'flaky');
    await sup.whenUp('flaky', { timeout: 10_000 });
    const d = delays(rec, 'flaky');
    expect(d).toHaveLength(5);
    const bases = [200, 400, 800, 1000, 1000];
    d.forEach(({ announced, waited }, i) => {
      const lo = Math.max(MIN, bases[i]! * (1 - JITTER));
      const hi = Math.min(MAX, bases[i]! * (1 + JITTER));
      expect(announced).toBeGreaterThanOrEqual(Math.floor(lo));
      expect(announced).toBeLessThanOrEqual(Math.ceil(hi));
      // It did not start again before the delay it announced (by its own stamps).
      expect(waited).toBeGreaterThanOrEqual(announced - LOOP_LAG);
    });
    // Growth: each of the first three is longer than the one before (jitter cannot hide a doubling).
    expect(d[1]!.announced).toBeGreaterThan(d[0]!.announced);
    expect(d[2]!.announced).toBeGreaterThan(d[1]!.announced);
    console.log(`restart delays (ms): ${d.map((x) => x.announced).join(', ')}`);
    // Up for longer than resetAfter: the next delay starts from min again.
    await new Promise((r) => setTimeout(r, RESET_AFTER + 200));
    await killChild(sup, fx.router, 'flaky');
    await sup.whenUp('flaky', { timeout: 10_000 });
    const reset = delays(rec, 'flaky')[5]!;
    expect(reset.announced).toBeLessThanOrEqual(Math.ceil(MIN * (1 + JITTER)));
    expect(sup.state.children.flaky!.restarts).toBe(6);
    await sup.shutdown();
    // Seven incarnations, each seen up with its pid, all gone.
    expect(rec.ids('flaky')).toHaveLength(7);
    expect(rec.pids.size).toBe(7);
    await waitGone(rec.pids.values(), 3000);
  });
});
