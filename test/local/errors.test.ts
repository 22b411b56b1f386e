// Failures and how they read: remote exceptions as CallError, unsupported arguments and
// relative specifiers refused at the sender, dead replies for undeliverable messages,
// maxMessageSize. After each, the context keeps working.
import { hostname } from 'node:os';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CallError, ChannelError, Sender, TendrilError, TimeoutError, Receiver } from '../../src/index.js';
import { waitGone } from '../support/processes.js';
import { runInChild, runWithGlobals, withRouter } from '../support/router.js';
import { rejectionOf } from '../support/errors.js';

describe('remote exceptions', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('a remote RangeError is a CallError reading "RangeError: kaboom 7" with the child\'s stack', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(runInChild(ctx, "(function kaboomInTheChild() { throw new RangeError('kaboom 7') })()"));
    expect(err).toBeInstanceOf(CallError);
    expect(err).toBeInstanceOf(TendrilError);
    expect(err.name).toBe('CallError');
    expect(err.message.startsWith('RangeError: kaboom 7')).toBe(true);
    expect(err.remoteType).toBe('RangeError');
    expect(err.remoteMessage).toBe('kaboom 7');
    // The stack is the one the child made: its frames, not the master's.
    // (node:vm puts the offending source line above the stack of code it ran.)
    expect(err.remoteStack).toMatch(/^RangeError: kaboom 7\n\s+at kaboomInTheChild /m);
    expect(err.remoteStack).not.toContain('errors.test.ts');
    expect(err.context).toEqual({ id: ctx.id, name: ctx.name });
    // The local stack shows both sides.
    expect(err.stack).toContain('<remote>');
    expect(err.stack).toContain(`in context ${ctx.name}`);
    expect(err.stack).toContain('kaboomInTheChild');
    await expect(ctx.call('node:os', 'hostname')).resolves.toBe(hostname());
  });

  it('a rejected promise and a thrown non-Error are CallErrors too', async () => {
    const ctx = await fx.shared();
    await expect(runInChild(ctx, "Promise.reject(new TypeError('async bad'))")).rejects.toThrow(/^TypeError: async bad/);
    const s = await rejectionOf(runInChild(ctx, "throw 'just a string'"));
    expect(s).toBeInstanceOf(CallError);
    expect(s.remoteType).toBe('string');
    expect(s.remoteMessage).toBe('just a string');
    const o = await rejectionOf(runInChild(ctx, 'throw { code: 5 }'));
    expect(o).toBeInstanceOf(CallError);
    expect(o.message).toContain('"code":5');
  });

  it('an error thrown by a builtin keeps its type and message', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(ctx.call('node:fs', 'readFileSync', '/nonexistent/tendril-file'));
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toMatch(/^Error: ENOENT: no such file or directory, open '\/nonexistent\/tendril-file'/);
  });

  it('a missing function or module is a CallError naming it', async () => {
    const ctx = await fx.shared();
    const noFn = await rejectionOf(ctx.call('node:os', 'noSuchFunction'));
    expect(noFn).toBeInstanceOf(CallError);
    expect(noFn.message).toMatch(/^TypeError: .*node:os.*noSuchFunction/);
    const notFn = await rejectionOf(ctx.call('node:os', 'EOL'));
    expect(notFn).toBeInstanceOf(CallError);
    expect(notFn.message).toContain('EOL');
    const noMod = await rejectionOf(ctx.call('node:no-such-builtin', 'f'));
    expect(noMod).toBeInstanceOf(CallError);
    expect(noMod.message).toContain('node:no-such-builtin');
  });

  it('a result that cannot be sent is a CallError naming it', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(runInChild(ctx, '({ ok: 1, fn: () => 1 })'));
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toMatch(/^TypeError: cannot send result\.fn: function/);
    await expect(ctx.call('node:os', 'hostname')).resolves.toBe(hostname());
  });
});

describe('refused at the sender', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('a function argument: TypeError naming args[1]', async () => {
    const ctx = await fx.shared();
    expect(() => ctx.callAsync('node:os', 'hostname', 1, () => 2)).toThrow(TypeError);
    const err = await rejectionOf(ctx.call('node:os', 'hostname', 1, () => 2));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/args\[1\]: function/);
  });

  it('a class instance holding a function, a socket: TypeError naming the path and what it is', async () => {
    const ctx = await fx.shared();
    // A class instance travels as its data (issue 11): a function in it is refused.
    class Widget {
      onClick = (): number => 1;
    }
    await expect(ctx.call('node:os', 'hostname', 'x', new Widget())).rejects.toThrow(/args\[1\]\.onClick: function/);
    const sock = new Socket();
    try {
      await expect(ctx.call('node:os', 'hostname', 0, { conn: sock })).rejects.toThrow(/args\[1\]\.conn: Socket/);
    } finally {
      sock.destroy();
    }
    await expect(ctx.call('node:os', 'hostname', [1, [Symbol('s')]])).rejects.toThrow(/args\[0\]\[1\]\[0\]: symbol/);
    expect(() => ctx.callNoReply('node:os', 'hostname', new Widget())).toThrow(/args\[0\]\.onClick: function/);
  });

  it('nothing was sent: the context kept working and runs no stray call', async () => {
    const ctx = await fx.shared();
    await runInChild(ctx, 'globalThis.__stray = 0');
    expect(() => ctx.callNoReply('node:vm', 'runInThisContext', 'globalThis.__stray++', () => 1)).toThrow(TypeError);
    await expect(runInChild(ctx, 'globalThis.__stray')).resolves.toBe(0);
  });

  it('a relative module specifier: refused with the URL fix in the message', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(ctx.call('./helper.js', 'fn'));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toContain("new URL('./helper.js', import.meta.url)");
    expect(() => ctx.import('../lib/x.ts')).toThrow("new URL('../lib/x.ts', import.meta.url)");
    expect(() => ctx.callAsync('.', 'fn')).toThrow(/relative/);
    expect(() => ctx.chain().callNoReply('./y.mjs', 'fn')).toThrow("new URL('./y.mjs', import.meta.url)");
  });

  it('a non-file URL is refused', async () => {
    const ctx = await fx.shared();
    expect(() => ctx.callAsync(new URL('https://example.com/x.js'), 'fn')).toThrow(TypeError);
  });
});

