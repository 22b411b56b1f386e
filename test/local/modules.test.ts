// Calls into user modules served on demand (modules-on-demand): Senders passed to remote
// functions, callerContext()/currentRouter() inside a called function, served TypeScript.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CallError, Receiver, Sender, type RemoteModule } from '../../src/index.js';
import type * as Tasks from '../fixtures/tasks.js';
import { rejectionOf } from '../support/errors.js';
import { withRouter } from '../support/router.js';

const tasksUrl = new URL('../fixtures/tasks.ts', import.meta.url);

describe('modules: user functions in a child', () => {
  const fx = withRouter({}, { scope: 'file' });
  const tasks = async (): Promise<RemoteModule<typeof Tasks>> => (await fx.shared()).import<typeof Tasks>(tasksUrl);

  it('a Sender passed to a remote function delivers 10,000 values in order', async () => {
    const r = new Receiver(fx.router);
    const n = await (await tasks()).countTo(r.toSender(), 10_000);
    expect(n).toBe(10_000);
    const got: unknown[] = [];
    for await (const m of r) got.push(m.decode());
    expect(got).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it('callerContext() and currentRouter() inside a called function', async () => {
    const ctx = await fx.shared();
    expect(await (await tasks()).whoCalls()).toEqual({ caller: 0, callerName: 'master', router: ctx.id, routerName: ctx.name });
    expect(await (await tasks()).whoCallsLater()).toBe(0);
  });

  it('isMain(import.meta) is false where a module is loaded remotely', async () => {
    expect(await (await tasks()).mainHere()).toBe(false);
  });

  it('a Sender returned by the child reaches a Receiver there', async () => {
    const t = await tasks();
    const inbox = await t.openInbox();
    expect(inbox).toBeInstanceOf(Sender);
    const drained = t.drainInbox();
    for (let i = 0; i < 100; i++) inbox.send({ i });
    inbox.close();
    expect(await drained).toEqual(Array.from({ length: 100 }, (_, i) => ({ i })));
  });

  it('static methods, the default export, by path or URL', async () => {
    const ctx = await fx.shared();
    await expect(ctx.call(tasksUrl, 'Calculator.twice', 21)).resolves.toBe(42);
    await expect(ctx.call(tasksUrl, 'default', 'you')).resolves.toBe('hello you');
    await expect(ctx.call(tasksUrl.pathname, 'default', 'path')).resolves.toBe('hello path');
  });

  it('a throw in served TypeScript is a CallError with the .ts file in its remote stack', async () => {
    const err = await rejectionOf((await tasks()).failLater());
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toMatch(/^TypeError: typed failure in tasks\.ts/);
    expect(err.remoteStack).toMatch(/tasks\.ts:\d+/);
    await expect((await fx.shared()).call('node:os', 'hostname')).resolves.toBe(hostname());
  });

  it('a served ES module sees no CommonJS globals (require, module, exports, __filename)', async () => {
    const ctx = await fx.shared();
    const globals = await ctx.call(new URL('../fixtures/esm-globals.ts', import.meta.url), 'commonJsGlobals');
    expect(globals).toEqual({ require: 'undefined', module: 'undefined', exports: 'undefined', __filename: 'undefined' });
  });
});
