// Types of typed proxies that tell the truth (issue 11 part 6): what a call returns is a
// Promise of what arrives (Wire<R>), overloads survive, generic functions check their
// arguments against their constraints, async iterables become RemoteStreams, and a wrong
// argument is still a compile error.
import type { Dirent, Stats } from 'node:fs';
import type { UserInfo } from 'node:os';
import { describe, expectTypeOf, it } from 'vitest';
import type { CallError, Context, RemoteStream, Sender, Wire } from '../../src/index.js';
import type * as ValueTasks from '../fixtures/value-tasks.js';

declare const ctx: Context;
const fsp = ctx.import<typeof import('node:fs/promises')>('node:fs/promises');
const fs = ctx.import<typeof import('node:fs')>('node:fs');
const os = ctx.import<typeof import('node:os')>('node:os');
const tasks = ctx.import<typeof ValueTasks>(new URL('../fixtures/value-tasks.ts', import.meta.url));

describe('builtins type as Node types them', () => {
  it('os.userInfo() with and without options', () => {
    expectTypeOf(os.userInfo()).toEqualTypeOf<Promise<Wire<UserInfo<string>>>>();
    expectTypeOf(os.userInfo({ encoding: 'buffer' })).toEqualTypeOf<Promise<Wire<UserInfo<NonSharedBuffer>>>>();
    expectTypeOf(os.userInfo()).resolves.toHaveProperty('username').toEqualTypeOf<string>();
    expectTypeOf(os.userInfo({ encoding: 'utf8' })).resolves.toHaveProperty('homedir').toEqualTypeOf<string>();
  });

  it("readFile(p, 'utf8') is a string, readFile(p) a Buffer", () => {
    expectTypeOf(fsp.readFile('/etc/hostname', 'utf8')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(fsp.readFile('/etc/hostname', { encoding: 'utf8' })).toEqualTypeOf<Promise<string>>();
    expectTypeOf(fsp.readFile('/etc/hostname')).toEqualTypeOf<Promise<NonSharedBuffer>>();
    expectTypeOf(fs.readFileSync('/etc/hostname', 'utf8')).toEqualTypeOf<Promise<string>>();
  });

  it('readdir(p, { withFileTypes: true }) gives the Dirents as data; readdir(p) strings', () => {
    expectTypeOf(fsp.readdir('/tmp', { withFileTypes: true })).toEqualTypeOf<Promise<Wire<Dirent>[]>>();
    expectTypeOf(fsp.readdir('/tmp')).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf<Wire<Dirent>>().toHaveProperty('name').toEqualTypeOf<string>();
    expectTypeOf<Wire<Dirent>>().not.toHaveProperty('isFile');
  });

  it('fs.stat() is Wire<Stats>: its fields, no methods', async () => {
    expectTypeOf(fsp.stat('/tmp')).toEqualTypeOf<Promise<Wire<Stats>>>();
    const st = await fsp.stat('/tmp');
    expectTypeOf(st.size).toEqualTypeOf<number>();
    expectTypeOf(st.mtime).toEqualTypeOf<Date>();
    // @ts-expect-error methods do not travel
    void st.isFile();
    expectTypeOf(fs.statSync('/tmp', { throwIfNoEntry: false })).toEqualTypeOf<Promise<Wire<Stats> | undefined>>();
  });

  it('a wrong argument is a compile error', () => {
    // @ts-expect-error a path, not a number
    void fsp.readFile(42);
    // @ts-expect-error no such encoding
    void fsp.readFile('/etc/hostname', 'utf9');
    // @ts-expect-error withFileTypes is a boolean
    void fsp.readdir('/tmp', { withFileTypes: 'yes' });
    // @ts-expect-error userInfo takes options, not a string
    void os.userInfo('buffer');
  });
});

describe('overloads, generics, streams', () => {
  it('each of six overloads resolves with its own result', () => {
    expectTypeOf(tasks.convert('a')).toEqualTypeOf<Promise<number>>();
    expectTypeOf(tasks.convert(1)).toEqualTypeOf<Promise<string>>();
    expectTypeOf(tasks.convert(true)).toEqualTypeOf<Promise<'yes' | 'no'>>();
    expectTypeOf(tasks.convert(new Date())).toEqualTypeOf<Promise<number>>();
    expectTypeOf(tasks.convert(['a'])).toEqualTypeOf<Promise<Set<string>>>();
    expectTypeOf(tasks.convert(null)).toEqualTypeOf<Promise<undefined>>();
    // @ts-expect-error no overload takes an object
    void tasks.convert({});
  });

  it('a generic function checks its arguments against its type parameters\' constraints', () => {
    expectTypeOf(tasks.firstKey({ a: 1 })).toEqualTypeOf<Promise<string | undefined>>();
    // @ts-expect-error the argument must be a record
    void tasks.firstKey(3);
    expectTypeOf(tasks.echo).parameters.toEqualTypeOf<[v: unknown]>();
  });

  it('a function returning an async iterable is a RemoteStream of its values', () => {
    expectTypeOf(tasks.countUp(3)).toEqualTypeOf<RemoteStream<number>>();
    // @ts-expect-error n is a number
    void tasks.countUp('3');
  });

  it('class instances as data, errors and regexps as themselves, a function result never', () => {
    expectTypeOf(tasks.openAccount('a')).toEqualTypeOf<Promise<{ owner: string; balance: number; opened: Date }>>();
    expectTypeOf(tasks.madeHere()).toEqualTypeOf<Promise<[Error, RegExp]>>();
    expectTypeOf(tasks.withHandler()).toEqualTypeOf<Promise<{ ok: number; nested: {} }>>();
  });
});

describe('Wire<T>', () => {
  it('keeps primitives, Date, RegExp, Uint8Array, Error, Context and Sender', () => {
    expectTypeOf<Wire<string | number | bigint | boolean | null | undefined>>().toEqualTypeOf<string | number | bigint | boolean | null | undefined>();
    expectTypeOf<Wire<Date>>().toEqualTypeOf<Date>();
    expectTypeOf<Wire<RegExp>>().toEqualTypeOf<RegExp>();
    expectTypeOf<Wire<Buffer>>().toEqualTypeOf<Buffer>();
    expectTypeOf<Wire<NodeJS.ErrnoException>>().toEqualTypeOf<NodeJS.ErrnoException>();
    expectTypeOf<Wire<CallError>>().toEqualTypeOf<CallError>();
    expectTypeOf<Wire<Context>>().toEqualTypeOf<Context>();
    expectTypeOf<Wire<Sender>>().toEqualTypeOf<Sender>();
  });

  it('maps inside Map, Set, arrays, tuples and objects; drops methods and symbol keys', () => {
    class Job {
      id = 1;
      readonly tags: string[] = [];
      due?: Date;
      [Symbol.iterator](): Iterator<number> {
        return [][Symbol.iterator]();
      }
      run(): void {}
    }
    expectTypeOf<Wire<Job>>().toEqualTypeOf<{ id: number; readonly tags: string[]; due?: Date }>();
    expectTypeOf<Wire<Map<string, Job>>>().toEqualTypeOf<Map<string, Wire<Job>>>();
    expectTypeOf<Wire<Set<Job>>>().toEqualTypeOf<Set<Wire<Job>>>();
    expectTypeOf<Wire<[Job, string]>>().toEqualTypeOf<[Wire<Job>, string]>();
    expectTypeOf<Wire<{ a: { b: () => void; c: number } }>>().toEqualTypeOf<{ a: { c: number } }>();
  });

  it('what cannot travel is never; any and unknown stay', () => {
    expectTypeOf<Wire<() => void>>().toBeNever();
    expectTypeOf<Wire<symbol>>().toBeNever();
    expectTypeOf<Wire<Promise<number>>>().toBeNever();
    expectTypeOf<Wire<import('node:net').Socket>>().toBeNever();
    expectTypeOf<Wire<AbortSignal>>().toBeNever();
    expectTypeOf<Wire<Generator<number>>>().toBeNever();
    expectTypeOf<Wire<unknown>>().toBeUnknown();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectTypeOf<Wire<any>>().toBeAny();
    expectTypeOf<Wire<never>>().toBeNever();
  });
});