describe('dead replies: nothing waits forever', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('a message to an unregistered handle in the child gets a dead reply naming the reason', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(ctx.sendAsync({ handle: 5555, data: 1 }).get());
    expect(err).toBeInstanceOf(ChannelError);
    expect(err.reason).toMatch(/no handler for handle 5555/);
    expect(err.message).toContain(ctx.name);
    // Same in the dispatcher's range of handles.
    await expect(ctx.sendAwait({ handle: 0x80001234, data: 'x' })).rejects.toThrow(/no handler for handle 2147488308/);
    await expect(ctx.call('node:os', 'hostname')).resolves.toBe(hostname());
  });

  it('a message to an unknown context id gets a dead reply', async () => {
    const ghost = fx.router.contextFor(999);
    const err = await rejectionOf(ghost.sendAsync({ handle: 1000, data: 1 }).get());
    expect(err).toBeInstanceOf(ChannelError);
    expect(err.reason).toMatch(/no route to context 999/);
    await expect(ghost.call('node:os', 'hostname')).rejects.toBeInstanceOf(ChannelError);
    await expect(ghost.sendAwait({ handle: 1000 }, { timeout: 20_000 })).rejects.toBeInstanceOf(ChannelError);
  });

  it('a child sending to an unknown context gets the dead reply too', async () => {
    const ctx = await fx.shared();
    const ghost = fx.router.contextFor(4321);
    const got = await runWithGlobals(
      ctx,
      'g.sendAsync({ handle: 1000, data: 1 }).get().then(() => "delivered?!", (e) => e.name + ": " + e.message)',
      { g: ghost },
    );
    expect(got).toMatch(/^ChannelError: .*4321/);
  });

  it('a receiver without a reply times out with TimeoutError', async () => {
    const r = new Receiver(fx.router);
    await expect(r.get({ timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    r.close();
  });
});

describe('maxMessageSize', () => {
  const fx = withRouter({ maxMessageSize: 4096 }, { scope: 'file' });

  it('an 8 KiB argument fails with an error that says the limit; the context keeps working', async () => {
    const ctx = await fx.shared();
    const big = 'x'.repeat(8192);
    const err = await rejectionOf(ctx.call('node:vm', 'runInThisContext', `'${big}'.length`));
    expect(err).toBeInstanceOf(TendrilError);
    expect(err.message).toMatch(/exceeds maxMessageSize 4096/);
    await expect(ctx.call('node:os', 'hostname')).resolves.toBe(hostname());
    await expect(ctx.call('node:vm', 'runInThisContext', `'${'y'.repeat(1000)}'.length`)).resolves.toBe(1000);
  });

  it('an 8 KiB result fails with a CallError that says the limit', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(runInChild(ctx, "'z'.repeat(8192)"));
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toMatch(/maxMessageSize 4096/);
    await expect(runInChild(ctx, "'z'.repeat(100)")).resolves.toBe('z'.repeat(100));
  });

  it('send() without a reply throws at once', async () => {
    const ctx = await fx.shared();
    expect(() => ctx.send({ handle: 1000, data: new Uint8Array(8192) })).toThrow(/maxMessageSize 4096/);
    expect(() => new Sender(ctx, 1000).send('q'.repeat(8192))).toThrow(/maxMessageSize 4096/);
  });

  it('the child inherits the limit', async () => {
    const ctx = await fx.shared();
    const r = new Receiver(fx.router);
    const err = await rejectionOf(runWithGlobals(ctx, "s.send('w'.repeat(8192))", { s: r.toSender() }));
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toMatch(/maxMessageSize 4096/);
    await runWithGlobals(ctx, "s.send('small')", { s: r.toSender() });
    expect((await r.get({ timeout: 10_000 })).decode()).toBe('small');
    r.close();
  });
});

describe('a corrupt stream', () => {
  const fx = withRouter();

  it('garbage on a child\'s channel tears down that stream only, with a logged reason', async () => {
    const [bad, good] = await Promise.all([fx.local({ name: 'garbler' }), fx.local({ name: 'bystander' })]);
    const pid = fx.pidOf(bad);
    const pending = rejectionOf(bad.call('node:timers/promises', 'setTimeout', 20_000));
    // User code writing on the channel's fd itself (the only way output can reach it).
    await rejectionOf(runInChild(bad, "require('fs').writeSync(4, Buffer.from('this is definitely not a frame header'))"));
    const err = await pending;
    expect(err).toBeInstanceOf(ChannelError);
    expect(err.reason).toMatch(/corrupt frame header/);
    expect(bad.state).toBe('dead');
    await waitGone(pid, 3000);
    await expect(good.call('node:os', 'hostname')).resolves.toBe(hostname());
    const logged = fx.logs.filter((r) => r.source === 'tendril' && r.message.includes('garbler'));
    expect(logged.map((r) => r.message).join('\n')).toMatch(/corrupt frame header/);
    expect(logged.every((r) => r.level === 'warn' || r.level === 'error')).toBe(true);
  });
});
