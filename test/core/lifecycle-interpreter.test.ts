// The table interpreter's own rules (src/core/lifecycle/interpreter.ts) beyond what the
// XState comparison covers: events sent from actions, failing actions, guards and timers.
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { contextTable, createLifecycle, streamTable, type Lifecycle } from '../../src/core/lifecycle/index.js';

describe('the lifecycle interpreter', () => {
  it('an event sent from inside an action is handled after the current one, with its actions in order', () => {
    const log: string[] = [];
    let life: Lifecycle<typeof streamTable, null> | null = null;
    life = createLifecycle(
      streamTable,
      {
        actions: {
          recordDrain: () => {
            log.push('recordDrain');
            // Re-entrant: queued until the DRAIN transition (and its actions) is complete.
            expect(life!.send({ type: 'DISCONNECTED', reason: 'gone' })).toBe(true);
            log.push('after send');
          },
          recordReason: () => log.push('recordReason'),
          onDead: () => log.push('onDead'),
        },
        onState: (_c, state) => log.push(`state ${state}`),
        timers: { grace: 1000 },
        clock: new SimulatedClock(),
      },
      null,
    );
    life.send({ type: 'CONNECTED' });
    life.send({ type: 'BOOTSTRAPPED' });
    log.length = 0;
    life.send({ type: 'DRAIN' });
    expect(log).toEqual(['recordDrain', 'after send', 'state draining', 'recordReason', 'onDead', 'state dead']);
    expect(life.done).toBe(true);
    expect(life.send({ type: 'CONNECTED' })).toBe(false);
  });

  it('an action that throws fails that send(); the state has already moved', () => {
    const life = createLifecycle(
      streamTable,
      {
        actions: {
          recordDrain: () => {
            throw new Error('action failed');
          },
        },
        timers: { grace: 10 },
        clock: new SimulatedClock(),
      },
      null,
    );
    expect(() => life.send({ type: 'DRAIN' })).toThrow('action failed');
    expect(life.state).toBe('dead');
    expect(life.done).toBe(true);
  });

  it('a throwing action does not wedge later sends (nothing stays queued)', () => {
    let calls = 0;
    const life = createLifecycle(
      contextTable,
      {
        actions: {
          adoptChild: () => {
            calls++;
            if (calls === 1) throw new Error('first adopt fails');
          },
        },
        guards: { isNewChild: () => true },
        timers: { grace: 10 },
        clock: new SimulatedClock(),
      },
      null,
    );
    expect(() => life.send({ type: 'ADOPT', id: 1, name: 'a' })).toThrow('first adopt fails');
    expect(life.send({ type: 'ADOPT', id: 2, name: 'b' })).toBe(true);
    expect(calls).toBe(2);
  });

  it('the first candidate whose guard passes is taken; a guard the table names must be implemented', () => {
    let isNew = false;
    const adopted: unknown[] = [];
    const life = createLifecycle(
      contextTable,
      { actions: { adoptChild: (_c, e) => adopted.push(e.id) }, guards: { isNewChild: () => isNew }, timers: { grace: 10 } },
      null,
    );
    expect(life.send({ type: 'ADOPT', id: 1, name: 'a' })).toBe(false);
    isNew = true;
    expect(life.send({ type: 'ADOPT', id: 1, name: 'a' })).toBe(true);
    expect(adopted).toEqual([1]);
    const unguarded = createLifecycle(contextTable, {}, null);
    expect(() => unguarded.send({ type: 'ADOPT', id: 1, name: 'a' })).toThrow("guard 'isNewChild' is not implemented");
  });

  it('a timer runs on the given clock, is cancelled when its state is left, and its delay may depend on the context', () => {
    const clock = new SimulatedClock();
    const reasons: string[] = [];
    const impl = {
      actions: { recordGraceExpired: () => reasons.push('grace expired'), recordReason: () => reasons.push('disconnected') },
      timers: { grace: (ctx: { graceMs: number }) => ctx.graceMs },
      clock,
    };
    const running = (graceMs: number) => {
      const life = createLifecycle(streamTable, impl, { graceMs });
      life.send({ type: 'CONNECTED' });
      life.send({ type: 'BOOTSTRAPPED' });
      life.send({ type: 'DRAIN' });
      return life;
    };
    const expires = running(50);
    const leaves = running(50);
    const longer = running(500);
    clock.increment(20);
    leaves.send({ type: 'DISCONNECTED', reason: 'bye' });
    clock.increment(30);
    expect([expires.state, leaves.state, longer.state]).toEqual(['dead', 'dead', 'draining']);
    expect(reasons).toEqual(['disconnected', 'grace expired']);
    clock.increment(1000);
    expect(longer.state).toBe('dead');
    expect(reasons).toEqual(['disconnected', 'grace expired', 'grace expired']);
  });

  it('an unknown event type is ignored; a wildcard descriptor matches its prefix only at a dot', () => {
    const forgot: string[] = [];
    const life = createLifecycle(contextTable, { actions: { forgetChild: (_c, e) => forgot.push(e.type) } }, null);
    expect(life.send({ type: 'NOT_AN_EVENT' })).toBe(false);
    expect(life.send({ type: 'xstate.done.actor.ctx-4' })).toBe(true);
    expect(life.send({ type: 'xstate.done.actors' })).toBe(false);
    expect(forgot).toEqual(['xstate.done.actor.ctx-4']);
    expect(life.state).toBe('connecting');
  });
});
