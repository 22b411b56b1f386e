// Issue 15.9: callNoReply had no backpressure (400 MiB queued to a frozen child before its
// death). A stream's buffered bytes are bounded (max(64 MiB, 2 × maxMessageSize)): past the
// bound, callNoReply throws a ChannelError saying the receiver is not reading, and calls get
// a ChannelError reply; once the child reads again, messages flow again.
import { expect, it } from 'vitest';
import { ChannelError } from '../../src/index.js';
import { bufferedBytesLimit } from '../../src/core/links/backpressure.js';
import { processState, waitFor } from '../support/processes.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('./fixtures/tasks.ts', import.meta.url);
const MAX_MESSAGE = 16 * 1024 * 1024;
const fx = withRouter({ printLogs: false, maxMessageSize: MAX_MESSAGE, heartbeatInterval: 0 });

it('callNoReply to a frozen child fails clearly once its stream holds the bound; calls too; it flows again once resumed', async () => {
  const limit = bufferedBytesLimit(MAX_MESSAGE);
  const ctx = await fx.local({ name: 'frozen' });
  const pid = (await ctx.call(TASKS, 'pid')) as number;
  await ctx.call(TASKS, 'freezeSoon');
  await waitFor(() => processState(pid) === 'T', 10_000, 'the child to be stopped');
  const payload = new Uint8Array(1024 * 1024).fill(1);
  let sent = 0;
  let refused: unknown = null;
  // Twice the bound at most: without backpressure every one of them is queued.
  for (let i = 0; i < (2 * limit) / payload.byteLength; i++) {
    try {
      ctx.callNoReply(TASKS, 'sink', payload);
      sent += payload.byteLength;
    } catch (e) {
      refused = e;
      break;
    }
  }
  expect(refused).toBeInstanceOf(ChannelError);
  expect((refused as Error).message).toMatch(/^callNoReply to context 'frozen' \(#\d+\) refused: \d+ bytes already wait to be written to frozen \(limit \d+\): it is not reading/);
  expect(sent).toBeGreaterThanOrEqual(limit - payload.byteLength);
  expect(sent).toBeLessThanOrEqual(limit + 2 * payload.byteLength);
  const call = await ctx.call(TASKS, 'pid').catch((e: unknown) => e);
  expect(call).toBeInstanceOf(ChannelError);
  expect((call as Error).message).toMatch(/it is not reading/);
  expect(fx.logs.filter((r) => r.message.startsWith("refusing messages to context 'frozen'"))).toHaveLength(1);
  // Resumed, it drains what was queued and answers again.
  process.kill(pid, 'SIGCONT');
  await expect.poll(() => ctx.call(TASKS, 'pid').catch(() => null), { timeout: 30_000, interval: 200 }).toBe(pid);
  ctx.callNoReply(TASKS, 'sink', payload);
  expect(ctx.state).toBe('running');
}, 60_000);
