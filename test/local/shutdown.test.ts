// Lifecycle and shutdown against real children: a killed child fails its pending calls at
// once; shutdown() ends children whatever user code does (busy loop, blocked in execSync);
// state$ / contexts$ follow; `await using` disposes.
import { describe, expect, it, vi } from 'vitest';
import { ChannelError, Receiver, Router, StreamError, type Context, type ContextState } from '../../src/index.js';
import { commandLine, descendantsOf, isGone, waitFor, waitGone } from '../support/processes.js';
import { runInChild, withRouter } from '../support/router.js';
import { rejectionOf } from '../support/errors.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether `p` settled by the time already-queued I/O callbacks and timers ran ("at once"). */
async function settledAtOnce(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  await new Promise((r) => setImmediate(r));
  return settled;
}

/** The node processes (`-e` first stages) this process started since `before`, polled each loop turn until one shows up (10 s at most). */
async function spawnedSince(before: Set<number>): Promise<number[]> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const spawned = descendantsOf(process.pid).filter((p) => !before.has(p) && commandLine(p).includes('-e'));
    if (spawned.length > 0 || performance.now() > deadline) return spawned;
    await new Promise((r) => setImmediate(r));
  }
}

/** Records the states a context goes through, from now on. */
function recordStates(ctx: Context): ContextState[] {
  const states: ContextState[] = [];
  ctx.state$.subscribe((s) => states.push(s));
  return states;
}

describe('a child killed while a call is pending', () => {
  const fx = withRouter();

  it('the call rejects with ChannelError within 1 s, the context is dead, later calls reject at once', async () => {
    const ctx = await fx.local({ name: 'victim' });
    const pid = fx.pidOf(ctx);
    const states = recordStates(ctx);
    const downs: string[] = [];
    const sub = fx.router.contexts$.subscribe((e) => e.type === 'down' && downs.push(e.context.name));
    let rejectedAt = 0;
    const pending = runInChild(ctx, 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000)').catch((e) => {
      rejectedAt = performance.now();
      return e;
    });
    const busy = rejectionOf(runInChild(ctx, 'while (true) {}'));
    await sleep(100);
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    const err = await pending;
    expect(err).toBeInstanceOf(ChannelError);
    expect(rejectedAt - killedAt).toBeLessThan(1000);
    expect(await busy).toBeInstanceOf(ChannelError);
    expect(ctx.state).toBe('dead');
    expect(ctx.deadReason).toBeTruthy();
    expect(states[0]).toBe('running');
    expect(states.at(-1)).toBe('dead');
    expect(downs).toEqual(['victim']);
    sub.unsubscribe();
    // An unexpected death is logged with its reason.
    expect(fx.logs.filter((r) => r.source === 'tendril' && r.level === 'warn').map((r) => r.message)).toContainEqual(
      expect.stringContaining("lost context 'victim'"),
    );

    const later = ctx.call('node:os', 'hostname');
    expect(await settledAtOnce(later)).toBe(true);
    await expect(later).rejects.toBeInstanceOf(ChannelError);
    const laterMsg = ctx.sendAsync({ handle: 1000, data: 1 }).get();
    expect(await settledAtOnce(laterMsg)).toBe(true);
    await expect(laterMsg).rejects.toBeInstanceOf(ChannelError);
    expect(fx.router.childPids().has(ctx.id)).toBe(false);
  });

  it('a receiver whose respondent dies gets one dead message', async () => {
    const ctx = await fx.local({ name: 'respondent' });
    const r = new Receiver(fx.router, { respondent: ctx });
    const got = r.get();
    process.kill(fx.pidOf(ctx), 'SIGKILL');
    const err = await rejectionOf(got);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err.reason).toMatch(/dead/);
    expect(r.state).toBe('dead');
    // A receiver made afterwards for the dead context ends at once.
    const late = new Receiver(fx.router, { respondent: ctx });
    await expect(late.get()).rejects.toBeInstanceOf(ChannelError);
  });

  it('the other children are not affected', async () => {
    const [a, b] = await Promise.all([fx.local({ name: 'a' }), fx.local({ name: 'b' })]);
    process.kill(fx.pidOf(a), 'SIGKILL');
    await a.whenDead();
    await expect(b.call('node:os', 'hostname')).resolves.toBeTypeOf('string');
    expect(b.state).toBe('running');
  });
});

