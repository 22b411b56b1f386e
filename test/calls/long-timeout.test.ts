// A timeout longer than setTimeout's limit (2^31 - 1 ms, about 24.8 days) is a long timeout,
// not an immediate one: Node fires larger delays after 1 ms.
import { describe, expect, it } from 'vitest';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/cancel-tasks.ts', import.meta.url);
const FIFTY_DAYS = 50 * 24 * 3600 * 1000;

describe('a timeout beyond 2^31 - 1 ms', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('lets call(), callAsync() and stream() take their time', async () => {
    const ctx = await fx.shared();
    const view = ctx.with({ timeout: FIFTY_DAYS });
    await expect(view.call(TASKS, 'sleepThenReturn', 'long-call', 50)).resolves.toBe('late long-call');
    const reply = await view.callAsync(TASKS, 'sleepThenReturn', 'long-async', 50).get();
    expect(reply.decode()).toBe('late long-async');
    const values: unknown[] = [];
    for await (const v of view.stream(new URL('../fixtures/stream-tasks.ts', import.meta.url), 'later', ['a', 'b'])) values.push(v);
    expect(values).toEqual(['a', 'b']);
  });
});
