// Values and errors that tell the truth, between real processes (issue 11 parts 5 and 6): a
// typed proxy's fs.stat() gives the size, a remote ENOENT is a CallError with its code, data
// and cause, Error and RegExp values go both ways, a class instance arrives as its data, a
// function inside a result is refused naming its path, and a proxy function returning an
// async iterable streams.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CallError } from '../../src/index.js';
import { rejectionOf } from '../support/errors.js';
import { supportedNodeBinaries } from '../support/node-versions.js';
import { withRouter } from '../support/router.js';
import { Account } from '../fixtures/value-tasks.js';
import type * as ValueTasks from '../fixtures/value-tasks.js';

const tasksUrl = new URL('../fixtures/value-tasks.ts', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'tendril-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('values across contexts', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('fs.stat() through a typed proxy returns the size, dates as Date', async () => {
    const ctx = await fx.shared();
    const file = join(dir, 'sized');
    writeFileSync(file, 'x'.repeat(1234));
    const fs = ctx.import<typeof import('node:fs/promises')>('node:fs/promises');
    const st = await fs.stat(file);
    expect(st.size).toBe(1234);
    expect(st.mtime).toBeInstanceOf(Date);
    expect(st.mtime.getTime()).toBe(statSync(file).mtime.getTime());
    expect('isFile' in st).toBe(false);
    // readFile with an encoding and readdir with file types, as Node types them.
    expect(await fs.readFile(file, 'utf8')).toBe('x'.repeat(1234));
    const entries = await fs.readdir(dir, { withFileTypes: true });
    expect(entries.map((e) => e.name)).toContain('sized');
    const os = ctx.import<typeof import('node:os')>('node:os');
    expect((await os.userInfo()).username).toBe((await import('node:os')).userInfo().username);
  });

  it('a remote ENOENT is a CallError with code, remoteProps and a cause', async () => {
    const ctx = await fx.shared();
    const fs = ctx.import<typeof import('node:fs/promises')>('node:fs/promises');
    const missing = join(dir, 'missing');
    const err = await rejectionOf(fs.readFile(missing));
    expect(err).toBeInstanceOf(CallError);
    const e = err as CallError;
    expect(e.code).toBe('ENOENT');
    expect(e.remoteProps).toEqual({ errno: -2, syscall: 'open', path: missing });
    expect(e.context).toEqual({ id: ctx.id, name: ctx.name });
    const tasks = ctx.import<typeof ValueTasks>(tasksUrl);
    const saved = (await rejectionOf(tasks.failWithCause())) as CallError;
    expect(saved).toBeInstanceOf(CallError);
    expect([saved.code, saved.remoteProps, saved.remoteMessage]).toEqual(['E_SAVE', { attempt: 2 }, 'cannot save']);
    expect(saved.cause).toBeInstanceOf(CallError);
    expect([saved.cause?.code, saved.cause?.remoteProps, saved.cause?.remoteMessage]).toEqual(['EIO', { device: 'sda' }, 'disk is gone']);
    expect(saved.cause?.cause).toBe(undefined);
  });

  it('Error and RegExp values round-trip as arguments and results', async () => {
    const ctx = await fx.shared();
    const tasks = ctx.import<typeof ValueTasks>(tasksUrl);
    const sent = Object.assign(new TypeError('bad input', { cause: 'user' }), { code: 'E_INPUT', field: 'age' });
    // echo<T> is generic: through the proxy T is its constraint (unknown).
    const back = (await tasks.echo(sent)) as typeof sent;
    expect(back).toBeInstanceOf(TypeError);
    expect([back.message, back.cause, back.code, back.field, back.stack]).toEqual(['bad input', 'user', 'E_INPUT', 'age', sent.stack]);
    const re = await tasks.echo(/(?<n>\d+)-x/giu);
    expect(re).toBeInstanceOf(RegExp);
    expect(String(re)).toBe('/(?<n>\\d+)-x/giu');
    expect(await tasks.inspectArgument(new RangeError('r'))).toMatchObject({ kind: 'RangeError', isError: true });
    expect(await tasks.inspectArgument(/r/)).toMatchObject({ kind: 'RegExp', isRegExp: true });
    const [made, pattern] = await tasks.madeHere();
    expect(made).toBeInstanceOf(RangeError);
    expect(made.message).toBe('too far');
    expect((made.cause as Error).message).toBe('root cause');
    expect((made as Error & { code?: string }).code).toBe('E_FAR');
    expect(made.stack).toContain('value-tasks.ts');
    expect(pattern.test('abbbc')).toBe(true);
  });

  it('a class instance argument arrives as its data; a class instance result too', async () => {
    const ctx = await fx.shared();
    const tasks = ctx.import<typeof ValueTasks>(tasksUrl);
    const seen = await tasks.inspectArgument(new Account('ada', 5, new Date(0)));
    expect(seen).toEqual({ kind: 'Object', keys: ['owner', 'balance', 'opened'], ownName: false, isError: false, isRegExp: false });
    const acct = await tasks.openAccount('bob');
    expect(acct).toEqual({ owner: 'bob', balance: 10, opened: new Date(Date.UTC(2020, 0, 2)) });
    expect(Object.getPrototypeOf(acct)).toBe(Object.prototype);
  });

  it('a function inside a result is a TypeError at the sender naming the path', async () => {
    const ctx = await fx.shared();
    const tasks = ctx.import<typeof ValueTasks>(tasksUrl);
    const err = (await rejectionOf(tasks.withHandler())) as CallError;
    expect(err).toBeInstanceOf(CallError);
    expect(err.remoteType).toBe('TypeError');
    expect(err.remoteMessage).toMatch(/^cannot send result\.nested\.onDone: function/);
    // The context still answers.
    expect(await tasks.convert('abc')).toBe(3);
  });

  it('overloads resolve as declared; a function returning an async iterable streams', async () => {
    const ctx = await fx.shared();
    const tasks = ctx.import<typeof ValueTasks>(tasksUrl);
    expect(await tasks.convert(12)).toBe('12');
    expect(await tasks.convert(['a', 'a', 'b'])).toEqual(new Set(['a', 'b']));
    const got: number[] = [];
    for await (const v of tasks.countUp(5)) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    // Its later calls stream at once too.
    const again: number[] = [];
    for await (const v of tasks.countUp(3)) again.push(v);
    expect(again).toEqual([0, 1, 2]);
  });

  it('once a function came back as a plain call, later calls are sent at once (arguments as they were)', async () => {
    const ctx = await fx.shared();
    const tasks = ctx.import<typeof ValueTasks>(tasksUrl);
    expect(await tasks.echo('first')).toBe('first');
    const list = [1];
    const pending = tasks.echo(list);
    list.push(2);
    expect(await pending).toEqual([1]);
  });

  it('a stream function awaited by mistake is a CallError; iterated afterwards, it streams', async () => {
    const ctx = await fx.shared();
    const streams = ctx.import<{ countDown(n: number): Promise<unknown> }>(tasksUrl);
    const err = (await rejectionOf(streams.countDown(2))) as CallError;
    expect(err).toBeInstanceOf(CallError);
    expect(err.remoteMessage).toMatch(/cannot send result: AsyncGenerator/);
    const tasks = ctx.import<typeof ValueTasks>(tasksUrl);
    const got: number[] = [];
    for await (const v of tasks.countDown(2)) got.push(v);
    expect(got).toEqual([2, 1]);
  });
});

