// Reserved handles in a real child, as the table (src/core/handles/) says: data of the wrong
// shape gets the table's error (or is dropped with a debug record) in the thread the table
// names, and the child keeps working.
import { describe, expect, it } from 'vitest';
import { CallError } from '../../src/index.js';
import { CALL_FUNCTION, CREATE_CHILD, FORGET_CHAIN } from '../../src/core/wire/protocol.js';
import { callFunctionHandle } from '../../src/core/handles/call-function.js';
import { createChildHandle } from '../../src/core/handles/create-child.js';
import { forgetChainHandle } from '../../src/core/handles/forget-chain.js';
import { withRouter } from '../support/router.js';

describe('reserved handles in a child', () => {
  const fx = withRouter({ debug: ['routing'], shutdownTimeout: 2000 }, { scope: 'file' });

  it('a malformed CALL_FUNCTION is answered by the dispatcher with the shape it expects; nothing runs', async () => {
    const ctx = await fx.shared();
    const err = await ctx.sendAwait({ handle: CALL_FUNCTION, data: [null, 'node:process', 'abort'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).remoteType).toBe('TypeError');
    expect((err as CallError).remoteMessage).toBe(`malformed CALL_FUNCTION message: expected ${callFunctionHandle.data}`);
    expect(await ctx.call('node:os', 'uptime')).toBeGreaterThan(0);
  });

  it('a malformed CREATE_CHILD is answered by the broker (parent bundle loaded) with the shape it expects', async () => {
    const ctx = await fx.shared();
    const err = await ctx.sendAwait({ handle: CREATE_CHILD, data: { opts: {} } }, { timeout: 20_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).remoteType).toBe('TypeError');
    expect((err as CallError).remoteMessage).toBe(`malformed CREATE_CHILD message: expected ${createChildHandle.data}`);
    expect(await ctx.call('node:os', 'uptime')).toBeGreaterThan(0);
  });

  it('a malformed FORGET_CHAIN is dropped by the dispatcher with a debug record under routing', async () => {
    const ctx = await fx.shared();
    ctx.send({ handle: FORGET_CHAIN, data: 42 });
    const expected = `dropped a message from context 0: malformed FORGET_CHAIN message: expected ${forgetChainHandle.data}`;
    const deadline = Date.now() + 10_000;
    while (!fx.logs.some((r) => r.contextId === ctx.id && r.topic === 'routing' && r.message === expected) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(fx.logs.filter((r) => r.contextId === ctx.id && r.message === expected).map((r) => [r.level, r.topic])).toEqual([['debug', 'routing']]);
    expect(await ctx.call('node:os', 'uptime')).toBeGreaterThan(0);
  });
});
