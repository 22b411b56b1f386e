// RouterOptions.callTimeout: the timeout of every call that gives none, in the master and in
// the children started afterwards (their config carries it); ctx.with() overrides it.
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/index.js';
import type * as Tasks from '../fixtures/cancel-tasks.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/cancel-tasks.ts', import.meta.url);

describe('RouterOptions.callTimeout', () => {
  const fx = withRouter({ callTimeout: 300 }, { scope: 'file' });

  it('applies to a call without options, and reaches the callee', async () => {
    const ctx = await fx.shared();
    const error = await ctx.call(TASKS, 'sleepLong', 'default-timeout').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/#sleepLong in context 'shared' timed out after 300 ms/);
    const tasks = ctx.import<typeof Tasks>(TASKS);
    const until = Date.now() + 500;
    let seen = await tasks.report('default-timeout');
    while (seen?.abortedAfter === null && Date.now() < until) seen = await tasks.report('default-timeout');
    expect(seen?.reason?.name).toBe('TimeoutError');
  });

  it('a view overrides it', async () => {
    const ctx = await fx.shared();
    await expect(ctx.with({ timeout: 5000 }).call(TASKS, 'sleepThenReturn', 'overridden', 500)).resolves.toBe('late overridden');
  });

  it('timeout 0 opts out of it', async () => {
    const ctx = await fx.shared();
    await expect(ctx.with({ timeout: 0 }).call(TASKS, 'sleepThenReturn', 'no-limit', 500)).resolves.toBe('late no-limit');
  });

  it('calls made by code in a child get it too', async () => {
    const a = await fx.router.local({ name: 'default-a' });
    const b = await fx.router.local({ name: 'default-b', via: a });
    // The master's own call allows 5 s; a's call to b has only the inherited 300 ms.
    const said = await a.with({ timeout: 5000 }).import<typeof Tasks>(TASKS).callOnPlain(b, 'inherited');
    expect(said).toMatch(/^TimeoutError: .*#sleepLong in context 'default-b' timed out after 300 ms$/);
  });
});
