// A start that fails half-way shuts down the contexts it made on the way (real processes:
// none is left), those that arrive after it threw too; the contexts a successful start made
// besides the one it returned go with that incarnation.
import { filter, firstValueFrom, timeout } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Supervisor, type Context, type Router } from '../../src/index.js';
import { waitGone } from '../support/processes.js';
import { runInChild, withRouter } from '../support/router.js';
import { killChild, waitState } from '../support/supervisor.js';

const fast = { min: 50, max: 100, jitter: 0 };
const GRACE = 2000;

/** The pid of a context's process, asked from inside it. */
const pidOf = async (ctx: Context): Promise<number> => Number(await runInChild(ctx, 'process.pid'));

describe('contexts made by a start', () => {
  const fx = withRouter({ shutdownTimeout: GRACE });

  it('a start that throws after making a context and another one via it leaves no process, at each attempt', async () => {
    const made: Context[] = [];
    const pids: number[] = [];
    const sup = new Supervisor(fx.router, {
      intensity: 2,
      intensityScope: 'child',
      backoff: fast,
      children: [
        {
          id: 'deep',
          start: async (r) => {
            const a = await r.local({ name: 'hop' });
            const b = await r.local({ name: 'leaf', via: a });
            made.push(a, b);
            pids.push(await pidOf(a), await pidOf(b));
            throw new Error('configuration check failed');
          },
        },
        { id: 'other', start: (r) => r.local({ name: 'other' }) },
      ],
    });
    const s = await waitState(sup, (st) => st.children.deep!.status === 'failed', 20_000, 'deep to be given up');
    expect(s.children.deep!.lastError).toMatch(/Error: configuration check failed/);
    expect(made).toHaveLength(6);
    await waitGone(pids, GRACE + 1000);
    for (const c of made) await c.whenDead();
    expect(made.map((c) => c.state)).toEqual(made.map(() => 'dead'));
    // Only the healthy child is left in the tree.
    const other = await sup.whenUp('other');
    expect(fx.router.contextTree().children.map((n) => n.id)).toEqual([other.id]);
  });

  it('a context whose start was still connecting when the start threw is shut down when it arrives', async () => {
    const arrived: Context[] = [];
    const sub = fx.router.contexts$.pipe(filter((e) => e.type === 'up' && e.context.name === 'late')).subscribe((e) => arrived.push(e.context));
    const sup = new Supervisor(fx.router, {
      intensity: 0,
      intensityScope: 'child',
      children: [
        {
          id: 'hasty',
          start: async (r) => {
            void r.local({ name: 'late' });
            throw new Error('gave up before the connection was made');
          },
        },
      ],
    });
    await waitState(sup, (st) => st.children.hasty!.status === 'failed', 10_000, 'hasty to be given up');
    const down = await firstValueFrom(fx.router.contexts$.pipe(filter((e) => e.type === 'down' && e.context.name === 'late'), timeout(10_000)));
    sub.unsubscribe();
    expect(arrived).toHaveLength(1);
    expect(down.context).toBe(arrived[0]);
    expect(fx.router.childPids().size).toBe(0);
  });

  it("a hop made through the master's router instead of the one given to start still goes with its incarnation", async () => {
    const sup = new Supervisor(fx.router, {
      backoff: fast,
      children: [{ id: 'leaf', start: async () => fx.router.local({ name: 'leaf', via: await fx.router.local({ name: 'hop' }) }) }],
    });
    const leaf = await sup.whenUp('leaf');
    const hop = fx.router.contextById(fx.router.contextTree().children.find((n) => n.children.some((c) => c.id === leaf.id))!.id)!;
    const hopPid = fx.router.childPids().get(hop.id)!;
    process.kill(await pidOf(leaf), 'SIGKILL');
    await hop.whenDead();
    await waitGone(hopPid, GRACE + 1000);
    await sup.shutdown();
    expect(fx.router.childPids().size).toBe(0);
  });

  it('contexts a successful start made besides its own go when its incarnation dies, not before', async () => {
    const helpers: Context[] = [];
    const sup = new Supervisor(fx.router, {
      backoff: fast,
      children: [
        {
          id: 'app',
          start: async (r: Router) => {
            // A helper that is not on the way to the returned context.
            const helper = await r.local({ name: 'helper' });
            helpers.push(helper);
            return r.local({ name: 'app' });
          },
        },
      ],
    });
    const app = await sup.whenUp('app');
    expect(helpers[0]!.state).toBe('running');
    const helperPid = fx.router.childPids().get(helpers[0]!.id)!;
    await killChild(sup, fx.router, 'app');
    await helpers[0]!.whenDead();
    await waitGone(helperPid, GRACE + 1000);
    const app2 = await sup.whenUp('app');
    expect(app2.id).not.toBe(app.id);
    expect(helpers).toHaveLength(2);
    expect(helpers[1]!.state).toBe('running');
    await sup.shutdown();
    expect(helpers[1]!.state).toBe('dead');
    expect(fx.router.childPids().size).toBe(0);
  });
});
