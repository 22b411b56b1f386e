import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../support/fc.js';
import { createActor } from 'xstate';
import { receiverMachine, type ReceiverEvent } from '../../machines/index.js';
import { createLifecycle, receiverTable } from '../../src/core/lifecycle/index.js';
import { muteStoppedActorWarnings } from './helpers.js';

muteStoppedActorWarnings();

const eventArb: fc.Arbitrary<ReceiverEvent> = fc.oneof(
  { arbitrary: fc.constant({ type: 'MESSAGE' as const }), weight: 6 },
  { arbitrary: fc.constant({ type: 'CLOSE' as const }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constant('DEAD' as const), reason: fc.constantFrom('eof', 'boom') }), weight: 1 },
);

describe('receiver properties', () => {
  it('agrees with the generated receiver table on every prefix; no delivery after closed/dead; one dead notice iff dead', () => {
    assertProperty(fc.property(fc.array(eventArb, { maxLength: 50 }), (events) => {
      let hooked = 0;
      let deadHooks = 0;
      const m = receiverMachine.provide({ actions: { onMessage: () => { hooked++; }, onDead: () => { deadHooks++; } } });
      const actor = createActor(m).start();
      const table = createLifecycle(receiverTable, {}, null);
      let plain = table.state;
      let expectedDelivered = 0;
      for (const event of events) {
        if (plain === 'open' && event.type === 'MESSAGE') expectedDelivered++;
        const before = plain;
        table.send(event);
        plain = table.state;
        actor.send(event);
        const snap = actor.getSnapshot();
        expect(snap.value).toBe(plain);
        if (before !== 'open') expect(plain).toBe(before); // final states are terminal
        expect(snap.context.delivered).toBe(expectedDelivered);
        expect(hooked).toBe(expectedDelivered);
        expect(snap.context.deadNotified).toBe(plain === 'dead' ? 1 : 0);
        expect(deadHooks).toBe(plain === 'dead' ? 1 : 0);
      }
    }));
  });
});

describe('receiver examples', () => {
  it('counts messages while open and records the dead reason', () => {
    const actor = createActor(receiverMachine).start();
    actor.send({ type: 'MESSAGE' });
    actor.send({ type: 'MESSAGE' });
    actor.send({ type: 'DEAD', reason: 'eof' });
    actor.send({ type: 'MESSAGE' });
    actor.send({ type: 'DEAD', reason: 'again' });
    expect(actor.getSnapshot().context).toEqual({ delivered: 2, deadNotified: 1, reason: 'eof' });
  });

  it('closed is final and never notifies dead', () => {
    const table = createLifecycle(receiverTable, {}, null);
    table.send({ type: 'CLOSE' });
    table.send({ type: 'DEAD', reason: 'x' });
    expect(table.state).toBe('closed');
    const actor = createActor(receiverMachine).start();
    actor.send({ type: 'CLOSE' });
    actor.send({ type: 'DEAD', reason: 'x' });
    expect(actor.getSnapshot().value).toBe('closed');
    expect(actor.getSnapshot().context.deadNotified).toBe(0);
  });
});
