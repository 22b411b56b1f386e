// The dispatcher writes replies to the channel itself, sharing it with the broker under a lock
// (src/core/links/channel-lock.ts, src/core/child/direct-parent-link.ts). Whatever the pipe
// does (full while the parent does not read, writes cut mid-frame and finished by the broker),
// every reply arrives whole and to its own call, beside the broker's own frames.
import { describe, expect, it } from 'vitest';
import type * as Tasks from '../fixtures/reply-tasks.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/reply-tasks.ts', import.meta.url);

/** Sizes from a few bytes to past the direct path's bound (64 KiB: those go through the broker). */
const SIZES = [1, 30, 700, 5000, 20_000, 70_000];

/** Blocks this thread: the child's writes fill the pipe meanwhile. */
function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy on purpose
  }
}

describe('replies written by the dispatcher', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('thousands of mixed-size replies while the parent does not read: each whole, to its call', async () => {
    const ctx = await fx.local({ name: 'direct-replies' });
    const tasks = ctx.import<typeof Tasks>(TASKS);
    await tasks.sized(0, 1);
    for (let round = 0; round < 3; round++) {
      const calls: Promise<string>[] = [];
      const want: string[] = [];
      for (let i = 0; i < 1500; i++) {
        const size = SIZES[(i * 7 + round) % SIZES.length]!;
        calls.push(i % 5 === 0 ? tasks.later(i, size, i % 3) : tasks.sized(i, size));
        want.push(`${i}:${String.fromCharCode(97 + (i % 26)).repeat(size)}`);
      }
      // The calls leave, the child answers into a pipe nobody reads for a while.
      await new Promise((r) => setTimeout(r, 0));
      blockFor(300);
      const got = await Promise.all(calls);
      expect(got.length).toBe(want.length);
      for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) expect(got[i]!.slice(0, 40)).toBe(want[i]!.slice(0, 40));
    }
    // The channel still carries the broker's frames and the dispatcher's: a call after all that.
    expect(await tasks.sized(7, 3)).toBe('7:hhh');
  }, 120_000);

  it('replies via an intermediate, both children writing their own', async () => {
    const mid = await fx.local({ name: 'direct-mid' });
    const far = await fx.router.local({ name: 'direct-far', via: mid });
    const tasks = far.import<typeof Tasks>(TASKS);
    const midTasks = mid.import<typeof Tasks>(TASKS);
    const calls: Promise<string>[] = [];
    const want: string[] = [];
    for (let i = 0; i < 600; i++) {
      const size = SIZES[i % SIZES.length]!;
      calls.push((i % 2 === 0 ? tasks : midTasks).sized(i, size));
      want.push(`${i}:${String.fromCharCode(97 + (i % 26)).repeat(size)}`);
    }
    await new Promise((r) => setTimeout(r, 0));
    blockFor(200);
    const got = await Promise.all(calls);
    for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) expect(got[i]!.slice(0, 40)).toBe(want[i]!.slice(0, 40));
  }, 120_000);

  it('an intermediate relays the replies of its child while its own dispatcher writes: no frame is cut', async () => {
    const mid = await fx.local({ name: 'direct-relay-mid' });
    const far = await fx.router.local({ name: 'direct-relay-far', via: mid });
    const farTasks = far.import<typeof Tasks>(TASKS);
    const midTasks = mid.import<typeof Tasks>(TASKS);
    for (let round = 0; round < 6; round++) {
      const calls: Promise<string>[] = [];
      const want: string[] = [];
      for (let i = 0; i < 2000; i++) {
        // The far context's replies pass through mid's broker; mid's own come from its dispatcher.
        const size = i % 2 === 0 ? SIZES[(i >> 1) % 5]! : 1 + (i % 200);
        calls.push((i % 2 === 0 ? farTasks : midTasks).sized(i, size));
        want.push(`${i}:${String.fromCharCode(97 + (i % 26)).repeat(size)}`);
      }
      const got = await Promise.all(calls);
      for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) expect(got[i]!.slice(0, 40)).toBe(want[i]!.slice(0, 40));
    }
  }, 120_000);
});
