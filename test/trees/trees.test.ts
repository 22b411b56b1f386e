// Trees of contexts against real processes: via= chains, contexts created by remote code,
// dead-message propagation when an intermediate dies, and module forwarding by intermediates.
import { describe, expect, it } from 'vitest';
import { ChannelError, type Context } from '../../src/index.js';
import { isGone, waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import type * as TreeTasks from '../fixtures/tree-tasks.js';

const tasksUrl = new URL('../fixtures/tree-tasks.ts', import.meta.url);
const tasks = (ctx: Context): ReturnType<typeof ctx.import<typeof TreeTasks>> => ctx.import<typeof TreeTasks>(tasksUrl);

describe('trees of contexts', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('a 10-deep chain of local contexts answers a call; ids and parent ids are as allocated', async () => {
    const chain: Context[] = [];
    let via: Context | undefined;
    for (let i = 0; i < 10; i++) {
      via = await fx.router.local({ name: `level${i}`, via });
      chain.push(via);
    }
    const deepest = chain[9]!;
    expect(await deepest.call('node:os', 'hostname')).toBe((await import('node:os')).hostname());
    const ids = chain.map((c) => c.id);
    expect(new Set(ids).size).toBe(10);
    const who = await tasks(deepest).identity();
    expect(who.id).toBe(deepest.id);
    expect(who.parentIds).toEqual([0, ...ids.slice(0, 9)]);
    expect(who.title).toBe('tendril:level9');
    // Every level answers, and the middle knows its own ancestry.
    const mid = await tasks(chain[4]!).identity();
    expect(mid.parentIds).toEqual([0, ...ids.slice(0, 4)]);
    for (const c of chain) expect(c.state).toBe('running');
  });

  it('SIGKILL of the intermediate: pending calls below it reject within 1 s, the subtree exits, later calls fail at once', async () => {
    const a = await fx.local({ name: 'a' });
    const b = await fx.router.local({ name: 'b', via: a });
    const c = await fx.router.local({ name: 'c', via: b });
    const bPid = (await tasks(b).identity()).pid;
    const cPid = (await tasks(c).identity()).pid;
    const pendingB = tasks(b).sleepForever();
    const pendingC = tasks(c).sleepForever();
    const settled = Promise.allSettled([pendingB, pendingC]);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    process.kill(fx.pidOf(a), 'SIGKILL');
    const [rb, rc] = await settled;
    const took = performance.now() - t0;
    expect(rb.status).toBe('rejected');
    expect(rc.status).toBe('rejected');
    expect((rb as PromiseRejectedResult).reason).toBeInstanceOf(ChannelError);
    expect((rc as PromiseRejectedResult).reason).toBeInstanceOf(ChannelError);
    expect(took).toBeLessThan(1000);
    expect(b.state).toBe('dead');
    expect(c.state).toBe('dead');
    await waitGone([bPid, cPid], 2000 + 1000);
    const t1 = performance.now();
    await expect(c.call('node:os', 'uptime')).rejects.toBeInstanceOf(ChannelError);
    await expect(b.call('node:os', 'uptime')).rejects.toBeInstanceOf(ChannelError);
    expect(performance.now() - t1).toBeLessThan(500);
  });

  it('a function in a child creates a grandchild with currentRouter().local() and returns it; the master calls it directly', async () => {
    const a = await fx.local({ name: 'parent' });
    const grand = await tasks(a).spawnChild('grand');
    expect(grand.name).toBe('grand');
    expect(fx.router.contextById(grand.id)).toBe(grand);
    const who = await tasks(grand).identity();
    expect(who.parentIds).toEqual([0, a.id]);
    expect(who.title).toBe('tendril:grand');
    expect(grand.state).toBe('running');
    // Its death is seen by the master too.
    process.kill(who.pid, 'SIGKILL');
    await grand.whenDead();
    expect(isGone(who.pid) || (await waitGone(who.pid, 2000)) >= 0).toBe(true);
    expect(await a.call('node:os', 'uptime')).toBeGreaterThan(0);
  });

  it('two grandchildren behind one intermediate import the same module tree: the master serves it once', async () => {
    const a = await fx.local({ name: 'hub' });
    const g1 = await fx.router.local({ name: 'g1', via: a });
    const g2 = await fx.router.local({ name: 'g2', via: a });
    const before = { ...fx.router.moduleStats };
    await tasks(g1).identity();
    const mid = { ...fx.router.moduleStats };
    await tasks(g2).identity();
    const after = { ...fx.router.moduleStats };
    expect(mid.modulesSent - before.modulesSent).toBeGreaterThan(0);
    // The second grandchild was served by the intermediate's cache: no more code from the master,
    // only freshness checks answered 'up to date'.
    expect(after.modulesSent).toBe(mid.modulesSent);
    expect(after.requests - mid.requests).toBe(after.upToDate - mid.upToDate);
  });
});
