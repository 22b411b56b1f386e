// Supervision against real processes: what each strategy restarts and in which order, the
// intensity limit escalating through nested supervisors, the decider, and calls during failures.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallError, ChannelError, PasswordError, Supervisor, SupervisorError, TimeoutError, describeTree, type Router, type SupervisorOptions } from '../../src/index.js';
import { waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import { killChild, record, waitState, type Recording } from '../support/supervisor.js';

const tasks = new URL('../fixtures/tasks.ts', import.meta.url);
const GRACE = 2000;
const fast = { min: 50, max: 400, jitter: 0 };

function supervise(router: Router, ids: string[], opts: Partial<SupervisorOptions> = {}): Supervisor {
  return new Supervisor(router, {
    intensity: 5,
    period: 60_000,
    backoff: fast,
    children: ids.map((id) => ({ id, start: (r: Router) => r.local({ name: id }) })),
    ...opts,
  });
}

function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const upAll = (sup: Supervisor, ids: string[]) => Promise.all(ids.map((id) => sup.whenUp(id, { timeout: 15_000 })));
/** Waits until every child is up and none of them runs in one of the `old` contexts; returns the contexts. */
async function upAgain(sup: Supervisor, old: { id: number }[]) {
  const gone = new Set(old.map((c) => c.id));
  await waitState(sup, (s) => Object.values(s.children).every((c) => c.status === 'up' && !gone.has(c.contextId!)), 15_000, 'the restart set to be up');
  return upAll(sup, Object.keys(sup.state.children));
}
/** Events of one status after time `t`, as child ids in order. */
const after = (rec: Recording, t: number, status: string): string[] => rec.events.filter((e) => e.at > t && e.status === status).map((e) => e.id);

describe('strategies', () => {
  const fx = withRouter({ shutdownTimeout: GRACE });

  it('one_for_one: SIGKILL of one child restarts only it, with a new context id; calls to it work again; the others keep theirs', async () => {
    const sup = supervise(fx.router, ['a', 'b', 'c'], { strategy: 'one_for_one' });
    const rec = record(sup, fx.router);
    const [a, b, c] = await upAll(sup, ['a', 'b', 'c']);
    await killChild(sup, fx.router, 'b');
    const b2 = await sup.whenUp('b');
    expect(b2.id).not.toBe(b!.id);
    expect(await sup.call('b', 'node:os', 'hostname')).toBe(hostname());
    expect(sup.state.children.a!.contextId).toBe(a!.id);
    expect(sup.state.children.c!.contextId).toBe(c!.id);
    expect(rec.statuses('a')).toEqual(['starting', 'up']);
    expect(rec.statuses('c')).toEqual(['starting', 'up']);
    expect(rec.statuses('b')).toEqual(['starting', 'up', 'restarting', 'starting', 'up']);
    expect(sup.state.children.b!.restarts).toBe(1);
    expect(sup.state.children.b!.lastError).toMatch(/died/);
    expect(describeTree(fx.router, [sup])).toMatch(new RegExp(`b \\(#${b2.id}\\) running  \\[${sup.name}/b\\]`));
    await sup.shutdown();
    expect(sup.state.status).toBe('stopped');
    await waitGone(rec.pids.values(), GRACE + 1000);
  });

  it('one_for_all: the others are stopped in reverse start order, then all start again in order', async () => {
    const sup = supervise(fx.router, ['a', 'b', 'c'], { strategy: 'one_for_all' });
    const rec = record(sup, fx.router);
    const before = await upAll(sup, ['a', 'b', 'c']);
    // Ordered strategies start one child at a time, in spec order.
    expect(rec.events.filter((e) => e.status === 'up').map((e) => e.id)).toEqual(['a', 'b', 'c']);
    const t = performance.now();
    await killChild(sup, fx.router, 'b');
    const now = await upAgain(sup, before);
    expect(after(rec, t, 'stopping')).toEqual(['c', 'a']);
    expect(after(rec, t, 'up')).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < 3; i++) expect(now[i]!.id).not.toBe(before[i]!.id);
    expect(now[0]!.id < now[1]!.id && now[1]!.id < now[2]!.id).toBe(true);
    expect(await Promise.all(['a', 'b', 'c'].map((id) => sup.call(id, 'node:os', 'hostname')))).toEqual([hostname(), hostname(), hostname()]);
    // Only the failed child counts a restart of its own.
    expect(Object.values(sup.state.children).map((c) => c.restarts)).toEqual([0, 1, 0]);
    await sup.shutdown();
    await waitGone(rec.pids.values(), GRACE + 1000);
  });

  it('rest_for_one: the failed child and those after it restart, in order; those before keep their contexts', async () => {
    const sup = supervise(fx.router, ['a', 'b', 'c', 'd'], { strategy: 'rest_for_one' });
    const rec = record(sup, fx.router);
    const before = await upAll(sup, ['a', 'b', 'c', 'd']);
    const t = performance.now();
    await killChild(sup, fx.router, 'b');
    const now = await upAgain(sup, before.slice(1));
    expect(after(rec, t, 'stopping')).toEqual(['d', 'c']);
    expect(after(rec, t, 'up')).toEqual(['b', 'c', 'd']);
    expect(now[0]!.id).toBe(before[0]!.id);
    expect(rec.statuses('a')).toEqual(['starting', 'up']);
    for (let i = 1; i < 4; i++) expect(now[i]!.id).not.toBe(before[i]!.id);
    expect(now[1]!.id < now[2]!.id && now[2]!.id < now[3]!.id).toBe(true);
    await sup.shutdown();
    await waitGone(rec.pids.values(), GRACE + 1000);
  });

  it('killed more than intensity times within period: the supervisor stops all its children, fails, and its parent fails too', async () => {
    const top = new Supervisor(fx.router, { name: 'top', intensity: 0, children: [] });
    const inner = supervise(fx.router, ['x', 'y'], { name: 'inner', parent: top, intensity: 2, period: 60_000 });
    const rec = record(inner, fx.router);
    await upAll(inner, ['x', 'y']);
    for (let i = 0; i < 2; i++) {
      await killChild(inner, fx.router, 'x');
      await inner.whenUp('x');
    }
    expect(inner.state.status).toBe('running');
    await killChild(inner, fx.router, 'x');
    const failed = await waitState(inner, (s) => s.status === 'failed', 10_000, 'inner to fail');
    expect(failed.failure).toMatch(/more than 2 restarts within 60000 ms \(last: child 'x'/);
    expect(Object.values(failed.children).map((c) => c.status)).toEqual(['stopped', 'stopped']);
    // No process left: every incarnation of x and y is gone.
    expect(rec.pids.size).toBe(4);
    await waitGone(rec.pids.values(), 1000);
    expect(fx.router.childPids().size).toBe(0);
    // Reported to the parent, which (intensity 0) gives up in turn.
    const topState = await waitState(top, (s) => s.status === 'failed', 5000, 'top to fail');
    expect(topState.children.inner!.lastError).toMatch(/supervisor inner failed: more than 2 restarts/);
    expect(topState.failure).toMatch(/child 'inner'/);
    await expect(inner.whenUp('y')).rejects.toBeInstanceOf(SupervisorError);
  });

  it('a parent with room left restarts a failed nested supervisor from scratch', async () => {
    const top = new Supervisor(fx.router, { name: 'top2', intensity: 3, backoff: fast, children: [] });
    const inner = supervise(fx.router, ['x'], { name: 'inner2', parent: top, intensity: 0 });
    const first = await inner.whenUp('x', { timeout: 15_000 });
    await killChild(inner, fx.router, 'x');
    await waitState(top, (s) => s.children.inner2!.restarts === 1, 10_000, 'top to restart inner2');
    const again = await inner.whenUp('x', { timeout: 15_000 });
    expect(again.id).not.toBe(first.id);
    expect(inner.state.status).toBe('running');
    expect(inner.state.children.x!.restarts).toBe(0);
    expect(top.describe()).toMatch(/└─ inner2: up .*\n\s+supervisor inner2 \[one_for_one\] running/);
    await top.shutdown();
    expect(inner.state.status).toBe('stopped');
    expect(fx.router.childPids().size).toBe(0);
  });
});

describe('contexts a start creates on the way', () => {
  const fx = withRouter({ shutdownTimeout: GRACE });

  it('the hop of a child started via another context goes with it: on restart and on shutdown', async () => {
    const sup = new Supervisor(fx.router, {
      backoff: fast,
      children: [{ id: 'leaf', start: async (r) => r.local({ name: 'leaf', via: await r.local({ name: 'hop' }) }) }],
    });
    const leaf = await sup.whenUp('leaf');
    const hopOf = (id: number) => fx.router.contextTree().children.find((n) => n.children.some((c) => c.id === id))!;
    const hop = fx.router.contextById(hopOf(leaf.id).id)!;
    const hopPid = fx.router.childPids().get(hop.id)!;
    const leafPid = Number(await leaf.call('node:vm', 'runInThisContext', 'process.pid'));
    process.kill(leafPid, 'SIGKILL');
    const leaf2 = await waitState(sup, (s) => s.children.leaf!.status === 'up' && s.children.leaf!.contextId !== leaf.id, 10_000, 'leaf to restart').then(() => sup.whenUp('leaf'));
    await hop.whenDead();
    await waitGone(hopPid, GRACE + 1000);
    const hop2 = fx.router.contextById(hopOf(leaf2.id).id)!;
    expect(hop2.id).not.toBe(hop.id);
    expect(fx.router.contextTree().children.map((n) => n.id)).toEqual([hop2.id]);
    await sup.shutdown();
    expect(hop2.state).toBe('dead');
    expect(fx.router.childPids().size).toBe(0);
  });
});

describe('failure classification and calls', () => {
  const fx = withRouter({ shutdownTimeout: GRACE });

  it('a child whose start fails with PasswordError is stopped after the first attempt, never retried', async () => {
    let attempts = 0;
    const sup = new Supervisor(fx.router, {
      backoff: { min: 20, max: 40 },
      children: [
        {
          id: 'locked',
          start: async () => {
            attempts++;
            throw new PasswordError("sudo: incorrect password for 'bob'");
          },
        },
        { id: 'fine', start: (r) => r.local({ name: 'fine' }) },
      ],
    });
    const s = await waitState(sup, (st) => st.children.locked!.status === 'failed', 5000, 'locked to fail');
    expect(s.children.locked!.lastError).toBe("PasswordError: sudo: incorrect password for 'bob'");
    await expect(sup.whenUp('locked')).rejects.toThrow(/child 'locked' is failed: PasswordError/);
    await sup.whenUp('fine');
    await new Promise((r) => setTimeout(r, 300));
    expect(attempts).toBe(1);
    expect(sup.state.status).toBe('running');
    expect(sup.state.children.locked!.restarts).toBe(0);
  });

  // A real failed sudo: the master runs as root (sudo would not ask), so sudo runs as alice, whose
  // rule to become bob requires her password (test/hosts/up.sh sets up the accounts and rules).
  const sudoReady = process.getuid?.() === 0 && existsSync('/etc/sudoers.d/tendril-tests') && hasProgram('runuser') && hasProgram('sudo');
  if (!sudoReady) {
    const why = 'needs root and the test hosts (sudo rules of test/hosts/up.sh)';
    console.warn(`skipping the real sudo PasswordError test: ${why}`);
    // In CI a skip is a failure.
    if (process.env.CI === 'true') throw new Error(`the real sudo PasswordError test cannot run: ${why}`);
  }
  it.skipIf(!sudoReady)('a sudo child with a wrong password is stopped after the first PasswordError, never retried', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tendril-sudo-'));
    const sudoPath = join(dir, 'sudo-as-alice');
    writeFileSync(sudoPath, '#!/bin/sh\nexec runuser -u alice -- sudo "$@"\n');
    chmodSync(sudoPath, 0o755);
    let attempts = 0;
    const sup = new Supervisor(fx.router, {
      backoff: { min: 20, max: 40 },
      children: [{ id: 'bob', start: (r) => (attempts++, r.sudo({ username: 'bob', password: 'not-alice-pw', sudoPath })) }],
    });
    const s = await waitState(sup, (st) => st.children.bob!.status === 'failed', 15_000, 'the sudo child to fail').finally(() => rmSync(dir, { recursive: true, force: true }));
    expect(s.children.bob!.lastError).toMatch(/^PasswordError: .*password was refused/);
    await new Promise((r) => setTimeout(r, 300));
    expect(attempts).toBe(1);
    expect(sup.state.children.bob!.restarts).toBe(0);
    expect(sup.state.status).toBe('running');
  });

  it('a custom decider can escalate: the supervisor fails at the first failure', async () => {
    const seen: unknown[] = [];
    const sup = supervise(fx.router, ['a', 'b'], {
      decider: (e) => {
        seen.push(e);
        return 'escalate';
      },
    });
    const rec = record(sup, fx.router);
    await upAll(sup, ['a', 'b']);
    await killChild(sup, fx.router, 'a');
    const s = await waitState(sup, (st) => st.status === 'failed', 5000, 'the supervisor to fail');
    expect(s.failure).toMatch(/child 'a' failed and its failure was escalated/);
    expect(seen[0]).toBeInstanceOf(ChannelError);
    await waitGone(rec.pids.values(), GRACE + 1000);
  });

  it('an exception in a user call fails only that call; a call pending on a dying child rejects with ChannelError and is not replayed', async () => {
    const sup = supervise(fx.router, ['a']);
    const a = await sup.whenUp('a');
    await expect(sup.call('a', tasks, 'failLater')).rejects.toBeInstanceOf(CallError);
    expect(sup.state.children.a!).toMatchObject({ status: 'up', contextId: a.id, restarts: 0 });
    const marker = `/tmp/tendril-replay-${process.pid}-${Date.now()}`;
    // Appends a line to the marker file after 1 s: a replay would append a second one.
    const pending = sup.call('a', 'node:vm', 'runInThisContext', `new Promise((r) => setTimeout(() => { process.getBuiltinModule('fs').appendFileSync(${JSON.stringify(marker)}, 'x\\n'); r(1); }, 1000))`);
    const outcome = pending.then(() => 'resolved', (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await killChild(sup, fx.router, 'a');
    expect(await outcome).toBeInstanceOf(ChannelError);
    const a2 = await sup.whenUp('a');
    expect(a2.id).not.toBe(a.id);
    await new Promise((r) => setTimeout(r, 1300));
    const { existsSync } = await import('node:fs');
    expect(existsSync(marker)).toBe(false);
    expect(await sup.call('a', 'node:os', 'hostname')).toBe(hostname());
  });

  it('restart types: a transient child shut down normally stays down, a permanent one comes back, a temporary one never does', async () => {
    const sup = new Supervisor(fx.router, {
      backoff: fast,
      children: [
        { id: 'perm', start: (r) => r.local({ name: 'perm' }) },
        { id: 'trans', restart: 'transient', start: (r) => r.local({ name: 'trans' }) },
        { id: 'temp', restart: 'temporary', start: (r) => r.local({ name: 'temp' }) },
      ],
    });
    const [perm, trans] = await upAll(sup, ['perm', 'trans', 'temp']);
    await perm!.shutdown({ wait: true });
    await trans!.shutdown({ wait: true });
    await killChild(sup, fx.router, 'temp');
    const perm2 = await sup.whenUp('perm');
    expect(perm2.id).not.toBe(perm!.id);
    const s = await waitState(sup, (st) => st.children.trans!.status === 'stopped' && st.children.temp!.status === 'stopped', 5000, 'trans and temp to stop');
    expect(s.children.trans!.restarts).toBe(0);
    await expect(sup.whenUp('temp')).rejects.toBeInstanceOf(SupervisorError);
  });

  it('whenUp is bounded by its timeout while a child cannot start', async () => {
    const sup = new Supervisor(fx.router, {
      children: [{ id: 'slow', start: () => new Promise(() => undefined) }],
      shutdownTimeout: 200,
    });
    const t0 = performance.now();
    await expect(sup.whenUp('slow', { timeout: 300 })).rejects.toBeInstanceOf(TimeoutError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    await expect(sup.whenUp('nobody')).rejects.toThrow(/has no child 'nobody'/);
    // A start that never settles cannot hold a shutdown up past the grace period.
    const t1 = performance.now();
    await Promise.race([sup.shutdown(), new Promise((r) => setTimeout(r, 3000))]);
    expect(sup.state.status).toBe('stopped');
    expect(performance.now() - t1).toBeLessThan(2000);
  });
});
