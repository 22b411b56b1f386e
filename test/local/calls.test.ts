// Calls into a real child: typed proxies, dotted paths, async results, every supported value
// type both ways, callAsync/Select arrival order, callNoReply, chains.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CallError, Receiver, Select } from '../../src/index.js';
import { runInChild, runWithGlobals, withRouter } from '../support/router.js';
import { rejectionOf } from '../support/errors.js';

describe('calls', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('ctx.import gives a proxy whose functions run remotely and return promises', async () => {
    const ctx = await fx.shared();
    const os = ctx.import<typeof import('node:os')>('node:os');
    const pending = os.hostname();
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(hostname());
    const path = ctx.import<typeof import('node:path')>('node:path');
    expect(await path.join('/a', 'b', '..', 'c')).toBe('/a/c');
    // The proxy is not thenable: awaiting it gives it back instead of calling `then` remotely.
    expect(await Promise.resolve(os)).toBe(os);
  });

  it('the proxy calls the child, not the master', async () => {
    const ctx = await fx.shared();
    const proc = ctx.import<typeof import('node:process')>('node:process');
    const childPid = await proc.cwd().then(() => runInChild(ctx, 'process.pid'));
    expect(childPid).toBe(fx.pidOf(ctx));
    expect(await runInChild(ctx, "require('worker_threads').isMainThread")).toBe(false);
  });

  it('a dotted path reaches a static method; "default" the default export', async () => {
    const ctx = await fx.shared();
    await expect(ctx.call('node:buffer', 'Buffer.byteLength', 'héllo')).resolves.toBe(6);
    await expect(ctx.call('node:path', 'default.basename', '/x/y.txt')).resolves.toBe('y.txt');
    // A bare builtin name is the same module as its node: form.
    await expect(ctx.call('path', 'basename', '/x/z.md')).resolves.toBe('z.md');
  });

  it('async functions are awaited in the target', async () => {
    const ctx = await fx.shared();
    await expect(ctx.call('node:timers/promises', 'setTimeout', 5, 'later')).resolves.toBe('later');
    await expect(runInChild(ctx, "new Promise((r) => setTimeout(() => r('resolved-late'), 20))")).resolves.toBe('resolved-late');
  });

  it('every supported type crosses both ways unchanged', async () => {
    const ctx = await fx.shared();
    const value = {
      undef: undefined,
      nul: null,
      t: true,
      f: false,
      int: 42,
      negZero: -0,
      float: 1.5,
      nan: Number.NaN,
      inf: -Infinity,
      big: 2n ** 70n,
      negBig: -(2n ** 64n),
      str: 'héllo ✓ \u0000 end',
      bytes: new Uint8Array([0, 1, 254, 255]),
      arr: [1, [2, [3]], { deep: 'yes' }],
      map: new Map<unknown, unknown>([['a', 1], [2, new Set([3n])]]),
      set: new Set(['x', 1]),
      date: new Date('2024-02-29T12:34:56.789Z'),
      ['__proto__']: { polluted: true },
    };
    Object.defineProperty(value, '__proto__', { value: { polluted: true }, enumerable: true });
    // vm.runInNewContext('v', { v }) is the identity function in the child.
    const back = (await runWithGlobals(ctx, 'v', { v: value })) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
    expect('undef' in back).toBe(true);
    expect(back.undef).toBeUndefined();
    expect(back.nul).toBeNull();
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(back.nan).toBeNaN();
    expect(back.inf).toBe(-Infinity);
    expect(back.big).toBe(2n ** 70n);
    expect(back.negBig).toBe(-(2n ** 64n));
    expect(back.str).toBe(value.str);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect([...(back.bytes as Uint8Array)]).toEqual([0, 1, 254, 255]);
    expect(back.arr).toEqual(value.arr);
    expect(back.map).toBeInstanceOf(Map);
    expect(back.map).toEqual(value.map);
    expect(back.set).toBeInstanceOf(Set);
    expect(back.set).toEqual(value.set);
    expect(back.date).toBeInstanceOf(Date);
    expect((back.date as Date).toISOString()).toBe('2024-02-29T12:34:56.789Z');
    expect([back.int, back.float, back.t, back.f]).toEqual([42, 1.5, true, false]);
  });

  it('values built in the child arrive as the right types', async () => {
    const ctx = await fx.shared();
    const got = await runInChild(ctx, "({ m: new Map([['k', 1n]]), s: new Set([1]), d: new Date(0), b: Buffer.from('hi'), u: undefined })");
    expect(got).toEqual({ m: new Map([['k', 1n]]), s: new Set([1]), d: new Date(0), b: expect.anything(), u: undefined });
    expect(Buffer.from((got as { b: Uint8Array }).b).toString()).toBe('hi');
  });

  it('a Context crosses as a reference and comes back as the same object', async () => {
    const ctx = await fx.shared();
    const me = fx.router.myself();
    expect(await runWithGlobals(ctx, 'c', { c: me })).toBe(me);
    expect(await runWithGlobals(ctx, 'c', { c: ctx })).toBe(ctx);
    // In the child, the Context of itself has its own id.
    expect(await runWithGlobals(ctx, '[c.id, c.name, m.id]', { c: ctx, m: me })).toEqual([ctx.id, ctx.name, 0]);
  });

  it('callAsync returns a one-reply Receiver; Select.all gives results in arrival order', async () => {
    const ctx = await fx.shared();
    const r = ctx.callAsync('node:os', 'hostname');
    expect(r).toBeInstanceOf(Receiver);
    expect((await r.get()).decode()).toBe(hostname());
    const slow = ctx.callAsync('node:timers/promises', 'setTimeout', 1500, 'slow');
    const fast = ctx.callAsync('node:timers/promises', 'setTimeout', 0, 'fast');
    expect(await Select.all([slow, fast])).toEqual(['fast', 'slow']);
  });

  it('Select.all rejects with the first failure', async () => {
    const ctx = await fx.shared();
    const ok = ctx.callAsync('node:timers/promises', 'setTimeout', 1000, 'ok');
    const bad = ctx.callAsync('node:vm', 'runInThisContext', "throw new SyntaxError('first to fail')");
    await expect(Select.all([ok, bad])).rejects.toThrow(/^SyntaxError: first to fail/);
  });

  it('callNoReply runs the function without a reply', async () => {
    const ctx = await fx.shared();
    ctx.callNoReply('node:vm', 'runInThisContext', 'globalThis.__noReplyMarker = 42');
    // Calls are dispatched in arrival order, so the next call sees the effect.
    await expect(runInChild(ctx, 'globalThis.__noReplyMarker')).resolves.toBe(42);
  });
});

