// The clock option: backoff delays and intensity windows measured on a virtual clock
// (xstate's SimulatedClock), so they are exact, whatever the machine's load.
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { Supervisor, type IntensityScope } from '../../src/index.js';
import { withRouter } from '../support/router.js';
import { killChild, waitState } from '../support/supervisor.js';
import { advance } from './virtual-time.js';

describe('a supervisor on a virtual clock', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('restart delays double from min (jitter 0) and start from min again after a stable period; since is virtual', async () => {
    const clock = new SimulatedClock();
    const attempts: number[] = [];
    const sup = new Supervisor(fx.router, {
      backoff: { min: 100, max: 1000, jitter: 0, resetAfter: 2000 },
      intensity: 10,
      clock,
      children: [
        {
          id: 'w',
          start: async (r) => {
            attempts.push(clock.now());
            if (attempts.length <= 3) throw new Error(`not yet (${attempts.length})`);
            return r.local({ name: 'w' });
          },
        },
      ],
    });
    await advance(clock, sup, 1000);
    expect(attempts).toEqual([0, 100, 300, 700]);
    expect(sup.state.children.w).toMatchObject({ status: 'up', restarts: 3, delay: 400, since: 700 });
    await advance(clock, sup, 2000);
    await killChild(sup, fx.router, 'w');
    const diedAt = clock.now();
    await advance(clock, sup, 500);
    expect(attempts).toEqual([0, 100, 300, 700, diedAt + 100]);
    expect(sup.state.children.w!.delay).toBe(100);
    expect(sup.describe()).toMatch(/└─ w: up context #\d+ for 0\.4 s, 4 restarts/);
  });

  it('a shutdown is bounded in real time even when the virtual clock stands still', async () => {
    const sup = new Supervisor(fx.router, {
      clock: new SimulatedClock(),
      shutdownTimeout: 200,
      children: [{ id: 'stuck', start: () => new Promise<never>(() => undefined) }, { id: 'ok', start: (r) => r.local({ name: 'ok' }) }],
    });
    await sup.whenUp('ok');
    // Far more than the grace period (200 ms) and its margin: only a hang can reach it.
    const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000).unref());
    expect(await Promise.race([sup.shutdown().then(() => 'done'), hung])).toBe('done');
    expect(sup.state.status).toBe('stopped');
    expect(sup.state.children.stuck!.lastError).toMatch(/did not stop within the grace period/);
    expect(fx.router.childPids().size).toBe(0);
  });

  for (const scope of ['supervisor', 'child'] as IntensityScope[]) {
    it(`intensity ${scope === 'supervisor' ? '(default scope)' : "(scope 'child')"}: a restart counts for \`period\` virtual ms, then no more`, async () => {
      const run = async (period: number) => {
        const clock = new SimulatedClock();
        const attempts: number[] = [];
        const sup = new Supervisor(fx.router, {
          intensity: 1,
          period,
          intensityScope: scope,
          backoff: { min: 600, max: 600, jitter: 0 },
          clock,
          children: [{ id: 'x', start: async () => (attempts.push(clock.now()), Promise.reject(new Error('down'))) }],
        });
        await advance(clock, sup, 6000);
        return { sup, attempts };
      };
      // The restart at 0 still counts at 600 (period 1000): over the limit.
      const strict = await run(1000);
      expect(strict.attempts).toEqual([0, 600]);
      const gaveUp = scope === 'supervisor' ? strict.sup.state.status : strict.sup.state.children.x!.status;
      expect(gaveUp).toBe('failed');
      // With period 500 it has expired by then: it restarts forever, every 600 ms.
      const lenient = await run(500);
      expect(lenient.attempts).toEqual([0, 600, 1200, 1800, 2400, 3000, 3600, 4200, 4800, 5400, 6000]);
      expect(lenient.sup.state.status).toBe('running');
      expect(lenient.sup.state.children.x!.recentRestarts).toBe(1);
      await lenient.sup.shutdown();
    });
  }
});
