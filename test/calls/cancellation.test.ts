// Call options against real children: a timeout or an AbortSignal rejects the call and
// reaches the callee (its currentCall().signal aborts, observed through a second call), the
// context keeps answering, directly and through a 3-deep via= chain; concurrent calls each
// see their own currentCall(); a late result is dropped quietly; pipelined chains fail.
import { describe, expect, it } from 'vitest';
import { CallError, ChannelError, TimeoutError, type CallView, type Context } from '../../src/index.js';
import type * as Tasks from '../fixtures/cancel-tasks.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/cancel-tasks.ts', import.meta.url);

type Seen = NonNullable<ReturnType<typeof Tasks.report>>;

/** Polls the callee's record of `tag` until `ok` holds, for at most `ms` (null: it never did). */
async function seenWithin(ctx: Context, tag: string, ms: number, ok: (s: Seen) => boolean): Promise<Seen | null> {
  const tasks = ctx.import<typeof Tasks>(TASKS);
  const until = Date.now() + ms;
  for (;;) {
    const s = await tasks.report(tag);
    if (s !== null && ok(s)) return s;
    if (Date.now() > until) return null;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `start`, returning its rejection and how long it took to come. */
async function timedRejection(start: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    await start();
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
  throw new Error('the call resolved; it should have been given up');
}

async function expectTimeoutReachesCallee(ctx: Context, tag: string): Promise<void> {
  const { error, ms } = await timedRejection(() => ctx.with({ timeout: 300 }).import<typeof Tasks>(TASKS).sleepLong(tag));
  const gaveUpAt = Date.now();
  expect(error).toBeInstanceOf(TimeoutError);
  expect((error as Error).message).toMatch(/cancel-tasks\.ts#sleepLong in context '.+' timed out after 300 ms/);
  expect((error as Error).message).toContain(`'${ctx.name}'`);
  expect(ms).toBeGreaterThanOrEqual(290);
  expect(ms).toBeLessThan(800);
  const seen = await seenWithin(ctx, tag, 500, (s) => s.abortedAfter !== null);
  expect(seen, 'the callee saw its signal abort within 500 ms').not.toBeNull();
  expect(seen!.reason!.name).toBe('TimeoutError');
  expect(seen!.deadline).not.toBeNull();
  expect(Date.now() - gaveUpAt).toBeLessThan(500);
  // Still answering.
  await expect(ctx.call('node:os', 'platform')).resolves.toBe(process.platform);
}

async function expectAbortReachesCallee(ctx: Context | CallView, tag: string, target: Context): Promise<void> {
  const controller = new AbortController();
  const reason = new Error('the user went away');
  setTimeout(() => controller.abort(reason), 200);
  const { error, ms } = await timedRejection(() => ctx.with({ signal: controller.signal }).call(TASKS, 'sleepLong', tag));
  expect(error).toBe(reason);
  expect(ms).toBeLessThan(800);
  const seen = await seenWithin(target, tag, 500, (s) => s.abortedAfter !== null);
  expect(seen, 'the callee saw its signal abort within 500 ms').not.toBeNull();
  expect(seen!.reason!.name).toBe('AbortError');
  expect(seen!.reason!.message).toContain('the user went away');
  expect(seen!.deadline).toBeNull();
  await expect(target.call('node:os', 'platform')).resolves.toBe(process.platform);
}

describe('call options: timeouts and aborts reach the callee', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('timeout: TimeoutError naming module#fn and the context; the callee signal aborts', async () => {
    await expectTimeoutReachesCallee(await fx.shared(), 'direct-timeout');
  });

  it('AbortSignal: rejects with signal.reason; the callee signal aborts', async () => {
    const ctx = await fx.shared();
    await expectAbortReachesCallee(ctx, 'direct-abort', ctx);
  });

  it('an AbortSignal already aborted: rejects at once with its reason, nothing runs', async () => {
    const ctx = await fx.shared();
    const signal = AbortSignal.abort();
    await expect(ctx.with({ signal }).call(TASKS, 'sleepLong', 'never')).rejects.toBe(signal.reason);
    expect((signal.reason as Error).name).toBe('AbortError');
    await expect(ctx.import<typeof Tasks>(TASKS).report('never')).resolves.toBeNull();
  });

  it('through a 3-deep via= chain, for a timeout and an abort', async () => {
    const a = await fx.local({ name: 'via-a' });
    const b = await fx.router.local({ name: 'via-b', via: a });
    const c = await fx.router.local({ name: 'via-c', via: b });
    await expectTimeoutReachesCallee(c, 'deep-timeout');
    await expectAbortReachesCallee(c, 'deep-abort', c);
  });

  it('a call made by code in a child, with a timeout, reaches its own callee', async () => {
    const a = await fx.router.local({ name: 'caller-a' });
    const b = await fx.router.local({ name: 'callee-b', via: a });
    const said = await a.import<typeof Tasks>(TASKS).callOnWithTimeout(b, 'from-child', 300);
    expect(said).toMatch(/^TimeoutError: .*#sleepLong in context 'callee-b' timed out after 300 ms$/);
    const seen = await seenWithin(b, 'from-child', 500, (s) => s.abortedAfter !== null);
    expect(seen?.caller).toBe(a.id);
    expect(seen?.reason?.name).toBe('TimeoutError');
  });

  it('concurrent calls each see their own currentCall()', async () => {
    const ctx = await fx.shared();
    const tasks = ctx.import<typeof Tasks>(TASKS);
    const timed = ctx.with({ timeout: 5000 }).import<typeof Tasks>(TASKS);
    const before = Date.now();
    const results = await Promise.all([
      tasks.ownCall('own-a', 80),
      timed.ownCall('own-b', 40),
      tasks.ownCall('own-c', 10),
      timed.ownCall('own-d', 60),
    ]);
    expect(results.map((r) => r.tag)).toEqual(['own-a', 'own-b', 'own-c', 'own-d']);
    expect(results.map((r) => r.deadline === null)).toEqual([true, false, true, false]);
    for (const r of results) expect(r.sameSignal).toBe(true);
    expect(results[1]!.deadline!).toBeGreaterThanOrEqual(before + 4000);
  });

  it('ctx.import(module, { timeout }) gives a proxy whose calls time out', async () => {
    const ctx = await fx.shared();
    const tasks = ctx.import<typeof Tasks>(TASKS, { timeout: 200 });
    await expect(tasks.sleepLong('import-opts')).rejects.toThrow(/#sleepLong in context 'shared' timed out after 200 ms/);
    expect((await seenWithin(ctx, 'import-opts', 500, (s) => s.abortedAfter !== null))?.reason?.name).toBe('TimeoutError');
  });

  it('callAsync through a view: the receiver fails with a TimeoutError saying why; the callee is told', async () => {
    const ctx = await fx.shared();
    const receiver = ctx.with({ timeout: 200 }).callAsync(TASKS, 'sleepLong', 'async-timeout');
    const error = await receiver.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(receiver.state).toBe('dead');
    expect((error as Error).message).toMatch(/#sleepLong in context 'shared' timed out after 200 ms/);
    expect((await seenWithin(ctx, 'async-timeout', 500, (s) => s.abortedAfter !== null))?.reason?.name).toBe('TimeoutError');
    // A reply that comes first wins; the timer then does nothing.
    const quick = ctx.with({ timeout: 200 }).callAsync('node:os', 'platform');
    await new Promise((r) => setTimeout(r, 300));
    await expect(quick.get().then((m) => m.decode())).resolves.toBe(process.platform);
  });

  it('callNoReply: the timeout is the callee deadline (it aborts by itself), an abort still reaches it', async () => {
    const ctx = await fx.shared();
    ctx.with({ timeout: 200 }).callNoReply(TASKS, 'sleepLong', 'noreply-deadline');
    const byItself = await seenWithin(ctx, 'noreply-deadline', 1000, (s) => s.abortedAfter !== null);
    expect(byItself?.reason?.name).toBe('TimeoutError');
    expect(byItself?.reason?.message).toMatch(/passed its deadline/);
    const controller = new AbortController();
    ctx.with({ signal: controller.signal }).callNoReply(TASKS, 'sleepLong', 'noreply-abort');
    await seenWithin(ctx, 'noreply-abort', 1000, () => true);
    controller.abort();
    expect((await seenWithin(ctx, 'noreply-abort', 500, (s) => s.abortedAfter !== null))?.reason?.name).toBe('AbortError');
  });

  it('a context that dies still rejects a call with options with ChannelError, and its timer is gone', async () => {
    const ctx = await fx.local({ name: 'killed-callee' });
    const controller = new AbortController();
    const pending = ctx.with({ timeout: 3000, signal: controller.signal }).call(TASKS, 'sleepLong', 'killed');
    await seenWithin(ctx, 'killed', 2000, () => true);
    process.kill(fx.pidOf(ctx), 'SIGKILL');
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelError);
    // Aborting afterwards changes nothing (the call is settled, its watch removed).
    controller.abort();
    await expect(ctx.with({ timeout: 100 }).call('node:os', 'platform')).rejects.toBeInstanceOf(ChannelError);
  });

  it('a result that arrives after the caller gave up is dropped quietly', async () => {
    const ctx = await fx.shared();
    const logsBefore = fx.logs.length;
    await expect(ctx.with({ timeout: 150 }).call(TASKS, 'sleepThenReturn', 'late', 500)).rejects.toBeInstanceOf(TimeoutError);
    const seen = await seenWithin(ctx, 'late', 2000, (s) => s.finished);
    expect(seen?.abortedAfter).not.toBeNull();
    await expect(ctx.call('node:os', 'platform')).resolves.toBe(process.platform);
    const noisy = fx.logs.slice(logsBefore).filter((r) => r.level === 'warn' || r.level === 'error');
    expect(noisy).toEqual([]);
  });
});

describe('pipelined chains and cancellation', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('a call given up fails the chain: queued calls never run, later calls fail until reset()', async () => {
    const ctx = await fx.shared();
    const chain = ctx.with({ timeout: 300 }).chain({ pipelined: true });
    const first = chain.call(TASKS, 'sleepLong', 'chain-1');
    const queued = chain.call(TASKS, 'sleepThenReturn', 'chain-2', 10);
    await expect(first).rejects.toBeInstanceOf(TimeoutError);
    await expect(queued).rejects.toBeInstanceOf(TimeoutError);
    // The first one's signal aborted; the second never started.
    expect(await seenWithin(ctx, 'chain-1', 500, (s) => s.abortedAfter !== null)).not.toBeNull();
    await expect(ctx.import<typeof Tasks>(TASKS).report('chain-2')).resolves.toBeNull();
    const later = await chain.call('node:os', 'platform').catch((e: unknown) => e);
    expect(later).toBeInstanceOf(CallError);
    expect((later as CallError).remoteType).toBe('TimeoutError');
    expect((later as CallError).message).toMatch(/sleepLong/);
    chain.reset();
    await expect(chain.call('node:os', 'platform')).resolves.toBe(process.platform);
  });
});
