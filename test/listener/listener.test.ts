// router.listen() / connectUnix(): another process attaches and calls a grandchild of the
// listener's master; a process of another uid (a test account, through runuser) is refused
// at the socket (mode 0600) and, where the socket lets it connect, by the uid proof; the
// listener's close(), its router's shutdown and its process's death end the attached router
// (pending calls reject with ChannelError).
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { CallError, ChannelError, Router, StreamError, connectUnix, type Context } from '../../src/index.js';
import { describeHosts } from '../support/hosts-suite.js';
import { withRouter } from '../support/router.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const client = fileURLToPath(new URL('../fixtures/listener/attach-client.ts', import.meta.url));
const listenerMaster = fileURLToPath(new URL('../fixtures/listener/listener-master.ts', import.meta.url));

/**
 * Some tests run parts of this checkout as a test account: it must be able to read it. A
 * checkout under a private directory (root's home, a 0700 mktemp) cannot be: say how to fix it
 * (.ci/run does it) instead of timing out.
 */
function assertReadableBy(user: string): void {
  const r = spawnSync('runuser', ['-u', user, '--', 'test', '-r', join(repoRoot, 'package.json')]);
  if (r.status !== 0) {
    throw new Error(
      `${user} cannot read this checkout (${repoRoot}): these tests run parts of it as ${user}; ` +
        'make it readable (chmod o+x on its parent directories, chmod -R o+rX on it), as .ci/run does',
    );
  }
}

/** Runs the attach client (as `user` through runuser when given) and parses its JSON line. */
function runClient(path: string, grandchild: number, user?: string): Promise<Record<string, unknown>> {
  const argv = [process.execPath, '--import', 'tsx', client, path, String(grandchild)];
  if (user) assertReadableBy(user);
  const [cmd, ...args] = user ? ['runuser', '-u', user, '--', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const p = spawn(cmd!, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>);
      } catch {
        reject(new Error(`client exited ${code} without a JSON line; stdout: ${out} stderr: ${err}`));
      }
    });
  });
}

/** The first line a process prints on stdout, as JSON. */
function firstLine<T>(p: ChildProcessByStdio<Writable, Readable, null>): Promise<T> {
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as T);
    });
    p.on('exit', (code) => reject(new Error(`listener master exited ${code}`)));
  });
}

