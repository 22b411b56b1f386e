// An intermediate that starts many local children at once keeps answering its parent: before
// the boot gate, its synchronous spawns blocked its event loop for seconds (5.4 s for 100 on
// an idle machine here), longer than its heartbeat bound, and the master declared it dead
// with every child behind it (issue 12 part 5: 300 contexts through 3 intermediates).
import { describe, expect, it } from 'vitest';
import { withRouter } from '../support/router.js';

const CHILDREN = 60;

describe('an intermediate starting many children at once', () => {
  const fx = withRouter();

  it(`stays alive (heartbeats every 1 s, 3 misses) while ${CHILDREN} local children start through it, and each answers`, async () => {
    const mid = await fx.router.local({ name: 'mid', heartbeatInterval: 1000, heartbeatMisses: 3 });
    const results = await Promise.allSettled(
      Array.from({ length: CHILDREN }, (_, i) => fx.router.local({ name: `leaf${i}`, via: mid }).then((c) => c.call('node:process', 'cwd'))),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message).split('\n')[0]] : []));
    expect(failed).toEqual([]);
    expect(mid.state).toBe('running');
    expect(await mid.call('node:os', 'uptime')).toEqual(expect.any(Number));
  }, 240_000);
});
