// Messaging between the master and a real child: Sender/Receiver, Select, messages$, async
// iteration, replies. Without user modules, code in the child gets live tendril objects as
// globals of node:vm runInNewContext (a Sender or Context decoded there is the real thing).
import { firstValueFrom, map, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ChannelError, Message, Receiver, Select, Sender, TimeoutError } from '../../src/index.js';
import { runWithGlobals, withRouter } from '../support/router.js';

/** Sends values 0..n-1 from the child to `sender`, then closes it. */
const COUNT = 'for (let i = 0; i < n; i++) s.send(i); if (close) s.close(); n';

describe('messaging with a child', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('a Sender passed to the child delivers 10,000 values in order; close() ends async iteration', async () => {
    const ctx = await fx.shared();
    const r = new Receiver(fx.router);
    const sender = r.toSender();
    expect(sender).toBeInstanceOf(Sender);
    expect(sender.handle).toBe(r.handle);
    await expect(runWithGlobals(ctx, COUNT, { s: sender, n: 10_000, close: true })).resolves.toBe(10_000);
    const got: unknown[] = [];
    let first: Message | undefined;
    for await (const msg of r) {
      first ??= msg;
      got.push(msg.decode());
    }
    expect(got.length).toBe(10_000);
    expect(got).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(first!.srcId).toBe(ctx.id);
    expect(first!.dstId).toBe(0);
    expect(first!.handle).toBe(r.handle);
    expect(first!.isDead).toBe(false);
    expect(r.state).toBe('dead');
    await expect(r.get()).rejects.toBeInstanceOf(ChannelError);
  });

  it('messages$ emits every message in order and completes when the sender closes', async () => {
    const ctx = await fx.shared();
    const r = new Receiver(fx.router);
    const all = firstValueFrom(r.messages$.pipe(map((m) => m.decode()), toArray()));
    await runWithGlobals(ctx, COUNT, { s: r.toSender(), n: 50, close: true });
    expect(await all).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('messages$ also gives the messages queued before the subscription', async () => {
    const ctx = await fx.shared();
    const r = new Receiver(fx.router);
    await runWithGlobals(ctx, COUNT, { s: r.toSender(), n: 3, close: false });
    // Wait until they are queued.
    const firstMsg = await r.get({ timeout: 10_000 });
    expect(firstMsg.decode()).toBe(0);
    const rest = await firstValueFrom(r.messages$.pipe(map((m) => m.decode()), take(2), toArray()));
    expect(rest).toEqual([1, 2]);
    r.close();
  });

  it('Select hands out messages from several receivers in arrival order', async () => {
    const ctx = await fx.shared();
    const a = new Receiver(fx.router);
    const b = new Receiver(fx.router);
    const select = new Select([a, b], { oneshot: false });
    const send = (r: Receiver, v: string): Promise<unknown> => runWithGlobals(ctx, 's.send(v)', { s: r.toSender(), v });
    const next = async (): Promise<[string, unknown]> => {
      const m = await select.get({ timeout: 10_000 });
      return [m.handle === a.handle ? 'a' : m.handle === b.handle ? 'b' : '?', m.decode()];
    };
    await send(a, 'a1');
    expect(await next()).toEqual(['a', 'a1']);
    await send(b, 'b1');
    await send(b, 'b2');
    await send(a, 'a2');
    expect([await next(), await next(), await next()]).toEqual([['b', 'b1'], ['b', 'b2'], ['a', 'a2']]);
    await expect(select.get({ timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
    const pending = select.get();
    select.close();
    await expect(pending).rejects.toBeInstanceOf(ChannelError);
    a.close();
    b.close();
  });

  it('Select async iteration ends when its members are closed by their senders', async () => {
    const ctx = await fx.shared();
    const a = new Receiver(fx.router);
    const b = new Receiver(fx.router);
    const select = new Select([a, b], { oneshot: false });
    await runWithGlobals(ctx, 'a.send(1); b.send(2); a.send(3); a.close(); b.close()', { a: a.toSender(), b: b.toSender() });
    const got: unknown[] = [];
    const deadOnes: string[] = [];
    for await (const m of select) {
      if (m.isDead) deadOnes.push(m.deadReason);
      else got.push(m.decode());
    }
    expect(got).toEqual([1, 2, 3]);
    // A member that ends yields its dead message once.
    expect(deadOnes).toEqual(['sender closed', 'sender closed']);
  });

  it('a message the child sends with a reply handle can be answered with msg.reply()', async () => {
    const ctx = await fx.shared();
    const r = new Receiver(fx.router);
    const call = runWithGlobals(ctx, "m.sendAwait({ handle: h, data: 'ping' }, { timeout: 20000 })", { m: fx.router.myself(), h: r.handle });
    const msg = await r.get({ timeout: 10_000 });
    expect(msg.decode()).toBe('ping');
    expect(msg.srcId).toBe(ctx.id);
    msg.reply('pong');
    await expect(call).resolves.toBe('pong');
    r.close();
  });

  it('ctx.send/sendAwait reach a handler registered in the child', async () => {
    const ctx = await fx.shared();
    // The router inside the child is reachable from a decoded Sender: register a doubling handler.
    const handle = (await runWithGlobals(
      ctx,
      's.context.router.addHandler((m) => m.reply(m.decode() * 2))',
      { s: new Receiver(fx.router).toSender() },
    )) as number;
    expect(handle).toBeGreaterThanOrEqual(0x80000000);
    await expect(ctx.sendAwait({ handle, data: 21 })).resolves.toBe(42);
    const r = ctx.sendAsync({ handle, data: 5 });
    expect((await r.get()).decode()).toBe(10);
  });

  it('a get() aborted by a signal rejects with its reason; the receiver stays usable', async () => {
    const ctx = await fx.shared();
    const r = new Receiver(fx.router);
    const ac = new AbortController();
    const pending = r.get({ signal: ac.signal });
    ac.abort(new Error('changed my mind'));
    await expect(pending).rejects.toThrow('changed my mind');
    await runWithGlobals(ctx, 's.send(7)', { s: r.toSender() });
    expect((await r.get({ timeout: 10_000 })).decode()).toBe(7);
    r.close();
  });

  it('close() rejects pending gets and ends iteration', async () => {
    const r = new Receiver(fx.router);
    const pending = r.get();
    const it = r[Symbol.asyncIterator]();
    const nextItem = it.next();
    r.close();
    await expect(pending).rejects.toBeInstanceOf(ChannelError);
    await expect(nextItem).resolves.toEqual({ done: true, value: undefined });
    expect(r.state).toBe('closed');
    expect(r.empty()).toBe(true);
  });

  it('a non-persistent receiver takes one message only', async () => {
    const ctx = await fx.shared();
    const r = new Receiver(fx.router, { persist: false });
    await runWithGlobals(ctx, 's.send(1); s.send(2)', { s: r.toSender() });
    expect((await r.get({ timeout: 10_000 })).decode()).toBe(1);
    await expect(r.get({ timeout: 200 })).rejects.toBeInstanceOf(TimeoutError);
    r.close();
  });
});