async function settled<T>(p: Promise<T>): Promise<unknown> {
  return p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describeHosts('Unix listener', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  async function tree(): Promise<{ child: Context; grandchild: Context }> {
    const child = await fx.router.local({ name: 'child' });
    const grandchild = await fx.router.local({ via: child, name: 'grandchild' });
    return { child, grandchild };
  }

  it('another process attaches and calls a grandchild of the listener\'s master; the socket is private', async () => {
    const { grandchild } = await tree();
    const l = await fx.router.listen();
    expect(statSync(l.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(l.path)).mode & 0o777).toBe(0o700);
    const r = await runClient(l.path, grandchild.id);
    expect(r).toMatchObject({ peer: 'master', grandchild: 'grandchild', user: 'root' });
    // The client's command ran in the grandchild's process (the shell's parent is its node).
    expect(r.ppid).toBe((await grandchild.exec('echo $PPID')).stdout.trim());
    await l.close();
    expect(existsSync(l.path)).toBe(false);
    expect(existsSync(dirname(l.path))).toBe(false);
  }, 60_000);

  it('a process of another uid is refused: by the socket\'s mode, and by the uid proof where the socket lets it in', async () => {
    const { grandchild } = await tree();
    const l = await fx.router.listen();
    const denied = await runClient(l.path, grandchild.id, 'alice');
    expect(denied.type).toBe('StreamError');
    expect(denied.error).toMatch(/cannot connect to the listener at .*: permission denied/);

    // A socket anyone may connect to (a directory and mode the user chose badly).
    const open = mkdtempSync(join(tmpdir(), 'listener-open-'));
    dirs.push(open);
    chmodSync(open, 0o777);
    const l2 = await fx.router.listen({ path: join(open, 'sock') });
    chmodSync(l2.path, 0o666);
    const refused = await runClient(l2.path, grandchild.id, 'alice');
    expect(refused.type).toBe('StreamError');
    expect(refused.error).toMatch(/refused by the listener at .*: it accepts only processes of uid 0, and this process is uid \d+ \(cannot read its key .*EACCES\)/);
    expect(l2.attachedCount).toBe(0);
    // The same client as the listener's user gets in.
    expect(await runClient(l2.path, grandchild.id)).toMatchObject({ grandchild: 'grandchild' });
  }, 90_000);

  it('connecting where no listener is, or to a socket that is not one, says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'listener-none-'));
    dirs.push(dir);
    await expect(connectUnix(join(dir, 'sock'))).rejects.toThrow(/cannot connect to the listener at .*: no such socket/);
    const other = createServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
    await new Promise<void>((resolve) => other.listen(join(dir, 'other'), resolve));
    try {
      await expect(connectUnix(join(dir, 'other'))).rejects.toThrow(StreamError);
      await expect(connectUnix(join(dir, 'other'))).rejects.toThrow(/not a tendril listener/);
    } finally {
      other.close();
    }
  });

  it('a listener run by a test account refuses root, which could read its key, by the uid it declares', async () => {
    assertReadableBy('alice');
    const master = spawn('runuser', ['-u', 'alice', '--', process.execPath, '--import', 'tsx', listenerMaster], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const info = await firstLine<{ path: string; grandchild: number }>(master);
      expect(statSync(info.path).uid).not.toBe(0);
      const e = await settled(connectUnix(info.path));
      expect(e).toBeInstanceOf(StreamError);
      expect((e as Error).message).toMatch(/refused by the listener at .*: this listener accepts only processes of uid \d+ \(the peer says it is uid 0\)/);
      // Its own user gets in and reaches the grandchild, which runs as alice.
      expect(await runClient(info.path, info.grandchild, 'alice')).toMatchObject({ grandchild: 'grandchild', user: 'alice' });
    } finally {
      master.stdin.end();
      await new Promise((resolve) => master.once('close', resolve));
    }
  }, 90_000);

  it('a peer that does not prove its uid is refused by the listener itself, with the reason', async () => {
    const l = await fx.router.listen();
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(l.path);
      let got = '';
      s.on('data', (c: Buffer) => {
        got += c.toString();
        const lines = got.split('\n');
        if (lines.length === 2) s.write(`${JSON.stringify({ proof: 'f'.repeat(64), uid: process.getuid!(), pid: 1, name: 'liar', notices: 1000 })}\n`);
      });
      s.on('close', () => resolve(got.split('\n')[1]!));
      s.on('error', reject);
    });
    expect(JSON.parse(answer)).toEqual({ refused: expect.stringMatching(/accepts only processes of uid 0: the peer did not prove it can read .*key/) });
    expect(l.attachedCount).toBe(0);
  }, 30_000);

  it('messages of the attached process carry the listener\'s authority; contexts started later become known to it', async () => {
    const { child } = await tree();
    const l = await fx.router.listen();
    const handle = fx.router.addHandler((msg) => msg.reply([msg.authId, msg.srcId]));
    const { router: r, peer } = await connectUnix(l.path, { name: 'probe' });
    try {
      expect(await peer.sendAwait({ handle, data: null })).toEqual([0, r.myself().id]);
      // The attached context is a context of the listener's tree.
      expect(fx.router.contextById(r.myself().id)?.name).toBe('probe');
      const later = await fx.router.local({ via: child, name: 'later' });
      await expect.poll(() => r.contextById(later.id)?.name, { timeout: 20_000 }).toBe('later');
      expect(await r.contextById(later.id)!.call('node:os', 'hostname')).toBe(await later.call('node:os', 'hostname'));
      // It starts contexts through the tree (never by itself); the listener sees them come up.
      await expect(r.local()).rejects.toThrow(/only through a context of the tree: pass via/);
      const mine = await r.local({ via: r.contextById(child.id)!, name: 'from-attached' });
      expect(await mine.call('node:os', 'hostname')).toBeTypeOf('string');
      await expect.poll(() => fx.router.contextById(mine.id)?.state, { timeout: 20_000 }).toBe('running');
    } finally {
      await r.shutdown();
    }
    // Detaching is a death the listener sees.
    await expect.poll(() => fx.router.contextById(r.myself().id)?.state, { timeout: 20_000 }).toBe('dead');
  }, 60_000);

  it('the listener\'s side can shut down or disconnect an attached process', async () => {
    const { grandchild } = await tree();
    const l = await fx.router.listen();
    const { router: r } = await connectUnix(l.path);
    const attached = fx.router.contextById(r.myself().id)!;
    await attached.shutdown({ wait: true });
    await expect.poll(() => r.closedReason, { timeout: 20_000 }).toBe('shutdown requested by the listener');
    expect(await settled(r.contextById(grandchild.id)!.call('node:os', 'hostname'))).toBeInstanceOf(ChannelError);

    const { router: r2 } = await connectUnix(l.path);
    const pending = settled(r2.contextById(grandchild.id)!.call('node:timers/promises', 'setTimeout', 120_000));
    fx.router.disconnect(fx.router.contextById(r2.myself().id)!);
    expect(await pending).toBeInstanceOf(ChannelError);
    expect(r2.closedReason).toMatch(/disconnected/);
    expect(l.attachedCount).toBe(0);
  }, 60_000);

  it('the listener\'s import policy applies to the attached process\'s calls', async () => {
    const tasks = fileURLToPath(new URL('../fixtures/listener/tasks.ts', import.meta.url));
    const strict = fx.track(new Router({ printLogs: false, shutdownTimeout: 2000, importPolicy: { deny: [/fixtures\/listener\/tasks/] } }));
    const child = await strict.local({ name: 'strict-child' });
    const l = await strict.listen();
    const { router: r } = await connectUnix(l.path);
    try {
      const c = r.contextById(child.id)!;
      const e = await settled(c.call(tasks, 'greet', 'x'));
      expect(e).toBeInstanceOf(CallError);
      expect((e as Error).message).toMatch(/fixtures\/listener\/tasks/);
      // The listening router's own calls get the same answer; another router's tree serves the module.
      expect(await settled(child.call(tasks, 'greet', 'x'))).toBeInstanceOf(CallError);
      const open = await fx.router.local();
      expect(await open.call(tasks, 'greet', 'x')).toMatch(/^hello x from \d+$/);
    } finally {
      await r.shutdown();
    }
  }, 60_000);

  it('close() and shutdown() end attached routers: pending calls and later calls reject with ChannelError', async () => {
    const { grandchild } = await tree();
    const l = await fx.router.listen();
    const { router: r } = await connectUnix(l.path);
    const g = r.contextById(grandchild.id)!;
    const pending = settled(g.call('node:timers/promises', 'setTimeout', 120_000));
    await expect(g.call('node:os', 'hostname')).resolves.toBeTypeOf('string');
    await l.close();
    const e = await pending;
    expect(e).toBeInstanceOf(ChannelError);
    expect((e as Error).message).toMatch(/the listener closed/);
    expect(await settled(g.call('node:os', 'hostname'))).toBeInstanceOf(ChannelError);
    expect(r.closedReason).toMatch(/the listener closed/);

    const l2 = await fx.router.listen();
    const { router: r2, peer } = await connectUnix(l2.path);
    const pending2 = settled(r2.contextById(grandchild.id)!.call('node:timers/promises', 'setTimeout', 120_000));
    await fx.router.shutdown();
    const e2 = await pending2;
    expect(e2).toBeInstanceOf(ChannelError);
    expect((e2 as Error).message).toMatch(/the listener's router shut down/);
    expect(peer.state).toBe('dead');
    expect(existsSync(l2.path)).toBe(false);
  }, 60_000);

  it('the listener\'s process dies (SIGKILL): the attached router ends, its pending calls reject with ChannelError', async () => {
    const master = spawn(process.execPath, ['--import', 'tsx', listenerMaster], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
    const info = await firstLine<{ path: string; grandchild: number }>(master);
    const { router: r, peer } = await connectUnix(info.path);
    const g = r.contextById(info.grandchild)!;
    expect(g.name).toBe('grandchild');
    const pending = settled(g.call('node:timers/promises', 'setTimeout', 120_000));
    await expect(g.call('node:os', 'hostname')).resolves.toBeTypeOf('string');
    master.kill('SIGKILL');
    const e = await pending;
    expect(e).toBeInstanceOf(ChannelError);
    expect((e as Error).message).toMatch(/lost the listener/);
    expect(peer.state).toBe('dead');
    expect(g.state).toBe('dead');
    expect(await settled(g.call('node:os', 'hostname'))).toBeInstanceOf(ChannelError);
    // A stale socket is left behind by a SIGKILLed listener: connecting says so.
    const stale = await settled(connectUnix(info.path));
    expect(stale).toBeInstanceOf(StreamError);
  }, 60_000);
});
