// Types of the remote-module proxy: ctx.import<typeof M>() keeps each function's parameters
// and turns every result into a Promise of its awaited value; non-functions are not there.
import { describe, expectTypeOf, it } from 'vitest';
import type { CallChain, Context, RemoteModule, Sender } from '../../src/index.js';
import type * as Tasks from '../fixtures/tasks.js';

declare const ctx: Context;

describe('ctx.import types', () => {
  it('parameters are checked', () => {
    const os = ctx.import<typeof import('node:os')>('node:os');
    // @ts-expect-error hostname() takes no argument
    void os.hostname(42);
    const path = ctx.import<typeof import('node:path')>('node:path');
    // @ts-expect-error join() takes strings
    void path.join('a', 1);
    // @ts-expect-error no such function
    void os.noSuchFunction();
  });

  it('every function returns a Promise of its awaited result', () => {
    const os = ctx.import<typeof import('node:os')>('node:os');
    expectTypeOf(os.hostname).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(os.cpus()).toEqualTypeOf<Promise<import('node:os').CpuInfo[]>>();
    // An async function does not become Promise<Promise<...>>.
    const tasks = ctx.import<typeof Tasks>(new URL('../fixtures/tasks.ts', import.meta.url));
    expectTypeOf(tasks.whoCallsLater).returns.toEqualTypeOf<Promise<number>>();
    const path = ctx.import<typeof import('node:path')>('node:path');
    expectTypeOf(path.join('a', 'b')).toEqualTypeOf<Promise<string>>();
  });

  it('non-function exports are not part of the proxy', () => {
    const os = ctx.import<typeof import('node:os')>('node:os');
    // @ts-expect-error EOL is a string constant, not callable remotely
    void os.EOL;
  });

  it('user modules keep their signatures; a chain imports the same way', () => {
    const tasks = ctx.import<typeof Tasks>(new URL('../fixtures/tasks.ts', import.meta.url));
    expectTypeOf(tasks.countTo).parameters.toEqualTypeOf<[out: Sender, n: number]>();
    expectTypeOf(tasks.countTo).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(tasks.drainInbox).returns.toEqualTypeOf<Promise<unknown[]>>();
    expectTypeOf(tasks.failLater).returns.toEqualTypeOf<Promise<never>>();
    // @ts-expect-error countTo needs a Sender
    void tasks.countTo(5, 5);
    const chain: CallChain = ctx.chain({ pipelined: true });
    expectTypeOf(chain.import<typeof Tasks>(new URL('../fixtures/tasks.ts', import.meta.url))).toEqualTypeOf<RemoteModule<typeof Tasks>>();
  });

  it('call() is untyped: it resolves to unknown', () => {
    expectTypeOf(ctx.call('node:os', 'hostname')).toEqualTypeOf<Promise<unknown>>();
  });
});
