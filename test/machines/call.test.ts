import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../support/fc.js';
import { createActor, SimulatedClock } from 'xstate';
import { callMachine, type CallEvent, type CallState } from '../../machines/index.js';
import { callTable, createLifecycle } from '../../src/core/lifecycle/index.js';
import { muteStoppedActorWarnings } from './helpers.js';

muteStoppedActorWarnings();

const eventArb: fc.Arbitrary<CallEvent> = fc.oneof(
  fc.constant({ type: 'REPLY' as const }),
  fc.record({ type: fc.constant('ERROR_REPLY' as const), error: fc.string() }),
  fc.constant({ type: 'TIMEOUT' as const }),
  fc.constant({ type: 'ABORT' as const }),
  fc.record({ type: fc.constant('DEAD' as const), reason: fc.string() }),
);
// A number = let simulated time pass (nothing settles by itself: timeouts are the caller's events).
const stepArb = fc.oneof(eventArb, fc.integer({ min: 0, max: 10_000 }));

describe('call properties', () => {
  it('settles exactly once iff some settling event arrived; final state never changes; agrees with the generated call table', () => {
    assertProperty(fc.property(fc.array(stepArb, { maxLength: 30 }), (steps) => {
      let hooked = 0;
      const clock = new SimulatedClock();
      const actor = createActor(callMachine.provide({ actions: { onSettled: () => { hooked++; } } }), { clock }).start();
      const table = createLifecycle(callTable, {}, null);
      let plain: CallState = table.state;
      let sawSettling = false;
      for (const step of steps) {
        const before = plain;
        if (typeof step === 'number') clock.increment(step);
        else {
          sawSettling = true;
          table.send(step);
          plain = table.state;
          actor.send(step);
        }
        if (before !== 'pending') expect(plain).toBe(before);
        expect(actor.getSnapshot().value).toBe(plain);
        expect(actor.getSnapshot().context.settlements).toBe(sawSettling ? 1 : 0);
        expect(hooked).toBe(sawSettling ? 1 : 0);
      }
    }));
  });
});

describe('call examples', () => {
  it('maps each settling event to its final state', () => {
    const cases: Array<[CallEvent, CallState]> = [
      [{ type: 'REPLY' }, 'replied'],
      [{ type: 'ERROR_REPLY', error: new Error('x') }, 'failed'],
      [{ type: 'TIMEOUT' }, 'timedOut'],
      [{ type: 'ABORT' }, 'aborted'],
      [{ type: 'DEAD', reason: 'eof' }, 'dead'],
    ];
    for (const [event, state] of cases) {
      const actor = createActor(callMachine).start();
      actor.send(event);
      actor.send({ type: 'REPLY' });
      expect(actor.getSnapshot().value).toBe(state);
      expect(actor.getSnapshot().status).toBe('done');
      const table = createLifecycle(callTable, {}, null);
      table.send(event);
      expect(table.state).toBe(state);
      table.send({ type: 'REPLY' });
      expect(table.state).toBe(state);
    }
  });
});
