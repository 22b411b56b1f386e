// Property tests shared by the stream and context machines (same lifecycle).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../support/fc.js';
import { createActor, SimulatedClock, type AnyStateMachine } from 'xstate';
import { contextMachine, GRACE_EXPIRED, LIFECYCLE_ORDER, streamMachine, type StreamState } from '../../machines/index.js';
import { muteStoppedActorWarnings } from './helpers.js';

muteStoppedActorWarnings();

type Step = { type: 'TICK'; ms: number } | { type: string; reason?: string };

const reasonArb = fc.constantFrom('eof', 'boom', 'bye');
// Weighted towards progress so that running and draining are reached often.
const streamStepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constantFrom({ type: 'CONNECTED' }, { type: 'BOOTSTRAPPED' }), weight: 6 },
  { arbitrary: fc.record({ type: fc.constant('DRAIN'), reason: fc.option(reasonArb, { nil: undefined }) }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constantFrom('DISCONNECTED', 'FAIL'), reason: reasonArb }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constant('TICK' as const), ms: fc.integer({ min: 0, max: 1500 }) }), weight: 3 },
);
const contextStepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: streamStepArb, weight: 10 },
  { arbitrary: fc.record({ type: fc.constant('PARENT_DEAD'), reason: reasonArb }), weight: 1 },
);

const machines: Array<[string, AnyStateMachine, fc.Arbitrary<Step>]> = [
  ['stream', streamMachine, streamStepArb],
  ['context', contextMachine, contextStepArb],
];

describe.each(machines)('%s lifecycle properties', (_name, machine, stepArb) => {
  const graceArb = fc.integer({ min: 0, max: 2000 });

  function run(graceMs: number, steps: Step[], check: (value: StreamState, prev: StreamState, now: number, drainAt: number | null) => void) {
    const clock = new SimulatedClock();
    const actor = createActor(machine, { clock, input: { name: 'n', graceMs } }).start();
    let prev = actor.getSnapshot().value as StreamState;
    let drainAt: number | null = null;
    for (const step of steps) {
      if (step.type === 'TICK') clock.increment((step as { ms: number }).ms);
      else actor.send(step as never);
      const value = actor.getSnapshot().value as StreamState;
      if (value === 'draining' && prev !== 'draining') drainAt = clock.now();
      check(value, prev, clock.now(), drainAt);
      prev = value;
    }
    return { actor, clock, drainAt };
  }

  it('only lifecycle states appear, and only forwards: one step at a time, or straight to dead', () => {
    assertProperty(fc.property(graceArb, fc.array(stepArb, { maxLength: 40 }), (graceMs, steps) => {
      run(graceMs, steps, (value, prev) => {
        expect(LIFECYCLE_ORDER).toContain(value);
        const step = LIFECYCLE_ORDER.indexOf(value) - LIFECYCLE_ORDER.indexOf(prev);
        expect(step === 0 || step === 1 || value === 'dead').toBe(true);
      });
    }));
  });

  it('dead is terminal, with a reason', () => {
    assertProperty(fc.property(graceArb, fc.array(stepArb, { maxLength: 40 }), (graceMs, steps) => {
      const { actor } = run(graceMs, steps, (value, prev) => {
        if (prev === 'dead') expect(value).toBe('dead');
      });
      const snap = actor.getSnapshot();
      if (snap.value === 'dead') {
        expect(snap.status).toBe('done');
        expect(typeof snap.context.reason).toBe('string');
      } else {
        expect(snap.status).toBe('active');
      }
    }));
  });

  it('draining ends in dead within graceMs of simulated time, whatever arrives', () => {
    assertProperty(fc.property(graceArb, fc.array(stepArb, { maxLength: 40 }), (graceMs, steps) => {
      const { actor, clock, drainAt } = run(graceMs, steps, (value, _prev, now, at) => {
        if (value === 'draining') {
          const elapsed = now - at!;
          expect(elapsed < graceMs || (elapsed === 0 && graceMs === 0)).toBe(true);
        }
      });
      if (drainAt !== null) {
        clock.set(Math.max(clock.now(), drainAt + graceMs) + (graceMs === 0 ? 1 : 0));
        expect(actor.getSnapshot().value).toBe('dead');
      }
    }));
  });
});

describe.each(machines)('%s examples', (_name, machine) => {
  it('runs the happy path and ends normally on DISCONNECTED while draining', () => {
    let deaths = 0;
    const m = (machine as typeof streamMachine).provide({ actions: { onDead: () => { deaths++; } } });
    const actor = createActor(m, { input: { name: 'a', graceMs: 1000 } }).start();
    actor.send({ type: 'CONNECTED' });
    actor.send({ type: 'BOOTSTRAPPED' });
    expect(actor.getSnapshot().value).toBe('running');
    actor.send({ type: 'DRAIN', reason: 'bye' });
    expect(actor.getSnapshot().value).toBe('draining');
    actor.send({ type: 'DISCONNECTED', reason: 'eof' });
    expect(actor.getSnapshot().value).toBe('dead');
    expect(actor.getSnapshot().context.reason).toBe('bye');
    actor.send({ type: 'FAIL', reason: 'late' });
    expect(actor.getSnapshot().context.reason).toBe('bye');
    expect(deaths).toBe(1);
  });

  it('dies after the grace period with a precise reason', () => {
    const clock = new SimulatedClock();
    const actor = createActor(machine, { clock, input: { name: 'a', graceMs: 500 } }).start();
    for (const type of ['CONNECTED', 'BOOTSTRAPPED', 'DRAIN']) actor.send({ type });
    clock.increment(499);
    expect(actor.getSnapshot().value).toBe('draining');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('dead');
    expect(actor.getSnapshot().context.reason).toBe(GRACE_EXPIRED);
  });

  it('DRAIN before running goes straight to dead; unknown events are ignored', () => {
    const actor = createActor(machine, { input: { name: 'a', graceMs: 500 } }).start();
    actor.send({ type: 'BOOTSTRAPPED' });
    expect(actor.getSnapshot().value).toBe('connecting');
    actor.send({ type: 'DRAIN' });
    expect(actor.getSnapshot().value).toBe('dead');
    expect(actor.getSnapshot().context.reason).toBe('shutdown');
  });
});
