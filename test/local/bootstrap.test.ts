// Bootstrap of a local child: it runs the real code, shows its name in ps, writes nothing on
// disk; a broken first stage or transport ends in a StreamError that explains, never a hang.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamError } from '../../src/index.js';
import { newToken } from '../../src/parent/connection.js';
import { firstStageSource, startMarker } from '../../src/core/child/first-stage.js';
import { isGone, waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import { rejectionOf } from '../support/errors.js';

const corrupter = fileURLToPath(new URL('../fixtures/corrupt-channel.cjs', import.meta.url));

/** Every file below `dir`, recursively (directories included). */
function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

const tempDirs: string[] = [];
function tempDir(label: string): string {
  const d = mkdtempSync(join(tmpdir(), `tendril-${label}-`));
  tempDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a local child', () => {
  const fx = withRouter();

  it('runs the call in a real child and returns the real hostname', async () => {
    const ctx = await fx.local({ name: 'boot-host' });
    expect(ctx.state).toBe('running');
    const os = ctx.import<typeof import('node:os')>('node:os');
    await expect(os.hostname()).resolves.toBe(hostname());
    // It really ran elsewhere: another pid, the one the router spawned.
    const pid = fx.pidOf(ctx);
    expect(pid).not.toBe(process.pid);
    await expect(ctx.call('node:process', 'cwd')).resolves.toBe(process.cwd());
    expect(await ctx.call('node:vm', 'runInThisContext', 'process.pid')).toBe(pid);
  });

  it('shows up in ps as tendril:<name>', async () => {
    const ctx = await fx.local({ name: 'ps-visible' });
    const pid = fx.router.childPids().get(ctx.id);
    expect(pid).toBeTypeOf('number');
    const args = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    expect(args).toMatch(/^tendril:ps-visible\b/);
    // Nothing of the first stage's source is left visible in its place.
    expect(args).not.toContain('readSync');
  });

  it('writes no file on disk: HOME, TMPDIR and its cwd stay empty', async () => {
    const home = tempDir('home');
    const cwd = tempDir('cwd');
    const tmp = tempDir('tmp');
    const ctx = await fx.local({ name: 'no-files', cwd, env: { HOME: home, TMPDIR: tmp } });
    // The options did reach the child, so the emptiness below means something.
    await expect(ctx.call('node:process', 'cwd')).resolves.toBe(cwd);
    await expect(ctx.call('node:os', 'homedir')).resolves.toBe(home);
    await expect(ctx.call('node:os', 'tmpdir')).resolves.toBe(tmp);
    await ctx.call('node:os', 'hostname');
    await ctx.shutdown({ wait: true });
    await waitGone(fx.pidOf(ctx), 5000);
    expect({ home: listTree(home), cwd: listTree(cwd), tmp: listTree(tmp) }).toEqual({ home: [], cwd: [], tmp: [] });
  });

  it('a nonexistent cwd is a StreamError', async () => {
    const err = await rejectionOf(fx.router.local({ name: 'bad-cwd', cwd: '/nonexistent/tendril-cwd', connectTimeout: 10_000 }));
    expect(err).toBeInstanceOf(StreamError);
    expect(err.message).toContain('/nonexistent/tendril-cwd');
    expect(fx.router.childPids().size).toBe(0);
  });

  it('start tokens never look like a node option (they follow `-e <source>` on the command line)', () => {
    for (let i = 0; i < 5000; i++) expect(newToken()).toMatch(/^[A-Za-z0-9]/);
  });
});

describe('the first stage fed a broken payload', () => {
  interface Run {
    proc: ChildProcess;
    toChild: Writable;
    stderr: () => string;
    exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }
  const spawned: ChildProcess[] = [];
  afterEach(() => {
    for (const p of spawned.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  });

  /** Runs `node -e <first stage> <token>` with the channel on fds 3/4, as the driver does; resolves after the marker. */
  async function firstStage(): Promise<Run> {
    const token = 'T0k3n-test';
    const proc = spawn(process.execPath, ['-e', firstStageSource(), token], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    spawned.push(proc);
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const toChild = proc.stdio[3] as Writable;
    toChild.on('error', () => undefined);
    const fromChild = proc.stdio[4] as Readable;
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      fromChild.on('data', (d: Buffer) => {
        seen += d.toString('latin1');
        if (seen.includes(startMarker(token))) resolve();
      });
      proc.on('exit', () => reject(new Error(`the first stage exited before its marker: ${err}`)));
    });
    return { proc, toChild, stderr: () => err, exit };
  }

  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };

  it('exits non-zero with a message on a payload that is not compressed data', async () => {
    const run = await firstStage();
    run.toChild.write(Buffer.concat([u32(20), Buffer.from('this is not brotli!!')]));
    const { code } = await run.exit;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(run.stderr()).toMatch(/incorrect header check|decompression failed|invalid|corrupt/i);
  });

  it('exits non-zero with a message when the channel closes mid-payload', async () => {
    const run = await firstStage();
    run.toChild.end(Buffer.concat([u32(1000), Buffer.from('short')]));
    const { code } = await run.exit;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(run.stderr()).toContain('the channel closed during bootstrap (5 of 1000 bytes)');
  });

  it('exits non-zero with a message when the channel closes before the length', async () => {
    const run = await firstStage();
    run.toChild.end(Buffer.from([0, 0]));
    const { code } = await run.exit;
    expect(code).not.toBe(0);
    expect(run.stderr()).toContain('the channel closed during bootstrap (2 of 4 bytes)');
  });

  it('refuses an implausible length without trying to allocate it', async () => {
    const run = await firstStage();
    run.toChild.write(u32(0x7f000000));
    const { code } = await run.exit;
    expect(code).not.toBe(0);
    expect(run.stderr()).toMatch(/payload length 2130706432 is implausible/);
  });
});

