// Issue 15.1 and 15.6, against the real sshd (test/hosts): the ssh2 transport's shared
// connection. A start right after the last context on a host and account ended must get a new
// connection, never the one that is closing (it crashed the master with `Error: Not connected`
// or waited the whole connectTimeout); a frozen context declared dead must not leave its
// connection (and the remote sshd session) open, before or after router.shutdown().
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Router, type Context } from '../../src/index.js';
import { ssh2Connections } from '../../src/methods/ssh2.js';
import { HOST_A, PORT, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { isGone, waitFor } from '../support/processes.js';

const TASKS = new URL('./fixtures/tasks.ts', import.meta.url);
const ALICE = { ...sshTo(HOST_A, 'alice'), transport: 'ssh2' as const, connectTimeout: 20_000 };

/** This process's established TCP sockets to the test sshd (from /proc/net/tcp and its fds). */
function socketsToSshd(): number {
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) mine.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const [a, b, c, d] = HOST_A.split('.').map(Number) as [number, number, number, number];
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
  const remote = `${hex(d)}${hex(c)}${hex(b)}${hex(a)}:${PORT.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).filter((line) => {
    const f = line.trim().split(/\s+/);
    return f[2] === remote && f[3] === '01' && mine.has(f[9]!);
  }).length;
}

describeHosts('ssh2 connection pool (issue 15.1, 15.6)', () => {
  let router: Router;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
    router = new Router({ printLogs: false, shutdownTimeout: 2000 });
  });
  afterEach(async () => {
    await router.shutdown();
    process.off('unhandledRejection', onUnhandled);
  });

  it('immediate restarts (0 ms gap after a shutdown, and right after a SIGKILL) each get a working connection', async () => {
    const rounds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ctx = await router.ssh({ ...ALICE, name: `gap0-${i}` });
      expect(await ctx.call(TASKS, 'pid')).toBeGreaterThan(0);
      await ctx.shutdown();
      rounds.push(`shutdown ${i}`);
    }
    for (let i = 0; i < 5; i++) {
      const ctx = await router.ssh({ ...ALICE, name: `kill-${i}` });
      process.kill((await ctx.call(TASKS, 'pid')) as number, 'SIGKILL');
      await ctx.whenDead();
      rounds.push(`kill ${i}`);
    }
    // Two at once right after the last one ended: they share one new connection.
    const [x, y] = await Promise.all([router.ssh({ ...ALICE, name: 'x' }), router.ssh({ ...ALICE, name: 'y' })]);
    expect(await Promise.all([x.call(TASKS, 'pid'), y.call(TASKS, 'pid')])).toHaveLength(2);
    expect(ssh2Connections({ hostname: HOST_A, username: 'alice' })).toBe(1);
    expect(rounds).toHaveLength(10);
    expect(unhandled).toEqual([]);
  }, 120_000);

  it('a frozen ssh2 context declared dead closes its connection and the remote session; shutdown() leaves none', async () => {
    await waitFor(() => socketsToSshd() === 0, 10_000, 'no socket to sshd before the test');
    const ctx: Context = await router.ssh({ ...ALICE, name: 'frozen', heartbeatInterval: 300, heartbeatMisses: 2 });
    const remotePid = (await ctx.call(TASKS, 'pid')) as number;
    expect(socketsToSshd()).toBe(1);
    await ctx.call(TASKS, 'freezeSoon');
    await ctx.whenDead();
    expect(ctx.deadReason).toMatch(/no heartbeat/);
    await waitFor(() => ssh2Connections({ hostname: HOST_A, username: 'alice' }) === 0, 10_000, 'the pool to drop the connection');
    await waitFor(() => socketsToSshd() === 0, 10_000, 'the socket to sshd to close');
    await waitFor(() => isGone(remotePid), 10_000, `the frozen remote node ${remotePid} to go`);
    await router.shutdown();
    expect(socketsToSshd()).toBe(0);
    expect(unhandled).toEqual([]);
  }, 60_000);
});
