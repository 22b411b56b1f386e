// router.listen() used to add a death listener and a lifecycle listener to its router, never
// removed: every listen/close cycle left two callbacks (and the Listener they hold) for the
// router's lifetime. Now a router has one pair whatever the number of listeners, and a
// closed listener is no longer told anything.
import { describe, expect, it } from 'vitest';
import { connectUnix } from '../../src/index.js';
import { withRouter } from '../support/router.js';

/** How many callbacks the router's death and lifecycle buses hold (private arrays). */
function listenerCounts(router: object): [number, number] {
  const deaths = Reflect.get(router, 'deathListeners') as unknown[];
  const lifecycle = Reflect.get(Reflect.get(router, 'lifecycle') as object, 'listeners') as unknown[];
  return [deaths.length, lifecycle.length];
}

describe('router.listen() and close()', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('30 listen/close cycles leave the router\'s listener lists as one listen did', async () => {
    const first = await fx.router.listen();
    await first.close();
    const after1 = listenerCounts(fx.router);
    for (let i = 0; i < 30; i++) await (await fx.router.listen()).close();
    expect(listenerCounts(fx.router)).toEqual(after1);
    // Two open at once share the pair too.
    const [a, b] = await Promise.all([fx.router.listen(), fx.router.listen()]);
    expect(listenerCounts(fx.router)).toEqual(after1);
    await Promise.all([a.close(), b.close()]);
  }, 60_000);

  it('after many cycles a listener still hears its attached process die (disconnect detaches it)', async () => {
    for (let i = 0; i < 5; i++) await (await fx.router.listen()).close();
    const l = await fx.router.listen();
    try {
      const { router: r } = await connectUnix(l.path, { name: 'attached-after-cycles' });
      expect(l.attachedCount).toBe(1);
      fx.router.disconnect(fx.router.contextById(r.myself().id)!);
      await expect.poll(() => r.closedReason, { timeout: 20_000 }).toMatch(/disconnected/);
      expect(l.attachedCount).toBe(0);
      await r.shutdown();
    } finally {
      await l.close();
    }
  }, 60_000);
});
