// Channel: two-way messaging on one handle pair between two contexts (issue 16, part 4).
import { describe, expect, it } from 'vitest';
import { Channel, ChannelError, type Context } from '../../src/index.js';
import { rejectionOf } from '../support/errors.js';
import { withRouter } from '../support/router.js';
import type * as Tasks from './fixtures/channel-tasks.js';

const tasksUrl = new URL('./fixtures/channel-tasks.ts', import.meta.url);
const tasks = (ctx: Context) => ctx.import<typeof Tasks>(tasksUrl);
const N = 10_000;

describe('Channel', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it(`carries ${N} values each way between the master and a child, in order; close() ends the other side normally`, async () => {
    const ctx = await fx.local();
    const ch = new Channel(fx.router, ctx);
    const done = tasks(ctx).echoAndSend(ch.handle, N);
    // Sent before the child's end exists: queued until its hello says where to send.
    for (let i = 0; i < N; i++) ch.send(i);
    const fromChild: number[] = [];
    const echoes: number[] = [];
    while (fromChild.length < N || echoes.length < N) {
      const v = (await ch.get()).decode() as { from?: string; i?: number; echo?: number };
      if (v.from === 'child') fromChild.push(v.i!);
      else echoes.push(v.echo!);
    }
    expect(fromChild).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(echoes).toEqual(Array.from({ length: N }, (_, i) => i));
    ch.close();
    expect(await done).toBe(N);
    expect(await rejectionOf(ch.get())).toBeInstanceOf(ChannelError);
  }, 120_000);

  it('async iteration on both ends, and msg.reply() answers the other end', async () => {
    const ctx = await fx.local();
    const ch = new Channel(fx.router, ctx);
    const done = tasks(ctx).replier(ch.handle);
    const got: string[] = [];
    ch.send('a');
    ch.send('b');
    for await (const msg of ch) {
      got.push(msg.decode() as string);
      if (got.length === 2) break;
    }
    expect(got).toEqual(['re: a', 're: b']);
    ch.close();
    expect(await done).toBe('closed');
  });

  it('the other end dying is a ChannelError, never a silent end', async () => {
    const ctx = await fx.local();
    const ch = new Channel(fx.router, ctx);
    const pid = await tasks(ctx).pid();
    void tasks(ctx).waitOn(ch.handle).catch(() => undefined);
    const pending = rejectionOf(ch.get());
    process.kill(pid, 'SIGKILL');
    const err = await pending;
    expect(err).toBeInstanceOf(ChannelError);
    const iterated = await rejectionOf((async () => {
      for await (const _ of ch) void _;
    })());
    expect(iterated).toBeInstanceOf(ChannelError);
  });

  it('a value that cannot travel fails at send(), before and after the other end is known', async () => {
    const ctx = await fx.local();
    const ch = new Channel(fx.router, ctx);
    expect(() => ch.send({ f: () => 1 })).toThrow(TypeError);
    const done = tasks(ctx).waitOn(ch.handle);
    ch.send('first');
    expect(await done).toBe('got a message');
    expect(() => ch.send({ f: () => 1 })).toThrow(TypeError);
    ch.close();
  });
});