describe('shutdown', () => {
  const fx = withRouter({ shutdownTimeout: 1000 });

  it('a remote busy loop does not stop router.shutdown(): the child is gone within shutdownTimeout + 1 s', async () => {
    const ctx = await fx.local({ name: 'spinner' });
    const pid = fx.pidOf(ctx);
    const pending = rejectionOf(runInChild(ctx, 'while (true) {}'));
    await sleep(150);
    const start = performance.now();
    await fx.router.shutdown();
    await waitGone(pid, 2000 - (performance.now() - start));
    expect(await pending).toBeInstanceOf(ChannelError);
    expect(ctx.state).toBe('dead');
  });

  it('a child blocked in execSync(sleep 30) exits within the grace period, and so does its sleep', async () => {
    const ctx = await fx.local({ name: 'sleeper' });
    const pid = fx.pidOf(ctx);
    const pending = rejectionOf(runInChild(ctx, "require('child_process').execSync('sleep 30')"));
    let sleepPid = 0;
    await waitFor(() => {
      sleepPid = descendantsOf(pid).find((p) => commandLine(p).includes('sleep 30')) ?? 0;
      return sleepPid !== 0;
    }, 10_000, 'the sleep to start');
    const start = performance.now();
    await fx.router.shutdown();
    await waitGone([pid, sleepPid], 2000 - (performance.now() - start));
    expect(await pending).toBeInstanceOf(ChannelError);
  });

  it('ctx.shutdown({ wait: true }): running → draining → dead, announced on contexts$, later calls fail at once', async () => {
    const events: string[] = [];
    const sub = fx.router.contexts$.subscribe((e) => events.push(`${e.type}:${e.context.name}`));
    const ctx = await fx.local({ name: 'polite' });
    const states = recordStates(ctx);
    let completed = false;
    ctx.state$.subscribe({ complete: () => (completed = true) });
    const pid = fx.pidOf(ctx);
    await ctx.call('node:os', 'hostname');
    await ctx.shutdown({ wait: true });
    expect(ctx.state).toBe('dead');
    expect(states).toEqual(['running', 'draining', 'dead']);
    expect(completed).toBe(true);
    await waitGone(pid, 3000);
    expect(events).toEqual(['up:polite', 'down:polite']);
    // A requested shutdown is no reason for a warning.
    expect(fx.logs.filter((r) => r.source === 'tendril' && r.level !== 'debug')).toEqual([]);
    sub.unsubscribe();
    const later = ctx.call('node:os', 'hostname');
    expect(await settledAtOnce(later)).toBe(true);
    await expect(later).rejects.toBeInstanceOf(ChannelError);
  });

  it('state$ of a new context starts with the bootstrap states', async () => {
    const seen: ContextState[] = [];
    const sub = fx.router.contexts$.subscribe(() => undefined);
    const p = fx.local({ name: 'watched' });
    // The Context exists as soon as local() was called.
    const ctx = fx.router.contextById(fx.router.childPids().size + 1);
    expect(ctx?.name).toBe('watched');
    ctx!.state$.subscribe((s) => seen.push(s));
    expect(await p).toBe(ctx);
    await ctx!.shutdown({ wait: true });
    sub.unsubscribe();
    expect(seen).toEqual(['connecting', 'bootstrapping', 'running', 'draining', 'dead']);
  });

  it('shutdown() is idempotent, resolves once every child is gone, and refuses new connections', async () => {
    const [a, b] = await Promise.all([fx.local({ name: 'one' }), fx.local({ name: 'two' })]);
    const pids = [fx.pidOf(a), fx.pidOf(b)];
    const s1 = fx.router.shutdown();
    const s2 = fx.router.shutdown();
    expect(s2).toBe(s1);
    await s1;
    expect([a.state, b.state]).toEqual(['dead', 'dead']);
    await waitGone(pids, 2000);
    await expect(fx.router.local({ name: 'too-late' })).rejects.toBeInstanceOf(StreamError);
    await expect(fx.router.shutdown()).resolves.toBeUndefined();
  });

  it('shutdown() during a connection: the connection is settled and its child gone when shutdown() resolves', async () => {
    const warn = vi.spyOn(console, 'warn');
    const errors = vi.spyOn(console, 'error');
    try {
      const connecting = fx.router.local({ name: 'midway' });
      let settled = false;
      connecting.then(() => (settled = true), () => (settled = true));
      await fx.router.shutdown();
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(true);
      const outcome = await connecting.then((ctx) => ctx, (e: Error) => e);
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(StreamError);
        expect(outcome.message).toMatch(/shutting down/);
      } else {
        expect(outcome.state).toBe('dead');
      }
      expect(fx.router.childPids().size).toBe(0);
      // No complaint from the machines about events sent to stopped actors.
      const complaints = [...warn.mock.calls, ...errors.mock.calls].map((c) => String(c[0])).filter((m) => /stopped actor/.test(m));
      expect(complaints).toEqual([]);
    } finally {
      warn.mockRestore();
      errors.mockRestore();
    }
  });

  it('shutdown() right after local() started leaves no process behind', async () => {
    const before = new Set(descendantsOf(process.pid));
    const connecting = fx.router.local({ name: 'midway-2' });
    let settled = false;
    connecting.then(() => (settled = true), () => (settled = true));
    // Let the spawn happen, but not the whole bootstrap: shut down as soon as the process is seen.
    const spawned = await spawnedSince(before);
    expect(spawned.length).toBeGreaterThan(0);
    expect(settled).toBe(false);
    await fx.router.shutdown();
    await connecting.catch(() => undefined);
    await waitGone(spawned, 2000);
  });

  it('router.disconnect() kills the child and fails its calls', async () => {
    const ctx = await fx.local({ name: 'cut' });
    const pid = fx.pidOf(ctx);
    const pending = rejectionOf(runInChild(ctx, 'while (true) {}'));
    await sleep(50);
    fx.router.disconnect(ctx);
    expect(await pending).toBeInstanceOf(ChannelError);
    expect(ctx.state).toBe('dead');
    await waitGone(pid, 2000);
  });
});

