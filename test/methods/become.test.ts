// sudo, su and doas against the real tools and the rules of test/hosts/up.sh: passwords, the
// three terminal paths (pipes, a PTY for the prompt only, a full raw PTY), PTY accounting, and
// 10 MiB byte-exact through each path.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { PasswordError, StreamError, type Context } from '../../src/index.js';
import { scriptBackend, setPtyBackend, ptyBackend, type PtyBackend } from '../../src/parent/pty.js';
import { PASSWORDS } from '../hosts/hosts.js';
import { controllingTty, describeHosts, ownPtyFds, ptyFdsOfTree } from '../support/hosts-suite.js';
import { withRouter } from '../support/router.js';
import type * as Tasks from '../fixtures/methods/tasks.js';

const tasksUrl = new URL('../fixtures/methods/tasks.ts', import.meta.url);
const tasks = (ctx: Context): ReturnType<typeof ctx.import<typeof Tasks>> => ctx.import<typeof Tasks>(tasksUrl);
const fakeSu = fileURLToPath(new URL('../fixtures/stubs/fake-su.sh', import.meta.url));

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** 10 MiB of random bytes through the context and back, compared. */
async function roundTrip10MiB(ctx: Context): Promise<void> {
  const data = randomBytes(10 << 20);
  const back = await tasks(ctx).echo(data);
  expect(back.byteLength).toBe(data.byteLength);
  expect(Buffer.from(back).equals(data)).toBe(true);
}

describeHosts('sudo', () => {
  const fx = withRouter({ shutdownTimeout: 2000 }, { scope: 'file' });
  /** A context as alice (su from root asks nothing): where the password rules apply. */
  let alice: Context;
  beforeAll(async () => {
    alice = await fx.router.su({ username: 'alice', name: 'alice' });
  });

  it('pipes: root -> bob answers as bob, 10 MiB byte-exact, and no PTY anywhere', async () => {
    const ctx = await fx.router.sudo({ username: 'bob' });
    const me = await tasks(ctx).whoAmI();
    expect(me.username).toBe('bob');
    expect(me.ttys).toEqual([]);
    expect(ptyFdsOfTree(fx.pidOf(ctx))).toEqual([]);
    expect(ownPtyFds()).toEqual([]);
    await roundTrip10MiB(ctx);
  });

  it('pipes with a password (sudo -S): alice -> bob; the context has no terminal', async () => {
    const ctx = await fx.router.sudo({ via: alice, username: 'bob', password: PASSWORDS.alice });
    const me = await tasks(ctx).whoAmI();
    expect(me.username).toBe('bob');
    expect(me.ttys).toEqual([]);
    expect(controllingTty(me.pid)).toBe(0);
  });

  it('a wrong password, and no password, give PasswordError', async () => {
    const wrong = await rejection(fx.router.sudo({ via: alice, username: 'bob', password: 'nope' }));
    expect(wrong).toBeInstanceOf(PasswordError);
    expect(wrong.message).toMatch(/password was refused/);
    const none = await rejection(fx.router.sudo({ via: alice, username: 'bob' }));
    expect(none).toBeInstanceOf(PasswordError);
    expect(none.message).toMatch(/none was given/);
  });

  it('a PTY for the prompt only (requiretty, auto): the data stays on pipes, 10 MiB byte-exact', async () => {
    // Defaults>dora requiretty: sudo refuses on pipes, auto retries with a controlling terminal.
    const ctx = await fx.router.sudo({ username: 'dora' });
    const me = await tasks(ctx).whoAmI();
    expect(me.username).toBe('dora');
    expect(me.ttys).toEqual([]);
    expect(controllingTty(me.pid)).not.toBe(0);
    expect(fx.logs.some((r) => r.contextId === ctx.id && /must have a tty/.test(r.message))).toBe(true);
    await roundTrip10MiB(ctx);
  });

  it('a full raw PTY (pty: full, requiretty rule): 10 MiB byte-exact, prints still arrive as logs', async () => {
    const ctx = await fx.router.sudo({ username: 'dora', pty: 'full' });
    const me = await tasks(ctx).whoAmI();
    expect(me.username).toBe('dora');
    expect(me.ttys).toEqual([3, 4]);
    await roundTrip10MiB(ctx);
    await tasks(ctx).printLines(['from a full-PTY child']);
    await expect.poll(() => fx.logs.some((r) => r.contextId === ctx.id && r.message === 'from a full-PTY child')).toBe(true);
  });

  it('through an intermediate the PTYs come from util-linux script: requiretty with a password, prompt and full', async () => {
    const auto = await fx.router.sudo({ via: alice, username: 'dora', password: PASSWORDS.alice });
    expect((await tasks(auto).whoAmI()).username).toBe('dora');
    const full = await fx.router.sudo({ via: alice, username: 'dora', password: PASSWORDS.alice, pty: 'full' });
    const me = await tasks(full).whoAmI();
    expect(me.username).toBe('dora');
    expect(me.ttys).toEqual([3, 4]);
    const wrong = await rejection(fx.router.sudo({ via: alice, username: 'dora', password: 'nope', pty: 'full' }));
    expect(wrong).toBeInstanceOf(PasswordError);
  });

  it('sudoArgs: harmless flags pass, flags that change how tendril talks to sudo are refused', async () => {
    const ctx = await fx.router.sudo({ username: 'bob', sudoArgs: ['-H', '--preserve-env=LANG'] });
    expect((await tasks(ctx).whoAmI()).username).toBe('bob');
    for (const bad of [['-s'], ['-i'], ['-u', 'root'], ['-S'], ['--askpass'], ['-b'], ['--frobnicate']]) {
      const err = await rejection(fx.router.sudo({ username: 'bob', sudoArgs: bad }));
      expect(err, bad.join(' ')).toBeInstanceOf(StreamError);
      expect(err.message).toMatch(/sudoArgs: .* is not supported/);
    }
  });
});

