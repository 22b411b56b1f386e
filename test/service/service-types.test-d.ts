// Types of services and files: ctx.service<typeof X>() gives each exposed-or-not method as a
// Promise of its awaited result (refusal of unexposed ones is a runtime matter); Transfer and
// PushTransfer are awaitable with progress.
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { Context, PushProgress, Router, Transfer, TransferProgress, TransferResult } from '../../src/index.js';
import type { Counter, Slow } from './fixtures/counter.js';

declare const ctx: Context;
declare const router: Router;
const COUNTER = new URL('./fixtures/counter.ts', import.meta.url);

describe('service and file types', () => {
  it('a service proxy has the methods, each returning a Promise', () => {
    const counter = ctx.service<typeof Counter>(COUNTER, 'Counter');
    expectTypeOf(counter.bump).parameters.toEqualTypeOf<[by: number]>();
    expectTypeOf(counter.bump).returns.toEqualTypeOf<Promise<{ calls: number; instances: number }>>();
    expectTypeOf(counter.whoCalls).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(ctx.service<typeof Slow>(COUNTER, 'Slow').work).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(ctx.callService(COUNTER, 'Counter', 'bump', 1)).toEqualTypeOf<Promise<unknown>>();
  });

  it('transfers are awaitable, with progress', async () => {
    const t = ctx.files.put('/a', '/b', { mode: 'preserve', mtime: true, mkdirs: true });
    expectTypeOf(t).toEqualTypeOf<Transfer>();
    expectTypeOf(await t).toEqualTypeOf<TransferResult>();
    expectTypeOf(t.progress$).toEqualTypeOf<Observable<TransferProgress>>();
    const p = router.files.push([ctx], '/a', '/b');
    expectTypeOf(p.targets$).toEqualTypeOf<Observable<PushProgress>>();
    expectTypeOf(await p).toEqualTypeOf<TransferResult>();
    // @ts-expect-error a mode is a number or 'preserve'
    ctx.files.get('/a', '/b', { mode: 'keep' });
  });
});
