// router.disconnectAll(): every direct child's stream closed at once, no grace (issue 16, part 4).
import { describe, expect, it } from 'vitest';
import { ChannelError, type Context } from '../../src/index.js';
import { rejectionOf } from '../support/errors.js';
import { isGone, waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import type * as Slow from './fixtures/slow-tasks.js';

const slowUrl = new URL('./fixtures/slow-tasks.ts', import.meta.url);
const slow = (ctx: Context) => ctx.import<typeof Slow>(slowUrl);

describe('disconnectAll', () => {
  // A long grace: what disconnectAll does must not wait for it.
  const fx = withRouter({ shutdownTimeout: 20_000 });

  it('kills every direct child at once: pending calls (also below them) reject with ChannelError within 1 s', async () => {
    const kids = await Promise.all([fx.local({ name: 'k1' }), fx.local({ name: 'k2' }), fx.local({ name: 'k3' })]);
    const grand = await fx.router.local({ name: 'g', via: kids[0] });
    const pids = await Promise.all([...kids, grand].map((c) => slow(c).pid()));
    const pending = [...kids, grand].map((c) => rejectionOf(slow(c).hang()));
    const t0 = performance.now();
    await fx.router.disconnectAll();
    const errors = await Promise.all(pending);
    const elapsed = performance.now() - t0;
    for (const e of errors) expect(e).toBeInstanceOf(ChannelError);
    expect(errors[0].message).toContain('disconnected by the master (disconnectAll)');
    expect(elapsed).toBeLessThan(1000);
    for (const c of [...kids, grand]) expect(c.state).toBe('dead');
    for (const pid of pids) expect(isGone(pid) || (await waitGone(pid, 5000)) >= 0).toBe(true);
    // Later calls fail at once; the router itself goes on.
    expect(await rejectionOf(kids[1]!.call('node:os', 'uptime'))).toBeInstanceOf(ChannelError);
    const fresh = await fx.local({ name: 'after' });
    expect(await fresh.call('node:path', 'basename', '/x/y')).toBe('y');
  }, 60_000);

  it('with no children resolves at once', async () => {
    await expect(fx.router.disconnectAll()).resolves.toBeUndefined();
  });
});
