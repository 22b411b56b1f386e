// The supervisor machine against a simulated runtime (test/supervisor/machine-harness.ts):
// random start outcomes, deaths, stop confirmations and clock ticks (SimulatedClock), with the
// invariants checked after every step; then examples of each rule.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../support/fc.js';
import { backoffDelay, type Decision, type Strategy, type SupervisorInput } from '../../machines/index.js';
import { Harness, configArb, inputOf, stepArb, stepsArb } from '../supervisor/machine-harness.js';
import { muteStoppedActorWarnings } from './helpers.js';

muteStoppedActorWarnings();

describe('supervisor machine properties', () => {
  it('random failures and timer events: never up and restarting at once, never past the intensity without failing, all stopped after shutdown', () => {
    assertProperty(
      fc.property(configArb, stepsArb, fc.boolean(), (cfg, steps, cooperative) => {
        const h = new Harness(inputOf(cfg));
        h.check();
        for (const step of steps) {
          h.apply(step);
          h.check();
        }
        h.finish(cooperative);
        expect(h.violations).toEqual([]);
        const snap = h.actor.getSnapshot();
        expect(snap.status).toBe('done');
        expect(['stopped', 'failed']).toContain(snap.value);
        for (const ch of Object.values(snap.context.children)) expect(['stopped', 'failed']).toContain(ch.status);
        expect(h.procs.size).toBe(0);
        expect(snap.value === 'failed').toBe(snap.context.failure !== null);
      }),
      { numRuns: 400 },
    );
  });

  it('shutdown stops children in reverse start order; ordered strategies one at a time', () => {
    assertProperty(
      fc.property(configArb, fc.array(stepArb.filter((s) => s.t !== 'add'), { maxLength: 40 }), (cfg, steps) => {
        const h = new Harness(inputOf({ ...cfg, intensity: 1000 }));
        for (const step of steps) h.apply(step);
        // Bring every child up, so that all of them have something to stop.
        for (let i = 0; i < 50; i++) {
          h.clock.increment(cfg.min + cfg.span + 1);
          for (const [id, p] of [...h.procs]) {
            if (p.phase === 'starting') {
              p.phase = 'up';
              h.actor.send({ type: 'CHILD_UP', id, incarnation: p.inc, contextId: p.inc });
            } else if (p.stopRequested) {
              h.procs.delete(id);
              h.actor.send({ type: 'CHILD_STOPPED', id, incarnation: p.inc });
            }
          }
        }
        const c = h.ctx;
        const up = c.order.filter((id) => c.children[id]!.status === 'up');
        const expected = [...up].sort((a, b) => c.children[b]!.startSeq - c.children[a]!.startSeq);
        h.stopLog.length = 0;
        h.finish(true);
        expect(h.violations).toEqual([]);
        expect(h.stopLog).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('supervisor machine examples', () => {
  const base = (strategy: Strategy, extra: Partial<SupervisorInput> = {}): Harness =>
    new Harness({
      strategy,
      intensity: 10,
      period: 60_000,
      backoff: { min: 100, max: 1000, jitter: 0, resetAfter: 5000 },
      graceMs: 1000,
      children: ['a', 'b', 'c', 'd'].map((id) => ({ id })),
      ...extra,
    });
  const upAll = (h: Harness): void => {
    for (let i = 0; i < 10; i++) {
      for (const [id, p] of [...h.procs]) {
        if (p.phase === 'starting') {
          p.phase = 'up';
          h.actor.send({ type: 'CHILD_UP', id, incarnation: p.inc, contextId: p.inc });
        }
      }
    }
  };
  const kill = (h: Harness, id: string, decision: Decision = 'restart', normal = false): void => {
    const p = h.procs.get(id)!;
    h.procs.delete(id);
    h.fail(id, p, decision, normal);
  };
  const confirmStops = (h: Harness): void => {
    for (let i = 0; i < 10; i++) {
      for (const [id, p] of [...h.procs]) {
        if (p.stopRequested) {
          h.procs.delete(id);
          h.actor.send({ type: 'CHILD_STOPPED', id, incarnation: p.inc });
        }
      }
    }
  };

  it('one_for_one starts every child at once and restarts only the failed one, after min', () => {
    const h = base('one_for_one');
    expect(h.startLog).toEqual(['a', 'b', 'c', 'd']);
    upAll(h);
    h.startLog.length = 0;
    kill(h, 'b');
    expect(h.ctx.children.b!.status).toBe('backoff');
    h.clock.increment(99);
    expect(h.startLog).toEqual([]);
    h.clock.increment(1);
    expect(h.startLog).toEqual(['b']);
    expect(h.violations).toEqual([]);
  });

  it('rest_for_one stops the later children in reverse order, then starts the set in order, one at a time', () => {
    const h = base('rest_for_one');
    expect(h.startLog).toEqual(['a']);
    upAll(h);
    expect(h.startLog).toEqual(['a', 'b', 'c', 'd']);
    h.startLog.length = 0;
    kill(h, 'b');
    expect(h.stopLog).toEqual(['d']); // one at a time
    confirmStops(h);
    expect(h.stopLog).toEqual(['d', 'c']);
    h.clock.increment(100);
    upAll(h);
    expect(h.startLog).toEqual(['b', 'c', 'd']);
    expect(h.ctx.children.a!.incarnation).toBe(1);
    expect(h.violations).toEqual([]);
  });

  it('one_for_all restarts every child; the restart set waits for its delay', () => {
    const h = base('one_for_all');
    upAll(h);
    h.startLog.length = 0;
    kill(h, 'c');
    confirmStops(h);
    expect(h.stopLog).toEqual(['d', 'b', 'a']);
    upAll(h);
    expect(h.startLog).toEqual([]);
    h.clock.increment(100);
    upAll(h);
    expect(h.startLog).toEqual(['a', 'b', 'c', 'd']);
    expect(Object.values(h.ctx.children).map((c) => c.incarnation)).toEqual([2, 2, 2, 2]);
    expect(h.violations).toEqual([]);
  });

  it('delays double up to max and reset after a stable period', () => {
    const h = base('one_for_one', { intensity: 100 });
    upAll(h);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      kill(h, 'a');
      delays.push(h.ctx.children.a!.delay!);
      h.clock.increment(h.ctx.children.a!.delay!);
      upAll(h);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    h.clock.increment(5000);
    kill(h, 'a');
    expect(h.ctx.children.a!.delay).toBe(100);
  });

  it('jittered delays stay within [min, max] and around the doubled base', () => {
    assertProperty(fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (min, span, jitter, attempt, r) => {
      const b = { min, max: min + span, jitter, resetAfter: 1 };
      const d = backoffDelay(b, attempt, r);
      const base = Math.min(b.max, min * 2 ** (attempt - 1));
      expect(d).toBeGreaterThanOrEqual(min);
      expect(d).toBeLessThanOrEqual(b.max);
      expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)) - 1);
      expect(d).toBeLessThanOrEqual(Math.ceil(base * (1 + jitter)) + 1);
    }));
  });

  it('restart types: transient stays down after a normal exit, temporary after any; the decider can stop a child', () => {
    const h = base('one_for_one', {
      children: [{ id: 'p' }, { id: 't', restart: 'transient' }, { id: 'x', restart: 'temporary' }, { id: 'w' }],
    });
    upAll(h);
    kill(h, 't', 'restart', true);
    kill(h, 'x');
    kill(h, 'w', 'stop');
    kill(h, 'p', 'restart', true);
    const s = (id: string): string => h.ctx.children[id]!.status;
    expect([s('p'), s('t'), s('x'), s('w')]).toEqual(['backoff', 'stopped', 'stopped', 'failed']);
    h.clock.increment(10_000);
    expect(h.ctx.children.w!.incarnation).toBe(1);
    expect(h.violations).toEqual([]);
  });

  it('intensity exceeded: every child is stopped, then failed with a reason', () => {
    const h = base('one_for_one', { intensity: 2 });
    upAll(h);
    for (let i = 0; i < 2; i++) {
      kill(h, 'a');
      h.clock.increment(1000);
      upAll(h);
    }
    expect(h.value).toBe('running');
    kill(h, 'a');
    expect(h.value).toBe('failing');
    expect(h.stopLog.sort()).toEqual(['b', 'c', 'd']);
    confirmStops(h);
    expect(h.value).toBe('failed');
    expect(h.ctx.failure).toMatch(/more than 2 restarts within 60000 ms \(last: child 'a': boom\)/);
    expect(h.failedHooks).toBe(1);
    expect(h.procs.size).toBe(0);
  });

  it("intensityScope 'child': the child past its own limit is given up, the others keep their first incarnation", () => {
    const h = base('one_for_one', { intensity: 2, intensityScope: 'child' });
    upAll(h);
    // b and c each restart twice: within their own limits, whatever the total.
    for (const id of ['b', 'c', 'b', 'c']) {
      kill(h, id);
      h.clock.increment(1000);
      upAll(h);
    }
    kill(h, 'b');
    expect(h.value).toBe('running');
    expect(h.ctx.children.b!).toMatchObject({ status: 'failed', restarts: 2, lastError: 'more than 2 restarts within 60000 ms (last: boom)' });
    h.clock.increment(120_000);
    upAll(h);
    expect(h.ctx.children.b!.status).toBe('failed');
    expect(h.ctx.children.c!.recentRestarts).toBe(0);
    expect(Object.values(h.ctx.children).map((c) => c.incarnation)).toEqual([1, 3, 3, 1]);
    expect(h.stopLog).toEqual([]);
    expect(h.violations).toEqual([]);
  });

  it("intensityScope 'child' with one_for_all: a given-up child restarts no set; its window slides", () => {
    const h = base('one_for_all', { intensity: 1, period: 10_000, intensityScope: 'child' });
    upAll(h);
    kill(h, 'a');
    confirmStops(h);
    h.clock.increment(100);
    upAll(h);
    expect(Object.values(h.ctx.children).map((c) => c.incarnation)).toEqual([2, 2, 2, 2]);
    // Out of a's window: one more restart is allowed.
    h.clock.increment(10_000);
    kill(h, 'a');
    confirmStops(h);
    h.clock.increment(200);
    upAll(h);
    expect(Object.values(h.ctx.children).map((c) => c.incarnation)).toEqual([3, 3, 3, 3]);
    h.stopLog.length = 0;
    kill(h, 'a');
    expect(h.ctx.children.a!.status).toBe('failed');
    expect(h.stopLog).toEqual([]);
    expect(Object.values(h.ctx.children).map((c) => c.status)).toEqual(['failed', 'up', 'up', 'up']);
    expect(h.value).toBe('running');
    expect(h.violations).toEqual([]);
  });
});
