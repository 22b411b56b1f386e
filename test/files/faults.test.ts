// Bad input and faults of file transfer (issue 13 part 3), with real processes: a missing or
// unreadable source, a missing, read-only or full destination, a path not allowed, cancel(),
// a target SIGKILLed at 50%, the master killed mid-push. Each is a clear error (CallError
// with the code, or ChannelError), never a partial destination, never a hang.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallError, ChannelError, Router, type Context } from '../../src/index.js';
import { HOST_A, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { withRouter } from '../support/router.js';
import { waitFor, waitGone } from '../support/processes.js';
import { FULL_DIR, RO_DIR, randomFile, removeDir, scratchDir, sha256Of, tempFilesIn } from './support.js';

const failure = (p: PromiseLike<unknown>): Promise<unknown> => Promise.resolve(p).then(() => new Error('expected a failure'), (e: unknown) => e);

describe('files: bad input and faults, local', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });
  const dir = scratchDir('faults');
  afterAll(() => removeDir(dir));
  const src = join(dir, 'src');
  beforeAll(() => void randomFile(src, 4 << 20));

  it('a missing source is a CallError ENOENT, both ways', async () => {
    const ctx = await fx.local();
    expect(await failure(ctx.files.put(join(dir, 'nope'), join(dir, 'x')))).toMatchObject({ name: 'CallError', code: 'ENOENT' });
    expect(await failure(ctx.files.get(join(dir, 'nope'), join(dir, 'x')))).toMatchObject({ name: 'CallError', code: 'ENOENT' });
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('a missing destination directory is ENOENT, a read-only file system EROFS, a full disk ENOSPC: nothing left', async () => {
    const ctx = await fx.local();
    expect(await failure(ctx.files.put(src, join(dir, 'no/such/dir/x')))).toMatchObject({ name: 'CallError', code: 'ENOENT' });
    expect(await failure(ctx.files.put(src, join(RO_DIR, 'x')))).toMatchObject({ name: 'CallError', code: 'EROFS' });
    const full = await failure(ctx.files.put(src, join(FULL_DIR, 'x')));
    expect(full).toBeInstanceOf(CallError);
    expect(full).toMatchObject({ code: 'ENOSPC' });
    expect(tempFilesIn(FULL_DIR)).toEqual([]);
    expect(existsSync(join(FULL_DIR, 'x'))).toBe(false);
    // get into a full disk on the master's side too.
    expect(await failure(ctx.files.get(src, join(FULL_DIR, 'y')))).toMatchObject({ name: 'CallError', code: 'ENOSPC' });
    expect(tempFilesIn(FULL_DIR)).toEqual([]);
  });

  it('a get that fails on the master ends its serving side: the target closes the file at once', async () => {
    const ctx = await fx.local({ name: 'server' });
    const served = join(dir, 'served');
    randomFile(served, 8 << 20);
    const pid = fx.pidOf(ctx);
    const openHere = (): boolean => readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === served;
      } catch {
        return false;
      }
    });
    expect(await failure(ctx.files.get(served, join(FULL_DIR, 'z')))).toMatchObject({ name: 'CallError', code: 'ENOSPC' });
    // The master cancels FileService.serve when its own side fails: no source left serving.
    await waitFor(() => !openHere(), 5000, 'the served file closed in the target');
    expect(tempFilesIn(FULL_DIR)).toEqual([]);
    // The target is fine for the next transfer.
    await expect(ctx.files.get(served, join(dir, 'served-got'))).resolves.toMatchObject({ bytes: 8 << 20 });
  });

  it('a push into a full disk fails with ENOSPC for the intermediate and the context it serves while receiving', async () => {
    const i1 = await fx.local({ name: 'full-i1' });
    const t1 = await fx.router.local({ name: 'full-t1', via: i1 });
    const push = fx.router.files.push([i1, t1], src, join(FULL_DIR, 'pushed'));
    expect(await failure(push)).toMatchObject({ name: 'CallError', code: 'ENOSPC' });
    expect(existsSync(join(FULL_DIR, 'pushed'))).toBe(false);
    expect(tempFilesIn(FULL_DIR)).toEqual([]);
  });

  it('a path not allowed is refused with EPERM once allow() was used', async () => {
    const ctx = await fx.local();
    mkdirSync(join(dir, 'shared'), { recursive: true });
    randomFile(join(dir, 'shared/ok'), 10);
    fx.router.files.allow(join(dir, 'shared'));
    await expect(ctx.files.get(join(dir, 'shared/ok'), join(dir, 'ok-got'))).resolves.toMatchObject({ bytes: 10 });
    expect(await failure(ctx.files.get(src, join(dir, 'refused')))).toMatchObject({ name: 'CallError', code: 'EPERM' });
    expect(await failure(ctx.files.get(join(dir, 'shared/../src'), join(dir, 'refused')))).toMatchObject({ code: 'EPERM' });
    expect(existsSync(join(dir, 'refused'))).toBe(false);
  });

  it('cancel() at 50% rejects, and leaves neither destination nor temporary file', async () => {
    const ctx = await fx.local();
    const big = join(dir, 'big');
    randomFile(big, 64 << 20);
    const put = ctx.files.put(big, join(dir, 'cancelled'));
    put.progress$.subscribe((p) => {
      if (p.bytes >= p.total / 2) put.cancel(new Error('enough'));
    });
    expect(await failure(put)).toMatchObject({ message: 'enough' });
    // The target removes its temporary file as it stops (the caller was answered first).
    await waitFor(() => tempFilesIn(dir).length === 0, 10_000, 'the temporary file removed');
    expect(existsSync(join(dir, 'cancelled'))).toBe(false);
  });

  it('cancel() of a get at 50% rejects, and leaves nothing on the master', async () => {
    const ctx = await fx.local();
    const big = join(dir, 'big-get');
    randomFile(big, 64 << 20);
    const get = ctx.files.get(big, join(dir, 'got-cancelled'));
    get.progress$.subscribe((p) => {
      if (p.total > 0 && p.bytes >= p.total / 2) get.cancel(new Error('enough of it'));
    });
    expect(await failure(get)).toMatchObject({ message: 'enough of it' });
    expect(existsSync(join(dir, 'got-cancelled'))).toBe(false);
    expect(tempFilesIn(dir)).toEqual([]);
  });

  it('a target SIGKILLed at 50%: ChannelError within 1 s, and no file left after its next start', async () => {
    const ctx = await fx.local({ name: 'victim' });
    const big = join(dir, 'big2');
    randomFile(big, 64 << 20);
    const put = ctx.files.put(big, join(dir, 'killed'));
    let killedAt = 0;
    put.progress$.subscribe((p) => {
      if (killedAt === 0 && p.bytes >= p.total / 2) {
        killedAt = Date.now();
        process.kill(fx.pidOf(ctx), 'SIGKILL');
      }
    });
    const err = await failure(put);
    expect(err).toBeInstanceOf(ChannelError);
    expect(Date.now() - killedAt).toBeLessThan(1000);
    expect(existsSync(join(dir, 'killed'))).toBe(false);
    // The next FileService started in this account removes what the killed one left.
    const next = await fx.local({ name: 'next' });
    await next.files.put(src, join(dir, 'after'));
    expect(tempFilesIn(dir)).toEqual([]);
    expect(existsSync(join(dir, 'killed'))).toBe(false);
  });

  it('the serving side of a get SIGKILLed at 50%: ChannelError (its death, not the pull\'s), no file left', async () => {
    const ctx = await fx.local({ name: 'served-victim' });
    const big = join(dir, 'big4');
    randomFile(big, 64 << 20);
    const get = ctx.files.get(big, join(dir, 'got-killed'));
    let killed = false;
    get.progress$.subscribe((p) => {
      if (!killed && p.total > 0 && p.bytes >= p.total / 2) {
        killed = true;
        process.kill(fx.pidOf(ctx), 'SIGKILL');
      }
    });
    const err = await failure(get);
    expect(killed).toBe(true);
    expect(err).toBeInstanceOf(ChannelError);
    expect(existsSync(join(dir, 'got-killed'))).toBe(false);
    expect(tempFilesIn(dir)).toEqual([]);
  });

  it('the master killed mid-push: no partial file, children gone, temporary files removed by the next start', async () => {
    const big = join(dir, 'big3');
    const sha = randomFile(big, 128 << 20);
    const dest = join(dir, 'pushed');
    const script = fileURLToPath(new URL('./fixtures/push-master.ts', import.meta.url));
    const master = spawn(process.execPath, ['--import', 'tsx', script, big, dest], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const pids: number[] = [];
    await new Promise<void>((resolve, reject) => {
      master.on('exit', () => reject(new Error(`master exited early: ${out}`)));
      master.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /pids (\d+) (\d+)/.exec(out);
        if (m && pids.length === 0) pids.push(Number(m[1]), Number(m[2]));
        const p = /progress \S+ (\d+) (\d+)\n/.exec(out);
        if (p && Number(p[1]) > 0) resolve();
      });
    });
    master.kill('SIGKILL');
    // Orphans shut themselves down: nothing hangs.
    for (const pid of pids) await waitGone(pid, 15_000);
    // Never a partial file: the copy is absent, or (renamed into place before the kill) whole.
    if (existsSync(dest)) expect(await sha256Of(dest)).toBe(sha);
    const router = new Router({ printLogs: false });
    try {
      const next = await router.local({ name: 'after-master' });
      await next.files.put(src, join(dir, 'after2'));
      expect(tempFilesIn(dir)).toEqual([]);
    } finally {
      await router.shutdown();
    }
  }, 120_000);
});

describeHosts('files: faults of permissions, over ssh', () => {
  const fx = withRouter({ shutdownTimeout: 2000 }, { scope: 'file' });
  const dir = scratchDir('perm');
  let carol: Context;
  beforeAll(async () => {
    carol = await fx.router.ssh({ ...sshTo(HOST_A, 'carol'), name: 'carol' });
  }, 60_000);
  afterAll(() => removeDir(dir));

  it('an unreadable source is EACCES, a directory not writable is EACCES: nothing left', async () => {
    const secret = join(dir, 'secret');
    randomFile(secret, 100, 0o600);
    expect(await failure(carol.files.get(secret, join(dir, 'leak')))).toMatchObject({ name: 'CallError', code: 'EACCES' });
    const closed = join(dir, 'closed');
    mkdirSync(closed);
    chmodSync(closed, 0o755);
    const src = join(dir, 'src');
    randomFile(src, 70_000);
    expect(await failure(carol.files.put(src, join(closed, 'x')))).toMatchObject({ name: 'CallError', code: 'EACCES' });
    expect(tempFilesIn(closed)).toEqual([]);
    expect(existsSync(join(dir, 'leak'))).toBe(false);
  }, 60_000);
});