describe('connection failures are StreamErrors that explain', () => {
  const fx = withRouter();

  it('a payload damaged in transit: StreamError with the child\'s last words, no hang', async () => {
    const err = await rejectionOf(
      fx.router.local({ name: 'flipped', nodePath: [process.execPath, '--require', corrupter], env: { TENDRIL_TEST_CORRUPT: 'flip' }, connectTimeout: 20_000 }),
    );
    expect(err).toBeInstanceOf(StreamError);
    expect(err.message).toContain("local context 'flipped'");
    expect(err.message).toMatch(/exited before it was ready/);
    expect(err.message).toMatch(/incorrect header check|decompression failed|invalid|corrupt/i);
    expect(err.message).not.toMatch(/timed out/);
  });

  it('a payload cut short: StreamError saying the channel closed during the bootstrap', async () => {
    const err = await rejectionOf(
      fx.router.local({ name: 'truncated', nodePath: [process.execPath, '--require', corrupter], env: { TENDRIL_TEST_CORRUPT: 'truncate' }, connectTimeout: 20_000 }),
    );
    expect(err).toBeInstanceOf(StreamError);
    expect(err.message).toMatch(/channel closed during (the )?bootstrap/);
    expect(err.message).toContain('100 of');
  });

  it('connectTimeout: a target that never writes the marker gives a StreamError saying so, and is killed', async () => {
    const start = performance.now();
    const err = await rejectionOf(fx.router.local({ name: 'silent', nodePath: ['/bin/sh', '-c', 'sleep 31', '--'], connectTimeout: 500 }));
    const took = performance.now() - start;
    expect(err).toBeInstanceOf(StreamError);
    expect(err.message).toMatch(/timed out after 500 ms/);
    expect(err.message).toContain('connectTimeout');
    expect(took).toBeLessThan(10_000);
    // Neither the wrapper nor the `sleep 31` it started is left behind.
    const sleepers = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /\bsleep 31\b/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]))
      .filter((pid) => !isGone(pid));
    expect(sleepers).toEqual([]);
  });

  it('a bad nodePath gives a StreamError naming the path', async () => {
    const err = await rejectionOf(fx.router.local({ name: 'nonode', nodePath: '/nonexistent/bin/node-xyz' }));
    expect(err).toBeInstanceOf(StreamError);
    expect(err.message).toContain('/nonexistent/bin/node-xyz');
  });

  it('a target that exits early gives a StreamError with the last lines it printed', async () => {
    const err = await rejectionOf(
      fx.router.local({ name: 'early', nodePath: ['/bin/sh', '-c', 'echo boom-line; echo second-line >&2; exit 3', '--'] }),
    );
    expect(err).toBeInstanceOf(StreamError);
    expect(err.message).toMatch(/exited before it was ready/);
    expect(err.message).toContain('boom-line');
    expect(err.message).toContain('second-line');
    // Exit code 3 here comes from sh, not from the first stage's version check.
    expect(err.message).not.toMatch(/too old/);
  });

  it('the failed context is dead and announced as such; the router still works', async () => {
    const events: string[] = [];
    const sub = fx.router.contexts$.subscribe((e) => events.push(`${e.type}:${e.context.name}`));
    await expect(fx.router.local({ name: 'doomed', nodePath: '/nonexistent/node' })).rejects.toBeInstanceOf(StreamError);
    const ctx = await fx.local({ name: 'after-failure' });
    await expect(ctx.call('node:os', 'hostname')).resolves.toBe(hostname());
    sub.unsubscribe();
    expect(events).toContain('down:doomed');
    expect(events).not.toContain('up:doomed');
    expect(events).toContain('up:after-failure');
  });
});
