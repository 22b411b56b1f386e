// Services (issue 13 part 1): exposed and unexposed methods, one instance per context,
// policies, serial and concurrent services, unknown services, depth and callers in children.
import { describe, expect, it } from 'vitest';
import { CallError } from '../../src/index.js';
import { withRouter } from '../support/router.js';
import type { Counter } from './fixtures/counter.js';

const COUNTER = new URL('./fixtures/counter.ts', import.meta.url);

describe('services', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('runs an exposed method once per call on one instance, and refuses an unexposed one without running it', async () => {
    const ctx = await fx.local({ name: 'svc' });
    await expect(ctx.callService(COUNTER, 'Counter', 'bump', 2)).resolves.toEqual({ calls: 2, instances: 1 });
    await expect(ctx.callService(COUNTER, 'Counter', 'bump', 3)).resolves.toEqual({ calls: 5, instances: 1 });
    const refused = await ctx.callService(COUNTER, 'Counter', 'secret').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CallError);
    expect((refused as CallError).message).toMatch(/Counter/);
    expect((refused as CallError).message).toMatch(/secret/);
    expect((refused as CallError).message).toMatch(/not exposed/);
    // Still one instance, and the refused call did not count.
    await expect(ctx.callService(COUNTER, 'Counter', 'bump', 0)).resolves.toEqual({ calls: 5, instances: 1 });
  });

  it('gives a typed proxy', async () => {
    const ctx = await fx.local({ name: 'proxy' });
    const counter = ctx.service<typeof Counter>(COUNTER, 'Counter');
    const r: { calls: number; instances: number } = await counter.bump(4);
    expect(r).toEqual({ calls: 4, instances: 1 });
    await expect(counter.whoCalls()).resolves.toBe(0);
    await expect(counter.masterOnly()).resolves.toBe('master');
  });

  it('names unknown services and methods', async () => {
    const ctx = await fx.local({ name: 'unknown' });
    const noClass = await ctx.callService(COUNTER, 'Nope', 'bump').catch((e: unknown) => e);
    expect(noClass).toBeInstanceOf(CallError);
    expect((noClass as CallError).message).toMatch(/no service Nope/);
    const noMethod = await ctx.callService(COUNTER, 'Counter', 'nothing').catch((e: unknown) => e);
    expect(noMethod).toBeInstanceOf(CallError);
    expect((noMethod as CallError).message).toMatch(/Counter has no method nothing/);
  });

  it('runs a serial service one call at a time, a concurrent one overlapping', async () => {
    const ctx = await fx.local({ name: 'conc' });
    const serial = await Promise.all([1, 2, 3].map(() => ctx.callService(COUNTER, 'Slow', 'work', 50)));
    expect(serial).toEqual([1, 1, 1]);
    const parallel = await Promise.all([1, 2, 3].map(() => ctx.callService(COUNTER, 'Parallel', 'work', 200)));
    expect(Math.max(...(parallel as number[]))).toBeGreaterThan(1);
  });

  it('refuses a sibling by the default policy, with a CallError naming service and method', async () => {
    const a = await fx.local({ name: 'sib-a' });
    const b = await fx.local({ name: 'sib-b' });
    const err = await a.call(COUNTER, 'callSibling', b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).message).toMatch(/Counter\.bump refused/);
    expect((err as CallError).message).toMatch(/policy 'parent'/);
    // Nothing ran: b's counter is untouched.
    await expect(b.callService(COUNTER, 'Counter', 'bump', 0)).resolves.toEqual({ calls: 0, instances: 1 });
  });

  it("admits a sibling to a method exposed with policy 'any' (CALL_SERVICE is open; the method's policy decides)", async () => {
    const a = await fx.local({ name: 'any-a' });
    const b = await fx.local({ name: 'any-b' });
    // whoCalls answers the caller's id: a, not the master.
    await expect(a.call(COUNTER, 'callSibling', b, 'whoCalls')).resolves.toBe(a.id);
  });

  it('takes the options of a ctx.with() view (callService and the service proxy)', async () => {
    const ctx = await fx.local({ name: 'view' });
    const slow = ctx.with({ timeout: 100 });
    await expect(slow.callService(COUNTER, 'Slow', 'work', 2_000)).rejects.toThrow(/timeout|deadline|100 ms/i);
    await expect(slow.service<typeof import('./fixtures/counter.js').Counter>(COUNTER, 'Counter').bump(1)).resolves.toEqual({ calls: 1, instances: 1 });
  });

  it('is reachable at depth, and from a parent that is itself a child', async () => {
    const top = await fx.local({ name: 'top' });
    const mid = await fx.router.local({ name: 'mid', via: top });
    const deep = await fx.router.local({ name: 'deep', via: mid });
    await expect(deep.callService(COUNTER, 'Counter', 'bump', 7)).resolves.toEqual({ calls: 7, instances: 1 });
    await expect(deep.callService(COUNTER, 'Counter', 'whoCalls')).resolves.toBe(0);
    // Code in `mid` calls its child's service: the caller is mid.
    await expect(mid.call(COUNTER, 'callChild', deep.id, 'whoCalls')).resolves.toBe(mid.id);
    await expect(deep.callService(COUNTER, 'Counter', 'masterOnly')).resolves.toBe('master');
    // The policy function admits the master only: mid is refused, with service and method named.
    const refused = await mid.call(COUNTER, 'callChild', deep.id, 'masterOnly').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CallError);
    expect((refused as CallError).message).toMatch(/Counter\.masterOnly refused the call/);
  });
});
