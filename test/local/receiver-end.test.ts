// Receivers end truthfully (issue 10, part 7): normally only on Sender.close(); a sending child
// that is SIGKILLed midway is a ChannelError in get(), in `for await` and in messages$ (an error
// notification), never a normal end; Select hands out the dead member's dead message.
import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ChannelError, Receiver, Select, type Context, type Message } from '../../src/index.js';
import type * as SlowSender from '../fixtures/slow-sender.js';
import type * as TreeTasks from '../fixtures/tree-tasks.js';
import { withRouter } from '../support/router.js';

const senderUrl = new URL('../fixtures/slow-sender.ts', import.meta.url);
const treeUrl = new URL('../fixtures/tree-tasks.ts', import.meta.url);
const COUNT = 40;
/** After this many values the test kills the sending child. */
const KILL_AT = 16;
const EVERY_MS = 20;

describe('a Receiver whose sender is killed or closes', () => {
  const fx = withRouter();

  const startSending = async (ctx: Context, r: Receiver, close: boolean, everyMs = EVERY_MS): Promise<void> => {
    await expect(ctx.import<typeof SlowSender>(senderUrl).startSending(r.toSender(), COUNT, everyMs, close)).resolves.toBe('started');
  };
  const kill = (ctx: Context): void => {
    process.kill(fx.pidOf(ctx), 'SIGKILL');
  };
  /** The values 0..n-1 in order, with n between KILL_AT and COUNT (some may have been in flight). */
  const expectKilledPrefix = (got: unknown[]): void => {
    expect(got.length).toBeGreaterThanOrEqual(KILL_AT);
    expect(got.length).toBeLessThan(COUNT);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
  };
  const expectDeathError = (err: unknown, ctx: Context): void => {
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).reason).toContain(`#${ctx.id}) is dead`);
    expect((err as ChannelError).reason).not.toBe('sender closed');
  };

  it('for await fails with ChannelError when the sending child is SIGKILLed midway', async () => {
    const ctx = await fx.local();
    const r = new Receiver(fx.router);
    await startSending(ctx, r, true);
    const got: unknown[] = [];
    let error: unknown = null;
    try {
      for await (const m of r) {
        got.push(m.decode());
        if (got.length === KILL_AT) kill(ctx);
      }
    } catch (e) {
      error = e;
    }
    expectKilledPrefix(got);
    expectDeathError(error, ctx);
    expect(r.state).toBe('dead');
    expect(r.endedNormally).toBe(false);
    await expect(r.get()).rejects.toBeInstanceOf(ChannelError);
  });

  it('for await fails the same way when the child is the receiver\'s respondent', async () => {
    const ctx = await fx.local();
    const r = new Receiver(fx.router, { respondent: ctx });
    await startSending(ctx, r, true);
    const got: unknown[] = [];
    const iterate = async (): Promise<void> => {
      for await (const m of r) {
        got.push(m.decode());
        if (got.length === KILL_AT) kill(ctx);
      }
    };
    const error = await iterate().then(() => 'ended normally', (e: unknown) => e);
    expectKilledPrefix(got);
    expectDeathError(error, ctx);
  });

  it('messages$ errors with ChannelError when the sending child is SIGKILLed midway', async () => {
    const ctx = await fx.local();
    const r = new Receiver(fx.router);
    const got: unknown[] = [];
    const ended = new Promise<unknown>((resolve) => {
      r.messages$.subscribe({
        next: (m) => {
          got.push(m.decode());
          if (got.length === KILL_AT) kill(ctx);
        },
        error: (e: unknown) => resolve(e),
        complete: () => resolve('completed'),
      });
    });
    await startSending(ctx, r, true);
    const end = await ended;
    expectKilledPrefix(got);
    expectDeathError(end, ctx);
  });

  it('get() rejects with ChannelError once the values that arrived are taken', async () => {
    const ctx = await fx.local();
    const r = new Receiver(fx.router);
    await startSending(ctx, r, true);
    const got: unknown[] = [];
    for (let i = 0; i < KILL_AT; i++) got.push((await r.get({ timeout: 10_000 })).decode());
    kill(ctx);
    let error: unknown = null;
    for (;;) {
      try {
        got.push((await r.get({ timeout: 10_000 })).decode());
      } catch (e) {
        error = e;
        break;
      }
    }
    expectKilledPrefix(got);
    expectDeathError(error, ctx);
  });

  it('Sender.close() ends for await and messages$ normally, after every value', async () => {
    const ctx = await fx.local();
    const a = new Receiver(fx.router);
    const b = new Receiver(fx.router);
    const all$ = firstValueFrom(b.messages$.pipe(toArray()));
    await startSending(ctx, a, true, 1);
    await startSending(ctx, b, true, 1);
    const got: unknown[] = [];
    for await (const m of a) got.push(m.decode());
    const expected = Array.from({ length: COUNT }, (_, i) => i);
    expect(got).toEqual(expected);
    expect((await all$).map((m) => m.decode())).toEqual(expected);
    expect([a.endedNormally, b.endedNormally]).toEqual([true, true]);
    // The child is still alive and well: the end was its sender's close, not its death.
    expect(ctx.state).toBe('running');
  });

  it('Select hands out a killed member as its dead message and a closed one as its close', async () => {
    const doomed = await fx.local({ name: 'doomed' });
    const healthy = await fx.local({ name: 'healthy' });
    const a = new Receiver(fx.router);
    const b = new Receiver(fx.router);
    const select = new Select([a, b], { oneshot: false });
    await startSending(doomed, a, true);
    await startSending(healthy, b, true);
    const values = new Map<number, unknown[]>([[a.handle, []], [b.handle, []]]);
    const ends = new Map<number, Message>();
    for await (const m of select) {
      if (m.isDead) {
        ends.set(m.handle, m);
        continue;
      }
      values.get(m.handle)!.push(m.decode());
      if (m.handle === a.handle && values.get(a.handle)!.length === KILL_AT) kill(doomed);
    }
    expectKilledPrefix(values.get(a.handle)!);
    expect(values.get(b.handle)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    const deadEnd = ends.get(a.handle)!;
    expect(deadEnd.isClose).toBe(false);
    let decodeError: unknown = null;
    try {
      deadEnd.decode();
    } catch (e) {
      decodeError = e;
    }
    expectDeathError(decodeError, doomed);
    expect(ends.get(b.handle)!.isClose).toBe(true);
  });

  it('a Receiver in a child fails with ChannelError when its sender, a grandchild started there, is SIGKILLed', async () => {
    const child = await fx.local({ name: 'mid' });
    const inChild = child.import<typeof SlowSender>(senderUrl);
    const run = async (kill: boolean): Promise<{ values: unknown[]; error: string | null; reason: string | null }> => {
      const grandchild = await child.import<typeof TreeTasks>(treeUrl).spawnChild(kill ? 'doomed' : 'closing');
      const { pid } = await grandchild.import<typeof TreeTasks>(treeUrl).identity();
      const sender = await inChild.openInbox();
      await grandchild.import<typeof SlowSender>(senderUrl).startSending(sender, COUNT, kill ? EVERY_MS : 1, true);
      const result = await inChild.drainInbox(pid, kill ? KILL_AT : -1);
      return { ...result, reason: result.reason?.replace(`#${grandchild.id})`, '#GC)') ?? null };
    };
    const killed = await run(true);
    expectKilledPrefix(killed.values);
    expect(killed.error).toBe('ChannelError');
    expect(killed.reason).toContain('#GC) is dead');
    const closed = await run(false);
    expect(closed).toEqual({ values: Array.from({ length: COUNT }, (_, i) => i), error: null, reason: null });
  });
});
