// Failure detection with heartbeats: a frozen child (SIGSTOP) is declared dead within
// interval × (misses + 1) + 1 s, its calls reject with ChannelError and its supervisor restarts
// it; a child whose parent froze shuts itself down; idle streams are not mistaken for dead ones.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelError, Supervisor } from '../../src/index.js';
import { isGone, processState, waitFor, waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import { record, waitState } from '../support/supervisor.js';

const INTERVAL = 300;
const MISSES = 2;
const BOUND = INTERVAL * (MISSES + 1) + 1000;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('heartbeats', () => {
  const fx = withRouter({ heartbeatInterval: INTERVAL, heartbeatMisses: MISSES, shutdownTimeout: 1000 });
  const stopped: number[] = [];
  afterEach(() => {
    for (const pid of stopped.splice(0)) if (!isGone(pid)) process.kill(pid, 'SIGKILL');
  });

  it(`a SIGSTOPped child is declared dead within interval × (misses + 1) + 1 s (${BOUND} ms): its calls reject with ChannelError, the supervisor restarts it`, async () => {
    const sup = new Supervisor(fx.router, {
      backoff: { min: 50, max: 100 },
      children: [{ id: 'w', start: (r) => r.local({ name: 'w' }) }],
    });
    const rec = record(sup, fx.router);
    const w = await sup.whenUp('w');
    const pid = fx.router.childPids().get(w.id)!;
    const pending = w.call('node:timers/promises', 'setTimeout', 30_000, 'never');
    const outcome = pending.then(() => null, (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 2 * INTERVAL));
    const t0 = performance.now();
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    const error = await outcome;
    const took = performance.now() - t0;
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as ChannelError).message).toMatch(/no heartbeat from w/);
    expect(took).toBeLessThan(BOUND);
    console.log(`SIGSTOPped child declared dead after ${took.toFixed(0)} ms (interval ${INTERVAL} ms, misses ${MISSES}, bound ${BOUND} ms)`);
    // The frozen process is killed at once, and a new incarnation takes over.
    await waitGone(pid, 1000);
    const w2 = await sup.whenUp('w', { timeout: 10_000 });
    expect(w2.id).not.toBe(w.id);
    expect(await w2.call('node:os', 'hostname')).toBeTruthy();
    expect(sup.state.children.w!.lastError).toMatch(/no heartbeat/);
    expect(rec.statuses('w')).toEqual(['starting', 'up', 'restarting', 'starting', 'up']);
  });

  it('an idle child with a slow-to-answer call is not mistaken for a dead one', async () => {
    const ctx = await fx.local({ name: 'idle' });
    // The dispatcher is busy (a blocking loop) for twice the detection bound: the broker still answers.
    const busy = ctx.call('node:vm', 'runInThisContext', `{ const end = Date.now() + ${2 * INTERVAL * (MISSES + 1)}; while (Date.now() < end) {} 'done' }`);
    expect(await busy).toBe('done');
    await new Promise((r) => setTimeout(r, INTERVAL * (MISSES + 2)));
    expect(ctx.state).toBe('running');
  });

  it('heartbeatInterval 0 turns them off: a frozen child stays "running"', async () => {
    const ctx = await fx.local({ name: 'unwatched', heartbeatInterval: 0 });
    const pid = fx.pidOf(ctx);
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    await new Promise((r) => setTimeout(r, BOUND));
    expect(ctx.state).toBe('running');
    process.kill(pid, 'SIGCONT');
    expect(await ctx.call('node:os', 'hostname')).toBeTruthy();
  });

  it('a child whose parent froze shuts itself down within the same bound', async () => {
    const script = fileURLToPath(new URL('../fixtures/heartbeat-master.ts', import.meta.url));
    const master = spawn(process.execPath, ['--import', 'tsx', script, String(INTERVAL), String(MISSES)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    stopped.push(master.pid!);
    let out = '';
    master.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('\n'), 20_000, 'the master script to print its pids');
    const { child } = JSON.parse(out.split('\n')[0]!) as { master: number; child: number };
    stopped.push(child);
    expect(processState(child)).not.toBeNull();
    const t0 = performance.now();
    master.kill('SIGSTOP');
    const took = await waitGone(child, BOUND + 1000);
    console.log(`child of a frozen master exited after ${(performance.now() - t0).toFixed(0)} ms`);
    expect(took).toBeLessThan(BOUND);
    master.kill('SIGKILL');
  });
});

describe('supervision of a frozen child', () => {
  const fx = withRouter({ heartbeatInterval: INTERVAL, heartbeatMisses: MISSES, shutdownTimeout: 1000 });

  it('state$ shows the frozen child restarting with the heartbeat reason', async () => {
    const sup = new Supervisor(fx.router, { backoff: { min: 50, max: 100 }, children: [{ id: 'f', start: (r) => r.local({ name: 'f' }) }] });
    const f = await sup.whenUp('f');
    const pid = fx.router.childPids().get(f.id)!;
    process.kill(pid, 'SIGSTOP');
    try {
      const s = await waitState(sup, (st) => st.children.f!.status === 'restarting', BOUND, 'f to be restarting');
      expect(s.children.f!.lastError).toMatch(/no heartbeat from f for \d+ ms/);
    } finally {
      if (!isGone(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