describeHosts('su', () => {
  const fx = withRouter({ shutdownTimeout: 2000 }, { scope: 'file' });
  let alice: Context;
  beforeAll(async () => {
    alice = await fx.router.su({ username: 'alice', name: 'alice' });
  });

  it('alice -> bob with a password, on plain pipes (no PTY)', async () => {
    const ctx = await fx.router.su({ via: alice, username: 'bob', password: PASSWORDS.bob });
    const me = await tasks(ctx).whoAmI();
    expect(me.username).toBe('bob');
    expect(me.ttys).toEqual([]);
    expect(controllingTty(me.pid)).toBe(0);
  });

  it('a wrong password, and no password, give PasswordError', async () => {
    const wrong = await rejection(fx.router.su({ via: alice, username: 'bob', password: 'nope' }));
    expect(wrong).toBeInstanceOf(PasswordError);
    const none = await rejection(fx.router.su({ via: alice, username: 'bob' }));
    expect(none).toBeInstanceOf(PasswordError);
    expect(none.message).toMatch(/none was given/);
  });

  it('through any login shell: su hands the command to fish and tcsh intact', async () => {
    for (const user of ['finn', 'tess']) {
      const ctx = await fx.router.su({ username: user });
      expect((await tasks(ctx).whoAmI()).username).toBe(user);
    }
  });

  it('localized and configured prompts are recognized; localized failure texts give PasswordError', async () => {
    const env = (prompt: string, incorrect: string): Record<string, string> => ({ FAKE_SU_PROMPT: prompt, FAKE_SU_PASSWORD: 'geheim', FAKE_SU_INCORRECT: incorrect });
    const saved = { ...process.env };
    try {
      Object.assign(process.env, env('Passwort: ', 'su: Authentifizierungsfehler'));
      const de = await fx.router.su({ suPath: fakeSu, username: 'x', password: 'geheim' });
      expect(await de.call('node:os', 'hostname')).toBeTruthy();
      const deWrong = await rejection(fx.router.su({ suPath: fakeSu, username: 'x', password: 'falsch' }));
      expect(deWrong).toBeInstanceOf(PasswordError);
      Object.assign(process.env, env('Mot de passe : ', 'su: échec d\'authentification'));
      const fr = await fx.router.su({ suPath: fakeSu, username: 'x', password: 'geheim' });
      expect(await fr.call('node:os', 'hostname')).toBeTruthy();
      Object.assign(process.env, env('Geef het toegangswoord>', 'fout: verkeerd toegangswoord'));
      const custom = await fx.router.su({ suPath: fakeSu, username: 'x', password: 'geheim', passwordPrompt: 'toegangswoord>' });
      expect(await custom.call('node:os', 'hostname')).toBeTruthy();
      const customWrong = await rejection(
        fx.router.su({ suPath: fakeSu, username: 'x', password: 'nee', passwordPrompt: 'toegangswoord>', incorrectPrompts: ['verkeerd toegangswoord'] }),
      );
      expect(customWrong).toBeInstanceOf(PasswordError);
    } finally {
      process.env = saved;
    }
  });
});

describeHosts('doas', () => {
  const fx = withRouter({ shutdownTimeout: 2000 }, { scope: 'file' });
  let alice: Context;
  let carol: Context;
  beforeAll(async () => {
    [alice, carol] = await Promise.all([fx.router.su({ username: 'alice', name: 'alice' }), fx.router.su({ username: 'carol', name: 'carol' })]);
  });

  it('a nopass rule works on plain pipes, without a PTY', async () => {
    const ctx = await fx.router.doas({ via: carol, username: 'bob' });
    const me = await tasks(ctx).whoAmI();
    expect(me.username).toBe('bob');
    expect(me.ttys).toEqual([]);
    expect(controllingTty(me.pid)).toBe(0);
    expect(ptyFdsOfTree(me.pid)).toEqual([]);
  });

  it('with a password: a PTY as controlling terminal only, the data on pipes', async () => {
    const ctx = await fx.router.doas({ via: alice, username: 'bob', password: PASSWORDS.alice });
    const me = await tasks(ctx).whoAmI();
    expect(me.username).toBe('bob');
    expect(me.ttys).toEqual([]);
  });

  it('a wrong password, and no password, give PasswordError', async () => {
    const wrong = await rejection(fx.router.doas({ via: alice, username: 'bob', password: 'nope' }));
    expect(wrong).toBeInstanceOf(PasswordError);
    const none = await rejection(fx.router.doas({ via: alice, username: 'bob' }));
    expect(none).toBeInstanceOf(PasswordError);
  });

  it('from the master the PTY comes from node-pty, or from script when told so: both work', async () => {
    const saved: PtyBackend = ptyBackend();
    for (const backend of [saved, scriptBackend]) {
      setPtyBackend(backend);
      try {
        // root is permitted without a password: force the PTY path to exercise it.
        const ctx = await fx.router.doas({ username: 'bob', pty: 'prompt' });
        expect((await tasks(ctx).whoAmI()).username).toBe('bob');
        const full = await fx.router.doas({ username: 'bob', pty: 'full' });
        expect((await tasks(full).whoAmI()).ttys).toEqual([3, 4]);
      } finally {
        setPtyBackend(saved);
      }
    }
  });
});
