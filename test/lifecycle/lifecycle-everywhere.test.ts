// The lifecycle as it really happens, against real processes, in the master and in children:
// connecting -> bootstrapping -> running -> draining -> dead for direct, via= and remotely
// created contexts; a call or a receiver in a child settles when the context it waits on dies;
// contexts$ never announces a dead context as up.
import { describe, expect, it } from 'vitest';
import { Router, Supervisor, type Context, type ContextEventRecord } from '../../src/index.js';
import { withRouter } from '../support/router.js';
import type * as Lifecycle from '../fixtures/lifecycle-tasks.js';
import type * as TreeTasks from '../fixtures/tree-tasks.js';

const lifecycleUrl = new URL('../fixtures/lifecycle-tasks.ts', import.meta.url);
const treeUrl = new URL('../fixtures/tree-tasks.ts', import.meta.url);
const life = (ctx: Context) => ctx.import<typeof Lifecycle>(lifecycleUrl);
const tree = (ctx: Context) => ctx.import<typeof TreeTasks>(treeUrl);

const FULL = ['connecting', 'bootstrapping', 'running', 'draining', 'dead'];
const UP = ['connecting', 'bootstrapping', 'running'];

/** Records, in the master, the states of every context by name from now on. */
function record(router: Router): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  router.lifecycles$.subscribe((c) => {
    const list = seen.get(c.context.name) ?? [];
    list.push(c.state);
    seen.set(c.context.name, list);
  });
  return seen;
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('lifecycle everywhere', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('a direct child walks the whole lifecycle, as state$ and lifecycles$ show it', async () => {
    const seen = record(fx.router);
    const ctx = await fx.local({ name: 'direct' });
    const viaState$: string[] = [];
    ctx.state$.subscribe((s) => viaState$.push(s));
    await ctx.shutdown({ wait: true });
    expect(seen.get('direct')).toEqual(FULL);
    expect(viaState$).toEqual(['running', 'draining', 'dead']);
    expect(ctx.deadReason).toBe('shutdown requested');
  });

  it('a via= context walks the whole lifecycle in the master, draining included when the router shuts down', async () => {
    const seen = record(fx.router);
    const bastion = await fx.local({ name: 'bastion' });
    const inner = await fx.router.local({ name: 'inner', via: bastion });
    expect(inner.state).toBe('running');
    expect(seen.get('inner')).toEqual(UP);
    await fx.router.shutdown();
    expect(seen.get('bastion')).toEqual(FULL);
    expect(seen.get('inner')).toEqual(FULL);
  });

  it('a context created by code in a child walks the whole lifecycle, in the master and in that child', async () => {
    const seen = record(fx.router);
    const a = await fx.local({ name: 'a' });
    const remote = await life(a).startRecorded('remote');
    expect(remote.state).toBe('running');
    expect(seen.get('remote')).toEqual(UP);
    expect(await life(a).recorded('remote')).toEqual(UP);
    await remote.shutdown({ wait: true });
    expect(seen.get('remote')).toEqual(FULL);
    await until(async () => (await life(a).recorded('remote')).length === FULL.length);
    expect(await life(a).recorded('remote')).toEqual(FULL);
  });

  it("a child's call into its grandchild rejects with ChannelError within 1 s of the grandchild's SIGKILL; the child sees it dead", async () => {
    const a = await fx.local({ name: 'a' });
    const g = await tree(a).spawnChild('g');
    const { pid } = await tree(g).identity();
    await life(a).callForever('call', g);
    await life(a).awaitFrom('wait', g);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    for (const key of ['call', 'wait']) {
      const end = await life(a).outcome(key, 3000);
      expect(end.outcome, key).toBe('rejected');
      expect(end.name, key).toBe('ChannelError');
      expect(end.message, key).toContain('killed by SIGKILL');
      expect(end.settledAt - killedAt, key).toBeLessThan(1000);
    }
    expect(await life(a).seen(g.id)).toEqual({ state: 'dead', reason: 'killed by SIGKILL' });
    expect(g.deadReason).toBe('killed by SIGKILL');
  });

  it('contexts$ never announces a dead context as up (an intermediate killed with a child)', async () => {
    const events: ContextEventRecord[] = [];
    const a = await fx.local({ name: 'a' });
    const b = await fx.router.local({ name: 'b', via: a });
    fx.router.contexts$.subscribe((e) => events.push(e));
    process.kill(fx.pidOf(a), 'SIGKILL');
    await until(() => a.state === 'dead' && b.state === 'dead');
    await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => `${e.type} ${e.context.name}`)).toEqual(['down a', 'down b']);
    expect(b.deadReason).toBe("parent context 'a' died: killed by SIGKILL");
  });

  it('the master inspects the actor tree: contexts and streams, with parent links that mirror routing', async () => {
    const events: { type: string; id: string; parent: string | undefined; value?: unknown }[] = [];
    const router = fx.track(
      new Router({
        printLogs: false,
        shutdownTimeout: 2000,
        inspect: (e) => {
          const ref = e.actorRef as unknown as { id: string; _parent?: { id: string } };
          const value = e.type === '@xstate.snapshot' ? (e.snapshot as { value?: unknown }).value : undefined;
          events.push({ type: e.type, id: ref.id, parent: ref._parent?.id, value });
        },
      }),
    );
    const a = await router.local({ name: 'a' });
    const b = await router.local({ name: 'b', via: a });
    const actors = events.filter((e) => e.type === '@xstate.actor');
    const root = actors.find((e) => e.parent === undefined);
    expect(root).toBeDefined();
    expect(actors).toContainEqual({ type: '@xstate.actor', id: `ctx-${a.id}`, parent: root!.id, value: undefined });
    expect(actors).toContainEqual({ type: '@xstate.actor', id: `ctx-${b.id}`, parent: `ctx-${a.id}`, value: undefined });
    expect(actors).toContainEqual({ type: '@xstate.actor', id: `stream-${a.id}`, parent: `ctx-${a.id}`, value: undefined });
    const bStates = events.filter((e) => e.type === '@xstate.snapshot' && e.id === `ctx-${b.id}`).map((e) => e.value);
    expect([...new Set(bStates)]).toEqual(['connecting', 'bootstrapping', 'running']);
    // router.inspect() added later sees what happens from then on.
    const later: string[] = [];
    router.inspect((e) => void (e.type === '@xstate.snapshot' && later.push((e.actorRef as unknown as { id: string }).id)));
    await router.shutdown();
    expect(later).toContain(`ctx-${b.id}`);
  });
});

