// Issue 15.2: a real child writes the header of a frame on its channel and nothing more.
// Every later frame from it (replies, heartbeats) vanishes into that frame; before, the raw
// bytes of those heartbeats kept the stream "alive": calls hung with no bound, the context
// stayed running and nothing was logged. Now only whole frames (or a frame really flowing)
// count: the stream dies within the heartbeat bound, with a reason that says what happened.
import { expect, it } from 'vitest';
import { ChannelError } from '../../src/index.js';
import { HEADER_SIZE, HEARTBEAT, NO_REPLY, encodeFrame } from '../../src/core/wire/protocol.js';
import { withRouter } from '../support/router.js';
import { waitGone } from '../support/processes.js';

const TASKS = new URL('./fixtures/tasks.ts', import.meta.url);
const fx = withRouter({ printLogs: false, heartbeatInterval: 300, heartbeatMisses: 2 });

it('a frame cut short after its header kills that stream with a reason naming the truncated frame; pending calls settle', async () => {
  const ctx = await fx.local({ name: 'wedged' });
  const pid = (await ctx.call(TASKS, 'pid')) as number;
  const pending = ctx.call(TASKS, 'hang', 60_000).catch((e: unknown) => e);
  // A heartbeat frame addressed to the master claiming 100,000 bytes of payload: valid header.
  const header = encodeFrame(0, ctx.id, ctx.id, HEARTBEAT, NO_REPLY, new Uint8Array(100_000)).subarray(0, HEADER_SIZE);
  await ctx.call(TASKS, 'writeTruncatedHeader', [...header]);
  // Generous: the heartbeat bound is 300 × (2 + 1) ms; a wedged stream never dies at all.
  const dead = await Promise.race([ctx.whenDead().then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000))]);
  expect(dead, 'the wedged context was declared dead').toBe(true);
  expect(ctx.deadReason).toMatch(/no heartbeat from wedged for \d+ ms: a frame of 100026 bytes stopped after \d+ bytes \(truncated frame/);
  const err = await pending;
  expect(err).toBeInstanceOf(ChannelError);
  expect((err as Error).message).toContain('truncated frame');
  expect(fx.logs.some((r) => r.level === 'warn' && r.message.includes('truncated frame'))).toBe(true);
  await waitGone(pid, 5000);
}, 30_000);

it('a big message on a live stream is not taken for a truncated frame', async () => {
  const ctx = await fx.local({ name: 'big' });
  const big = new Uint8Array(48 * 1024 * 1024).fill(7);
  // 48 MiB each way: far more than one heartbeat interval's worth of bytes on this machine.
  const back = (await ctx.call(TASKS, 'echo', big)) as Uint8Array;
  expect(back.byteLength).toBe(big.byteLength);
  expect(ctx.state).toBe('running');
}, 60_000);
