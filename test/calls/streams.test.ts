// ctx.stream() against real children: a million values through for await, credit-based flow
// control observed in the callee (lead, RSS), truthful ends (complete, CallError, ChannelError
// on SIGKILL), consumer stops that reach the generator's finally (break, unsubscribe, cancel,
// abort, timeout), values$, and a stream through a 3-deep via= chain.
import { lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CallError, ChannelError, TendrilError, TimeoutError, type Context } from '../../src/index.js';
import type * as Tasks from '../fixtures/stream-tasks.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/stream-tasks.ts', import.meta.url);
const MiB = 1024 * 1024;

type Seen = NonNullable<ReturnType<typeof Tasks.report>>;

function report(ctx: Context, tag: string): Promise<Seen | null> {
  return ctx.call(TASKS, 'report', tag) as Promise<Seen | null>;
}

/** Polls the callee until the generator of `tag` ran its finally; the ms it took (from now). */
async function finallyWithin(ctx: Context, tag: string, ms: number): Promise<Seen> {
  const t0 = Date.now();
  for (;;) {
    const s = await report(ctx, tag);
    if (s?.finallyAt != null) return s;
    if (Date.now() - t0 > ms) throw new Error(`the generator of ${tag} did not run its finally within ${ms} ms (saw ${JSON.stringify(s)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ctx.stream()', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('streams 1,000,000 values through for await, in order, with the callee RSS bounded', async () => {
    const ctx = await fx.shared();
    let expected = 0;
    let wrong = 0;
    for await (const v of ctx.stream<number>(TASKS, 'count', 'million', 1_000_000)) {
      if (v !== expected) wrong++;
      expected++;
    }
    expect(wrong).toBe(0);
    expect(expected).toBe(1_000_000);
    const seen = (await report(ctx, 'million'))!;
    expect(seen.produced).toBe(1_000_000);
    expect(seen.finallyAt).not.toBeNull();
    expect(seen.rssMax - seen.rssStart).toBeLessThan(20 * MiB);
  }, 60_000);

  it.each([64, 16])('with a consumer sleeping 1 ms a value, the producer leads by at most highWaterMark (%i)', async (hwm) => {
    const ctx = await fx.shared();
    const tag = `lead-${hwm}`;
    const view = hwm === 64 ? ctx : ctx.with({ highWaterMark: hwm });
    let consumed = 0;
    for await (const v of view.stream<{ i: number }>(TASKS, 'leading', tag, 600)) {
      expect(v.i).toBe(consumed);
      await new Promise((r) => setTimeout(r, 1));
      consumed++;
      // Told before next() asks for more (which is when credit goes back).
      ctx.callNoReply(TASKS, 'consumedUpTo', tag, consumed);
    }
    expect(consumed).toBe(600);
    const seen = (await report(ctx, tag))!;
    // The first window is produced before anything is consumed: the lead reaches the mark, never more.
    expect(seen.maxLead).toBe(hwm);
    expect(seen.rssMax - seen.rssStart).toBeLessThan(20 * MiB);
  }, 30_000);

  it('a producer that throws fails the iteration with a CallError, after the values it yielded', async () => {
    const ctx = await fx.shared();
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const v of ctx.stream<number>(TASKS, 'failing', 3)) got.push(v);
    } catch (e) {
      error = e;
    }
    expect(got).toEqual([0, 1, 2]);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).remoteType).toBe('RangeError');
    expect((error as CallError).code).toBe('E_STREAM');
  });

  it('a function whose result is not iterable is a CallError; Readables and async results stream', async () => {
    const ctx = await fx.shared();
    const error = await (async () => {
      for await (const _ of ctx.stream(TASKS, 'notIterable')) throw new Error('no value expected');
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).message).toMatch(/notIterable returned number, not an async iterable/);
    const fromReadable: unknown[] = [];
    for await (const v of ctx.stream(TASKS, 'readable', 5)) fromReadable.push(v);
    expect(fromReadable).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    const fromPromise: unknown[] = [];
    for await (const v of ctx.stream(TASKS, 'later', ['a', 'b'])) fromPromise.push(v);
    expect(fromPromise).toEqual(['a', 'b']);
  });

  it("break after 10 values runs the generator's finally in the callee within 500 ms", async () => {
    const ctx = await fx.shared();
    let n = 0;
    for await (const _ of ctx.stream(TASKS, 'ticks', 'break', 2)) if (++n === 10) break;
    const stoppedAt = Date.now();
    const seen = await finallyWithin(ctx, 'break', 500);
    expect(seen.finallyAt! - stoppedAt).toBeLessThan(500);
    expect(seen.aborted).toBe(true); // currentCall().signal told the generator too
    expect(seen.produced).toBeLessThan(10 + 64 + 2);
  });

  it('unsubscribing from values$ and cancel() end the remote generator; cancel(reason) fails the iteration', async () => {
    const ctx = await fx.shared();
    const first = await lastValueFrom(ctx.stream<number>(TASKS, 'ticks', 'unsub', 2).values$.pipe(take(5), toArray()));
    expect(first).toEqual([0, 1, 2, 3, 4]);
    await finallyWithin(ctx, 'unsub', 500);

    const s = ctx.stream<number>(TASKS, 'ticks', 'cancel', 2);
    const it = s[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 0, done: false });
    s.cancel();
    expect(await it.next()).toEqual({ value: undefined, done: true });
    await finallyWithin(ctx, 'cancel', 500);

    const r = ctx.stream<number>(TASKS, 'ticks', 'cancel-reason', 2);
    const rit = r[Symbol.asyncIterator]();
    await rit.next();
    const reason = new Error('enough');
    // A next() waiting when cancel(reason) comes rejects with the reason; ticks sends a value
    // every 2 ms, so value 1 may already be queued and this next() took it: then the next one
    // fails (cancel drops what is queued). Either way the failure comes once, then done.
    const pending = rit.next();
    r.cancel(reason);
    const settled = await pending.then(
      (v) => ({ took: v }),
      (e: unknown) => ({ failed: e }),
    );
    if ('took' in settled) {
      expect(settled.took).toEqual({ value: 1, done: false });
      await expect(rit.next()).rejects.toBe(reason);
    } else {
      expect(settled.failed).toBe(reason);
    }
    expect(await rit.next()).toEqual({ value: undefined, done: true });
    await finallyWithin(ctx, 'cancel-reason', 500);
  });

  it('values$ completes at the end and errors as iteration throws; a stream has one consumer', async () => {
    const ctx = await fx.shared();
    await expect(lastValueFrom(ctx.stream<number>(TASKS, 'count', 'obs', 1000).values$.pipe(toArray()))).resolves.toHaveLength(1000);
    await expect(lastValueFrom(ctx.stream(TASKS, 'failing', 2).values$)).rejects.toBeInstanceOf(CallError);
    const s = ctx.stream(TASKS, 'count', 'twice', 10);
    const it = s[Symbol.asyncIterator]();
    await expect(lastValueFrom(s.values$)).rejects.toBeInstanceOf(TendrilError);
    await it.return!();
  });

  it('an abort rejects with signal.reason, a timeout with a TimeoutError; both end the generator', async () => {
    const ctx = await fx.shared();
    const ac = new AbortController();
    const aborted = (async () => {
      let n = 0;
      for await (const _ of ctx.with({ signal: ac.signal }).stream(TASKS, 'ticks', 'abort', 5)) if (++n === 3) ac.abort(new Error('user gave up'));
    })();
    await expect(aborted).rejects.toThrow('user gave up');
    await finallyWithin(ctx, 'abort', 500);

    const timedOut = (async () => {
      for await (const _ of ctx.with({ timeout: 200 }).stream(TASKS, 'ticks', 'timeout', 5));
    })();
    const error = await timedOut.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/#ticks in context 'shared' timed out after 200 ms/);
    await finallyWithin(ctx, 'timeout', 500);
  });

  it('the producer context SIGKILLed mid-stream: the iterator throws ChannelError within 1 s', async () => {
    const ctx = await fx.local({ name: 'victim' });
    const pid = fx.pidOf(ctx);
    let n = 0;
    let killedAt = 0;
    const outcome = await (async () => {
      for await (const _ of ctx.stream(TASKS, 'ticks', 'kill', 5)) {
        if (++n === 5) {
          killedAt = Date.now();
          process.kill(pid, 'SIGKILL');
        }
      }
      return 'completed normally';
    })().catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(ChannelError);
    expect(Date.now() - killedAt).toBeLessThan(1000);
  });

  it('streams through a 3-deep via= chain, with flow control and break reaching the end', async () => {
    const a = await fx.local({ name: 'hop-a' });
    const b = await fx.router.local({ name: 'hop-b', via: a });
    const c = await fx.router.local({ name: 'hop-c', via: b });
    let expected = 0;
    for await (const v of c.with({ highWaterMark: 8 }).stream<{ i: number }>(TASKS, 'leading', 'deep', 2000)) {
      expect(v.i).toBe(expected++);
    }
    expect(expected).toBe(2000);
    let n = 0;
    for await (const _ of c.stream(TASKS, 'ticks', 'deep-break', 2)) if (++n === 10) break;
    await finallyWithin(c, 'deep-break', 500);
    // Code in a context consuming a stream from its own child.
    await expect(b.call(TASKS, 'sumFrom', c, 1000)).resolves.toBe((999 * 1000) / 2);
  }, 30_000);
});
