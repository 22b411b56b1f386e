// Death reasons a person can act on (API.md, ctx.deadReason), against real processes: the
// child's own report of an uncaught error (with the .ts line it was thrown at) or of
// process.exit(n), a signal, missed heartbeats, a dead parent. The same words are in the
// ChannelError of calls pending on the dead context and in a Supervisor's lastError.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChannelError, Supervisor, type Context } from '../../src/index.js';
import { isGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import { rejectionOf } from '../support/errors.js';

const TASKS = new URL('../fixtures/deaths/tasks.ts', import.meta.url);

/** The 1-based line of the fixture that carries `marker` (where the error is thrown). */
function lineOf(marker: string): number {
  const lines = readFileSync(TASKS, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes(`death-reasons: ${marker}`));
  if (at < 0) throw new Error(`no line marked '${marker}' in ${TASKS.pathname}`);
  return at + 1;
}

/** A call that stays pending until the context dies; resolves with what it rejected with. */
function pendingCall(ctx: Context): Promise<unknown> {
  return ctx.call(TASKS, 'hang', 60_000).then(
    () => new Error('the pending call resolved'),
    (e: unknown) => e,
  );
}

/** Waits for the context's death; the reason, once dead. */
async function reasonOf(ctx: Context): Promise<string | null> {
  await ctx.whenDead();
  return ctx.deadReason;
}

describe('why a context died', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it("process.exit(7) in user code: 'exited with code 7', also in the ChannelError of a pending call", async () => {
    const ctx = await fx.local({ name: 'exits' });
    const pending = pendingCall(ctx);
    expect(await ctx.call(TASKS, 'exitLater', 7)).toBe('armed');
    expect(await reasonOf(ctx)).toBe('exited with code 7');
    const err = await pending;
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).message).toBe("context 'exits' (#" + ctx.id + ') is dead: exited with code 7');
  });

  it("SIGKILL: 'killed by SIGKILL', also in the ChannelError of a pending call", async () => {
    const ctx = await fx.local({ name: 'victim' });
    const pending = pendingCall(ctx);
    await ctx.call('node:os', 'hostname');
    process.kill(fx.pidOf(ctx), 'SIGKILL');
    expect(await reasonOf(ctx)).toBe('killed by SIGKILL');
    const err = await pending;
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).message).toContain('is dead: killed by SIGKILL');
  });

  it('an uncaught throw in a timer of a served module names the error and its tasks.ts line', async () => {
    const ctx = await fx.local({ name: 'thrower' });
    const pending = pendingCall(ctx);
    await ctx.call(TASKS, 'throwInTimer', 'boom');
    const expected = `uncaught TypeError: boom (tasks.ts:${lineOf('uncaught')})`;
    expect(await reasonOf(ctx)).toBe(expected);
    const err = await pending;
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).message).toContain(`is dead: ${expected}`);
    // The child's own log still carries the whole stack.
    expect(fx.logs.some((r) => r.contextName === 'thrower' && r.message.includes('TypeError: boom'))).toBe(true);
  });

  it('an unhandled rejection names the error and its line; a rejection with a non-Error names the value', async () => {
    const ctx = await fx.local({ name: 'rejecter' });
    await ctx.call(TASKS, 'rejectUnhandled', 'nope');
    expect(await reasonOf(ctx)).toBe(`unhandled rejection RangeError: nope (tasks.ts:${lineOf('unhandled')})`);
    const other = await fx.local({ name: 'rejects-a-string' });
    await other.call(TASKS, 'rejectWithString', 'plain words');
    const reason = await reasonOf(other);
    expect(reason).toMatch(/^unhandled rejection of a non-Error value/);
    expect(reason).toContain('plain words');
  });

  it("a frozen child (SIGSTOP) with a short heartbeat: 'no heartbeat from <name> for N ms'", async () => {
    const ctx = await fx.local({ name: 'frozen', heartbeatInterval: 200, heartbeatMisses: 2 });
    const pid = fx.pidOf(ctx);
    const pending = pendingCall(ctx);
    process.kill(pid, 'SIGSTOP');
    try {
      expect(await reasonOf(ctx)).toMatch(/^no heartbeat from frozen for \d+ ms$/);
      const err = await pending;
      expect(err).toBeInstanceOf(ChannelError);
      expect((err as ChannelError).message).toMatch(/is dead: no heartbeat from frozen for \d+ ms$/);
    } finally {
      if (!isGone(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it("a grandchild whose parent is SIGKILLed: \"parent context 'bastion' died: killed by SIGKILL\"", async () => {
    const bastion = await fx.local({ name: 'bastion' });
    const web = await fx.router.local({ name: 'web', via: bastion });
    const below = await fx.router.local({ name: 'below', via: web });
    const pending = pendingCall(below);
    await below.call('node:os', 'hostname');
    process.kill(fx.pidOf(bastion), 'SIGKILL');
    expect(await reasonOf(bastion)).toBe('killed by SIGKILL');
    expect(await reasonOf(web)).toBe("parent context 'bastion' died: killed by SIGKILL");
    expect(await reasonOf(below)).toBe("parent context 'web' died: parent context 'bastion' died: killed by SIGKILL");
    const err = await pending;
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).message).toContain("parent context 'web' died: parent context 'bastion' died: killed by SIGKILL");
  });

  it('a grandchild that throws uncaught: its parent reports the words up, and stays up', async () => {
    const bastion = await fx.local({ name: 'bastion' });
    const web = await fx.router.local({ name: 'web', via: bastion });
    await web.call(TASKS, 'throwInTimer', 'deep down');
    expect(await reasonOf(web)).toBe(`uncaught TypeError: deep down (tasks.ts:${lineOf('uncaught')})`);
    expect(bastion.state).toBe('running');
    expect(await bastion.call('node:os', 'hostname')).toBeTruthy();
  });

  it("an intermediate that exits: its children die of it (\"parent context 'bastion' died: exited with code 3\")", async () => {
    const bastion = await fx.local({ name: 'bastion' });
    const web = await fx.router.local({ name: 'web', via: bastion });
    await bastion.call(TASKS, 'exitLater', 3);
    expect(await reasonOf(bastion)).toBe('exited with code 3');
    expect(await reasonOf(web)).toBe("parent context 'bastion' died: exited with code 3");
  });

  it('an uncaught exception that user code handles itself is no death: a later exit still reads as one', async () => {
    const ctx = await fx.local({ name: 'survivor' });
    await ctx.call(TASKS, 'swallowUncaught');
    await ctx.call(TASKS, 'throwInTimer', 'handled');
    for (let i = 0; i < 200 && (await ctx.call(TASKS, 'swallowedCount')) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await ctx.call(TASKS, 'swallowedCount')).toBe(1);
    expect(ctx.state).toBe('running');
    await ctx.call(TASKS, 'exitLater', 3);
    expect(await reasonOf(ctx)).toBe('exited with code 3');
  });

  it('a requested shutdown reads as one, not as a loss', async () => {
    const ctx = await fx.local({ name: 'polite' });
    await ctx.shutdown({ wait: true });
    // The lifecycle records the request when draining starts; the parent side says the same.
    expect(ctx.deadReason).toBe('shutdown requested');
    expect(fx.logs.some((r) => r.message.includes("lost context 'polite'"))).toBe(false);
  });

  it("a Supervisor's lastError carries the reason", async () => {
    const sup = new Supervisor(fx.router, {
      backoff: { min: 50, max: 100 },
      children: [{ id: 't', start: (r) => r.local({ name: 't' }) }],
    });
    try {
      const first = await sup.whenUp('t');
      await first.call(TASKS, 'throwInTimer', 'supervised');
      await first.whenDead();
      const second = await sup.whenUp('t', { timeout: 10_000 });
      expect(second.id).not.toBe(first.id);
      expect(sup.state.children.t!.lastError).toContain(`uncaught TypeError: supervised (tasks.ts:${lineOf('uncaught')})`);
    } finally {
      await sup.shutdown();
    }
  });

  it('a call to a context already dead rejects at once with the reason', async () => {
    const ctx = await fx.local({ name: 'gone' });
    await ctx.call(TASKS, 'exitLater', 9);
    await ctx.whenDead();
    const err = await rejectionOf(ctx.call('node:os', 'hostname'));
    expect(err).toBeInstanceOf(ChannelError);
    expect(err.message).toContain('exited with code 9');
  });
});

describe('default names', () => {
  const fx = withRouter();

  it('a local context is local.<id>, from the master, via another context, and started by code in a child', async () => {
    const first = await fx.local();
    expect(first.name).toBe(`local.${first.id}`);
    const via = await fx.router.local({ via: first });
    expect(via.name).toBe(`local.${via.id}`);
    const [id, name] = (await first.call(TASKS, 'startUnnamedChild')) as [number, string];
    expect(id).not.toBe(via.id);
    expect(name).toBe(`local.${id}`);
    expect(fx.router.contextById(id)?.name).toBe(name);
  });
});