describe('values on every supported Node', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });
  for (const { version, path } of supportedNodeBinaries()) {
    it(`Node ${version}: stat, ENOENT with code and cause, Error and RegExp both ways, class instances as data`, async () => {
      const ctx = await fx.local({ name: `values-node${version.split('.')[0]}`, nodePath: path });
      const fs = ctx.import<typeof import('node:fs/promises')>('node:fs/promises');
      const file = join(dir, `node${version}`);
      writeFileSync(file, 'abc');
      expect((await fs.stat(file)).size).toBe(3);
      const missing = (await rejectionOf(fs.readFile(join(dir, 'nope')))) as CallError;
      expect([missing.code, missing.remoteProps.syscall]).toEqual(['ENOENT', 'open']);
      const tasks = ctx.import<typeof ValueTasks>(tasksUrl);
      const saved = (await rejectionOf(tasks.failWithCause())) as CallError;
      expect([saved.code, saved.cause?.code]).toEqual(['E_SAVE', 'EIO']);
      const back = (await tasks.echo(new RangeError('r', { cause: 1 }))) as RangeError;
      expect([Object.getPrototypeOf(back), back.message, back.cause]).toEqual([RangeError.prototype, 'r', 1]);
      expect(String(await tasks.echo(/a+/g))).toBe('/a+/g');
      expect(await tasks.openAccount('x')).toEqual({ owner: 'x', balance: 10, opened: new Date(Date.UTC(2020, 0, 2)) });
    });
  }
});
