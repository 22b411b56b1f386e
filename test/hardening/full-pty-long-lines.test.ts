// Issue 15.4 on a full PTY: there the child itself splits its prints into lines (read from its
// FIFOs, src/core/child/fifo-prints.ts), so it must use the same linear, capped splitter as the
// parent: a 20 MB unterminated line arrives in marked pieces of the cap, whole, and the master
// and the context stay responsive while it flows.
import { expect, it } from 'vitest';
import { LINE_CAP, LINE_CONTINUED_MARK, LINE_CUT_MARK } from '../../src/core/logging/line-splitter.js';
import { describeHosts } from '../support/hosts-suite.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('./fixtures/tasks.ts', import.meta.url);

describeHosts('a full-PTY child printing one 20 MB line', () => {
  const fx = withRouter({ printLogs: false, shutdownTimeout: 2000 });

  it('reaches the master as marked pieces of the cap, all of it, then the next line; calls answer meanwhile', async () => {
    const ctx = await fx.router.sudo({ username: 'dora', pty: 'full', name: 'fullpty-longline' });
    const size = 20 * 1024 * 1024;
    const printing = ctx.call(TASKS, 'printLongLine', size, 'q');
    // While the line flows, the master's loop turns and the context answers other calls.
    let turns = 0;
    const ticker = setInterval(() => turns++, 50);
    const answers: number[] = [];
    while (!fx.logs.some((r) => r.message === 'after the long line')) {
      answers.push((await ctx.call(TASKS, 'pid')) as number);
      await new Promise((r) => setTimeout(r, 100));
      if (answers.length > 600) throw new Error('the long line did not arrive within about 60 s');
    }
    clearInterval(ticker);
    await printing;
    expect(turns).toBeGreaterThan(0);
    expect(answers.every((p) => p > 0)).toBe(true);
    const pieces = fx.logs.filter((r) => r.contextId === ctx.id && r.source === 'stdout').map((r) => r.message);
    expect(pieces.length).toBe(size / LINE_CAP + 1);
    expect(pieces[0]).toBe('q'.repeat(LINE_CAP) + LINE_CUT_MARK);
    for (const p of pieces.slice(1, -2)) expect(p).toBe(LINE_CONTINUED_MARK + 'q'.repeat(LINE_CAP) + LINE_CUT_MARK);
    expect(pieces.at(-2)).toBe(LINE_CONTINUED_MARK + 'q'.repeat(LINE_CAP));
    expect(pieces.at(-1)).toBe('after the long line');
    expect(await ctx.call(TASKS, 'pid')).toBeGreaterThan(0);
  }, 120_000);
});
