// Routing security against real processes: forged sources are dropped, only parents may call,
// unidirectional routing forbids siblings, maxMessageSize holds across hops.
import { describe, expect, it } from 'vitest';
import { CallError, ChannelError, Receiver, type Context } from '../../src/index.js';
import { encode } from '../../src/core/wire/codec.js';
import { encodeFrame } from '../../src/core/wire/protocol.js';
import { withRouter } from '../support/router.js';
import type * as TreeTasks from '../fixtures/tree-tasks.js';

const tasksUrl = new URL('../fixtures/tree-tasks.ts', import.meta.url);
const tasks = (ctx: Context): ReturnType<typeof ctx.import<typeof TreeTasks>> => ctx.import<typeof TreeTasks>(tasksUrl);

describe('routing security', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('a frame with a forged srcId is dropped and logged; nothing is delivered', async () => {
    const child = await fx.local({ name: 'forger' });
    const got: unknown[] = [];
    const handle = fx.router.addHandler((m) => got.push(m.decode()));
    // Claims to come from context 777 (not behind this child's stream).
    await tasks(child).writeRawFrame(encodeFrame(0, 777, 777, handle, 0, encode('forged')));
    // A genuine message on the same stream afterwards still arrives: the stream stays up.
    await tasks(child).writeRawFrame(encodeFrame(0, child.id, child.id, handle, 0, encode('genuine')));
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(['genuine']);
    expect(fx.logs.some((r) => r.source === 'tendril' && /claiming src 777/.test(r.message))).toBe(true);
  });

  it('a child trying CALL_FUNCTION on the master or on its parent is refused; nothing runs', async () => {
    const parent = await fx.local({ name: 'p' });
    const kid = await tasks(parent).spawnChild('kid');
    // The child calls the master: the master runs nothing a child asks.
    const onMaster = await tasks(kid).callOther(fx.router.myself(), 'node:process', 'abort').catch((e: unknown) => e);
    expect(onMaster).toBeInstanceOf(CallError);
    expect((onMaster as CallError).remoteType).toBe('ChannelError');
    expect((onMaster as CallError).message).toMatch(/no handler for handle CALL_FUNCTION in context master/);
    // The grandchild calls its parent: refused by the parent-authority policy.
    const onParent = await tasks(kid).callOther(parent, 'node:process', 'abort').catch((e: unknown) => e);
    expect(onParent).toBeInstanceOf(CallError);
    expect((onParent as CallError).message).toMatch(/refused by policy of handle CALL_FUNCTION/);
    // Both still alive: nothing ran.
    expect(await parent.call('node:os', 'uptime')).toBeGreaterThan(0);
    expect(await kid.call('node:os', 'uptime')).toBeGreaterThan(0);
  });

  it('siblings: a Sender held by one delivers to a Receiver in the other; a sibling call is refused by policy', async () => {
    const s1 = await fx.local({ name: 's1' });
    const s2 = await fx.local({ name: 's2' });
    const sender = await tasks(s2).openReceiver('k');
    await tasks(s1).sendTo(sender, { hello: 'sibling' });
    expect(await tasks(s2).awaitValue('k', 5000)).toEqual({ hello: 'sibling' });
    const call = await tasks(s1).callOther(s2, 'node:os', 'uptime').catch((e: unknown) => e);
    expect(call).toBeInstanceOf(CallError);
    expect((call as CallError).message).toMatch(/refused by policy/);
  });

  it('maxMessageSize is inherited: a grandchild sending 8 KiB upward gets the limit error', async () => {
    const router = fx.track(new (await import('../../src/index.js')).Router({ maxMessageSize: 4096, printLogs: false, shutdownTimeout: 2000 }));
    const a = await router.local({ name: 'small-a' });
    const g = await router.local({ name: 'small-g', via: a });
    const r = new Receiver(router);
    const small = g.import<typeof import('../fixtures/send-big.js')>(new URL('../fixtures/send-big.ts', import.meta.url));
    const err = await small.sendBig(r.toSender(), 8192).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).message).toMatch(/exceeds maxMessageSize 4096/);
    await small.sendBig(r.toSender(), 100);
    expect(((await r.get({ timeout: 5000 })).decode() as Uint8Array).byteLength).toBe(100);
  });
});

describe('unidirectional routing', () => {
  const fx = withRouter({ shutdownTimeout: 2000, unidirectional: true });

  it('a message from one child to its sibling fails with an error saying routing forbids it', async () => {
    const s1 = await fx.local({ name: 'u1' });
    const s2 = await fx.local({ name: 'u2' });
    const sender = await tasks(s2).openReceiver('k');
    // A message that asks for a reply gets the dead reply with the reason.
    const err = await tasks(s1).sendToHandle(s2, sender.handle, 'hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).remoteType).toBe('ChannelError');
    expect((err as CallError).message).toMatch(/forbidden: unidirectional routing/);
    const call = await tasks(s1).callOther(s2, 'node:os', 'uptime').catch((e: unknown) => e);
    expect((call as CallError).message).toMatch(/unidirectional/);
    // Talking to the master still works.
    const r = new Receiver(fx.router);
    await tasks(s1).sendTo(r.toSender(), 'up');
    expect((await r.get({ timeout: 5000 })).decode()).toBe('up');
    void ChannelError;
  });
});