describe('force', () => {
  const fx = withRouter({ shutdownTimeout: 1000 });

  it('router.disconnect() of a child blocked in execSync leaves no grandchild behind', async () => {
    const ctx = await fx.local({ name: 'cut-sleeper' });
    const pid = fx.pidOf(ctx);
    const pending = rejectionOf(runInChild(ctx, "require('child_process').execSync('sleep 29')"));
    let sleepPid = 0;
    await waitFor(() => {
      sleepPid = descendantsOf(pid).find((p) => commandLine(p).includes('sleep 29')) ?? 0;
      return sleepPid !== 0;
    }, 10_000, 'the sleep to start');
    fx.router.disconnect(ctx);
    expect(await pending).toBeInstanceOf(ChannelError);
    await waitGone([pid, sleepPid], 2000);
  });
});

describe('await using', () => {
  it('a Router declared with `await using` shuts its children down at the end of the block', async () => {
    let ctx: Context;
    let pid: number;
    {
      await using router = new Router({ printLogs: false, shutdownTimeout: 1000 });
      ctx = await router.local({ name: 'scoped' });
      pid = router.childPids().get(ctx.id)!;
      expect(isGone(pid)).toBe(false);
      await ctx.call('node:os', 'hostname');
    }
    expect(ctx.state).toBe('dead');
    await waitGone(pid, 2000);
  });
});
