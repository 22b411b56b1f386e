// fanOut over real children: results arrive as each finishes, at most `concurrency` contexts
// work at once (seen from the callees' own clocks), failures are results, and unsubscribing
// aborts the calls still running (their callees' signals abort) and starts no more.
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CallError, fanOut, type Context, type FanOutResult } from '../../src/index.js';
import type * as Tasks from '../fixtures/cancel-tasks.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/cancel-tasks.ts', import.meta.url);

describe('fanOut', () => {
  const fx = withRouter({}, { scope: 'file' });
  let contexts: Promise<Context[]> | null = null;
  const five = (): Promise<Context[]> =>
    (contexts ??= Promise.all([0, 1, 2, 3, 4].map((i) => fx.local({ name: `fan-${i}` }))));

  it('concurrency 2 over 5 contexts: results in order of completion, never more than 2 at once', async () => {
    const ctxs = await five();
    const durations = [600, 100, 100, 50, 50];
    const results = await firstValueFrom(
      fanOut(ctxs, (ctx, context) => ctx.import<typeof Tasks>(TASKS).busy(durations[ctxs.indexOf(context)]!), { concurrency: 2 }).pipe(toArray()),
    );
    const values = results.map((r) => {
      if (!('value' in r)) throw r.error;
      return r.value;
    });
    // fan-0 holds one slot throughout; the other slot serves 1, 2, 3, 4 one after another.
    expect(results.map((r) => r.context.name)).toEqual(['fan-1', 'fan-2', 'fan-3', 'fan-4', 'fan-0']);
    expect(values.map((v) => v.name)).toEqual(['fan-1', 'fan-2', 'fan-3', 'fan-4', 'fan-0']);
    // Overlap of the runs as the callees timed them: at most 2, and 2 was used.
    const overlapAt = (t: number): number => values.filter((v) => v.start <= t && t < v.end).length;
    const most = Math.max(...values.map((v) => overlapAt(v.start)));
    expect(most).toBe(2);
  });

  it('a failure is a result; the others still arrive', async () => {
    const ctxs = (await five()).slice(0, 3);
    const results = await firstValueFrom(
      fanOut(ctxs, (ctx, context) => (context === ctxs[1] ? ctx.call('node:os', 'noSuchFunction') : ctx.call('node:os', 'platform'))).pipe(toArray()),
    );
    expect(results).toHaveLength(3);
    const failed = results.filter((r): r is Extract<FanOutResult<unknown>, { error: unknown }> => 'error' in r);
    expect(failed.map((r) => r.context)).toEqual([ctxs[1]]);
    expect(failed[0]!.error).toBeInstanceOf(CallError);
    expect(results.filter((r) => 'value' in r).map((r) => ('value' in r ? r.value : null))).toEqual([process.platform, process.platform]);
  });

  it('unsubscribing aborts the calls still running, in the callees, and starts no more', async () => {
    const ctxs = (await five()).slice(0, 4);
    const tags = ctxs.map((c) => `fan-unsub-${c.name}`);
    // The first context answers at once; the others never do until cancelled.
    const results = await firstValueFrom(
      fanOut(ctxs, (ctx, context) => (context === ctxs[0] ? ctx.call('node:os', 'platform') : ctx.call(TASKS, 'sleepLong', tags[ctxs.indexOf(context)])), {
        concurrency: 3,
      }).pipe(take(1), toArray()),
    );
    expect(results.map((r) => r.context)).toEqual([ctxs[0]]);
    const report = (i: number) => ctxs[i]!.import<typeof Tasks>(TASKS).report(tags[i]!);
    for (const i of [1, 2]) {
      let seen = await report(i);
      const until = Date.now() + 500;
      while ((seen === null || seen.abortedAfter === null) && Date.now() < until) seen = await report(i);
      expect(seen?.reason, `fan-${i} saw its call aborted`).toEqual({ name: 'AbortError', message: expect.stringContaining('fanOut: unsubscribed') });
    }
    // fan-3 would have started when fan-0 finished, had the subscriber not left first.
    await new Promise((r) => setTimeout(r, 100));
    await expect(report(3)).resolves.toBeNull();
  });

  it('refuses a concurrency below 1', () => {
    expect(() => fanOut([], () => 1, { concurrency: 0 })).toThrow(TypeError);
  });
});
