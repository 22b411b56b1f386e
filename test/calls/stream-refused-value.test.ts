// A value that cannot travel, yielded by a stream's generator between pauses: the stream fails
// with a CallError naming the refusal, and the producing child stays alive.
import { describe, expect, it } from 'vitest';
import { CallError } from '../../src/index.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/stream-refused-tasks.ts', import.meta.url);

describe('ctx.stream() with a value that cannot travel', () => {
  const fx = withRouter();

  it('fails the stream with a CallError and the child survives', async () => {
    const ctx = await fx.local();
    const got: unknown[] = [];
    let error: unknown;
    try {
      for await (const v of ctx.stream(TASKS, 'refusedLater')) got.push(v);
    } catch (e) {
      error = e;
    }
    expect(got).toEqual([1]);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).message).toMatch(/function/i);
    expect(await ctx.call(TASKS, 'alive')).toBe('yes');
  });
});
