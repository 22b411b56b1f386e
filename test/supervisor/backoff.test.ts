// Backoff between restarts, measured from state$ timestamps: each delay within the configured
// bounds, doubling from min up to max, back to min once the child stayed up for resetAfter.
import { describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/index.js';
import { waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import { killChild, record, type Recording } from '../support/supervisor.js';

const MIN = 200;
const MAX = 1000;
const JITTER = 0.2;
const RESET_AFTER = 1500;
/** Timers fire at or after their delay; the event loop may add a little. */
const LATE = 150;

/** Restart delays of child `id` seen so far: from entering `restarting` to `starting` again. */
function delays(rec: Recording, id: string): { measured: number; announced: number }[] {
  const out: { measured: number; announced: number }[] = [];
  const ev = rec.events.filter((e) => e.id === id);
  for (let i = 1; i < ev.length; i++) {
    if (ev[i - 1]!.status === 'restarting' && ev[i]!.status === 'starting') {
      out.push({ measured: ev[i]!.at - ev[i - 1]!.at, announced: ev[i - 1]!.delay! });
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
    d.forEach(({ measured, announced }, i) => {
      const lo = Math.max(MIN, bases[i]! * (1 - JITTER));
      const hi = Math.min(MAX, bases[i]! * (1 + JITTER));
      expect(announced).toBeGreaterThanOrEqual(Math.floor(lo));
      expect(announced).toBeLessThanOrEqual(Math.ceil(hi));
      // The state$ timestamps agree with the announced delay.
      expect(measured).toBeGreaterThanOrEqual(announced - 5);
      expect(measured).toBeLessThan(announced + LATE);
    });
    // Growth: each of the first three is longer than the one before (jitter cannot hide a doubling).
    expect(d[1]!.measured).toBeGreaterThan(d[0]!.measured);
    expect(d[2]!.measured).toBeGreaterThan(d[1]!.measured);
    console.log(`restart delays (ms): ${d.map((x) => x.measured.toFixed(0)).join(', ')}`);
    // Up for longer than resetAfter: the next delay starts from min again.
    await new Promise((r) => setTimeout(r, RESET_AFTER + 200));
    await killChild(sup, fx.router, 'flaky');
    await sup.whenUp('flaky', { timeout: 10_000 });
    const reset = delays(rec, 'flaky')[5]!;
    expect(reset.announced).toBeLessThanOrEqual(Math.ceil(MIN * (1 + JITTER)));
    expect(sup.state.children.flaky!.restarts).toBe(6);
    await sup.shutdown();
    await waitGone(rec.pids.values(), 3000);
  });
});
