// Types of ctx.exec() / ctx.spawn() and ctx.stream(): output is a string unless the options
// say `encoding: 'buffer'`; a stream is an async iterable of its value type.
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { CallView, Context, ExecOptions, RemoteStream } from '../../src/index.js';

declare const ctx: Context;
declare const view: CallView;

describe('shell and stream types', () => {
  it('exec output follows the encoding', () => {
    expectTypeOf(ctx.exec('ls')).resolves.toHaveProperty('stdout').toEqualTypeOf<string>();
    expectTypeOf(ctx.exec(['ls'], { cwd: '/', timeout: 5 })).resolves.toHaveProperty('stderr').toEqualTypeOf<string>();
    expectTypeOf(ctx.exec('ls', { encoding: 'buffer' })).resolves.toHaveProperty('stdout').toEqualTypeOf<Uint8Array>();
    expectTypeOf(view.exec('ls', { encoding: 'utf8' })).resolves.toHaveProperty('stdout').toEqualTypeOf<string>();
    const opts: ExecOptions = {};
    expectTypeOf(ctx.exec('ls', opts)).resolves.toHaveProperty('stdout').toEqualTypeOf<string | Uint8Array>();
    expectTypeOf(ctx.exec('ls')).resolves.toHaveProperty('code').toEqualTypeOf<number | null>();
    // @ts-expect-error: a command is a string or an array of strings
    void ctx.exec(42);
    // @ts-expect-error: no such encoding
    void ctx.exec('ls', { encoding: 'latin1' });
  });

  it('spawn observables follow the encoding', () => {
    expectTypeOf(ctx.spawn('cat').stdout$).toEqualTypeOf<Observable<string>>();
    expectTypeOf(view.spawn('cat', { encoding: 'buffer' }).stderr$).toEqualTypeOf<Observable<Uint8Array>>();
    expectTypeOf(ctx.spawn('cat').lines$).toEqualTypeOf<Observable<{ stream: 'stdout' | 'stderr'; line: string }>>();
  });

  it('a stream is an async iterable of its values', () => {
    expectTypeOf(ctx.stream<number>('m', 'f')).toEqualTypeOf<RemoteStream<number>>();
    expectTypeOf(ctx.stream('m', 'f')).toEqualTypeOf<RemoteStream<unknown>>();
    expectTypeOf(view.stream<string>('m', 'f').values$).toEqualTypeOf<Observable<string>>();
    expectTypeOf<RemoteStream<number>>().toMatchTypeOf<AsyncIterable<number>>();
  });
});