describe('call chains', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('pipelined: after a failing callNoReply, later calls fail with the same CallError until reset()', async () => {
    const ctx = await fx.shared();
    const chain = ctx.chain({ pipelined: true });
    chain.callNoReply('node:vm', 'runInThisContext', "throw new RangeError('chain broke')");
    const e1 = await rejectionOf(chain.call('node:os', 'hostname'));
    const e2 = await rejectionOf(chain.import<typeof import('node:os')>('node:os').platform());
    for (const e of [e1, e2]) {
      expect(e).toBeInstanceOf(CallError);
      expect(e.message).toMatch(/^RangeError: chain broke/);
    }
    expect(e2.remoteStack).toBe(e1.remoteStack);
    // Other callers are not affected.
    await expect(ctx.call('node:os', 'hostname')).resolves.toBe(hostname());
    chain.reset();
    await expect(chain.call('node:os', 'hostname')).resolves.toBe(hostname());
  });

  it('pipelined: a failing call fails the ones queued behind it', async () => {
    const ctx = await fx.shared();
    const chain = ctx.chain({ pipelined: true });
    const first = chain.callAsync('node:timers/promises', 'setTimeout', 50, 'one');
    const bad = chain.callAsync('node:vm', 'runInThisContext', "throw new TypeError('second fails')");
    const third = chain.callAsync('node:os', 'hostname');
    expect((await first.get()).decode()).toBe('one');
    const badMsg = await bad.get();
    const thirdMsg = await third.get();
    expect(() => badMsg.decode()).toThrow(/^TypeError: second fails/);
    expect(() => thirdMsg.decode()).toThrow(/^TypeError: second fails/);
  });

  it('pipelined: calls run one after another, in order', async () => {
    const ctx = await fx.shared();
    const chain = ctx.chain({ pipelined: true });
    const a = chain.callAsync('node:timers/promises', 'setTimeout', 600, 'a');
    const b = chain.callAsync('node:timers/promises', 'setTimeout', 0, 'b');
    expect(await Select.all([a, b])).toEqual(['a', 'b']);
  });

  it('a plain chain does not remember failures', async () => {
    const ctx = await fx.shared();
    const chain = ctx.chain();
    await expect(chain.call('node:vm', 'runInThisContext', "throw new Error('once')")).rejects.toThrow(/^Error: once/);
    await expect(chain.call('node:os', 'hostname')).resolves.toBe(hostname());
  });
});
