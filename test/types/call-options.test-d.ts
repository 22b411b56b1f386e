// Types of call options: a view (ctx.with()) and ctx.import(module, opts) keep the typed
// proxy's types; options are checked; fanOut's results are typed by the work's value.
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import { fanOut, type CallChain, type CallOptions, type CallView, type Context, type CurrentCall, type FanOutResult, type Receiver, type RemoteModule, currentCall } from '../../src/index.js';
import type * as Tasks from '../fixtures/tasks.js';

declare const ctx: Context;
const TASKS = new URL('../fixtures/tasks.ts', import.meta.url);

describe('call options types', () => {
  it('ctx.with(...).import<T>() is the same typed proxy', () => {
    const view = ctx.with({ timeout: 300, signal: AbortSignal.timeout(1000) });
    expectTypeOf(view).toEqualTypeOf<CallView>();
    const os = view.import<typeof import('node:os')>('node:os');
    expectTypeOf(os).toEqualTypeOf<RemoteModule<typeof import('node:os')>>();
    expectTypeOf(os.hostname).returns.toEqualTypeOf<Promise<string>>();
    const tasks = view.with({ timeout: 50 }).import<typeof Tasks>(TASKS);
    expectTypeOf(tasks.countTo).toEqualTypeOf<RemoteModule<typeof Tasks>['countTo']>();
    expectTypeOf(tasks.whoCallsLater).returns.toEqualTypeOf<Promise<number>>();
    // @ts-expect-error hostname() takes no argument, through a view as well
    void os.hostname(42);
  });

  it('ctx.import(module, opts) takes CallOptions and keeps the types', () => {
    const path = ctx.import<typeof import('node:path')>('node:path', { timeout: 100 });
    expectTypeOf(path.join('a', 'b')).toEqualTypeOf<Promise<string>>();
    // @ts-expect-error join() takes strings
    void path.join('a', 1);
    // @ts-expect-error timeout is a number of milliseconds
    void ctx.import('node:os', { timeout: '1s' });
    // @ts-expect-error no such option
    void ctx.with({ retries: 3 });
  });

  it('a view has the untyped calls of a context', () => {
    const view = ctx.with({ timeout: 1 });
    expectTypeOf(view.call('node:os', 'uptime')).toEqualTypeOf<Promise<unknown>>();
    expectTypeOf(view.callAsync('node:os', 'uptime')).toEqualTypeOf<Receiver>();
    expectTypeOf(view.callNoReply('node:os', 'uptime')).toEqualTypeOf<void>();
    expectTypeOf(view.chain({ pipelined: true })).toEqualTypeOf<CallChain>();
    expectTypeOf(view.context).toEqualTypeOf<Context>();
    expectTypeOf<CallOptions>().toEqualTypeOf<{ timeout?: number; signal?: AbortSignal; highWaterMark?: number }>();
  });

  it('currentCall() and fanOut', () => {
    expectTypeOf(currentCall()).toEqualTypeOf<CurrentCall>();
    expectTypeOf(currentCall().signal).toEqualTypeOf<AbortSignal>();
    expectTypeOf(currentCall().deadline).toEqualTypeOf<number | null>();
    const out = fanOut([ctx], (c) => c.import<typeof import('node:os')>('node:os').hostname(), { concurrency: 2 });
    expectTypeOf(out).toEqualTypeOf<Observable<FanOutResult<string, Context>>>();
  });
});