describe('router.dump()', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('shows every context with its state, stream, pending calls and death reason, and the supervisors', async () => {
    const a = await fx.local({ name: 'a' });
    const b = await fx.router.local({ name: 'b', via: a });
    const slow = a.call('node:timers/promises', 'setTimeout', 60_000);
    slow.catch(() => undefined);
    const inspected: string[] = [];
    fx.router.inspect((e) => {
      if (e.type === '@xstate.snapshot') inspected.push((e.actorRef as unknown as { logic: { id?: string } }).logic.id ?? '');
    });
    const sup = new Supervisor(fx.router, { children: [{ id: 'w', start: (r) => r.local({ name: 'w' }) }] });
    await sup.whenUp('w');
    // router.inspect() sees the supervisor's actor as well as the contexts'.
    expect(inspected).toContain('supervisor');
    expect(inspected).toContain('context');
    await new Promise((r) => setTimeout(r, 50));
    const d = fx.router.dump();
    expect(d.contexts.id).toBe(0);
    const da = d.contexts.children.find((c) => c.name === 'a')!;
    expect(da).toMatchObject({ id: a.id, state: 'running', stream: 'running', deadReason: null, receivers: 0 });
    expect(da.pendingCalls).toHaveLength(1);
    expect(da.pendingCalls[0]!.call).toBe('node:timers/promises#setTimeout');
    expect(da.pendingCalls[0]!.ageMs).toBeGreaterThanOrEqual(40);
    expect(da.children.map((c) => [c.name, c.state, c.stream])).toEqual([['b', 'running', null]]);
    expect(d.supervisors.map((s) => [s.children.w?.status])).toEqual([['up']]);
    process.kill(fx.pidOf(a), 'SIGKILL');
    await expect(slow).rejects.toThrow(/killed by SIGKILL/);
    expect(b.state).toBe('dead');
    const after = fx.router.dump();
    expect(after.contexts.children.find((c) => c.name === 'a')).toBeUndefined();
    await sup.shutdown();
  });
});
