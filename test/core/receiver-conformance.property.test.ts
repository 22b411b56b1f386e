// The runtime's Receiver runs the table generated from machines/receiver.ts. Drive the
// Receiver, the table and the XState machine with the same random event sequences and check
// they agree on every step, and that the Receiver's observable behaviour follows the invariants.
import fc from 'fast-check';
import { assertProperty } from '../support/fc.js';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { receiverMachine, type ReceiverEvent } from '../../machines/receiver.js';
import { createLifecycle, receiverTable } from '../../src/core/lifecycle/index.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import { Receiver } from '../../src/core/messaging/receiver.js';
import { ChannelError } from '../../src/core/errors.js';

const event = fc.oneof(
  fc.constant<ReceiverEvent>({ type: 'MESSAGE' }),
  fc.constant<ReceiverEvent>({ type: 'CLOSE' }),
  fc.string({ maxLength: 8 }).map((reason): ReceiverEvent => ({ type: 'DEAD', reason })),
);

describe('Receiver conforms to the receiver machine', () => {
  it('agrees with the machine on every prefix of random event sequences', async () => {
    await assertProperty(
      fc.asyncProperty(fc.array(event, { maxLength: 30 }), async (events) => {
        const router = new CoreRouter({ id: 0, name: 't', parentIds: [] });
        const receiver = new Receiver(router);
        const actor = createActor(receiverMachine).start();
        const table = createLifecycle(receiverTable, {}, null);
        let sent = 0;
        for (const e of events) {
          if (e.type === 'MESSAGE') {
            router.sendValue(0, receiver.handle, sent++);
          } else if (e.type === 'CLOSE') {
            receiver.close();
          } else {
            router.route(router.buildDeadFrame(0, 0, receiver.handle, e.reason), null);
          }
          if (actor.getSnapshot().status === 'active') actor.send(e);
          table.send(e);
          expect(receiver.state).toBe(table.state);
          expect(actor.getSnapshot().value).toBe(table.state);
          // The runtime's implementations of the machine's assign actions keep the same data.
          expect((receiver as unknown as { delivered: number }).delivered).toBe(actor.getSnapshot().context.delivered);
          if (table.state === 'dead') expect(receiver.reason).toBe(actor.getSnapshot().context.reason);
        }
        // Messages taken out are exactly those sent while open, in order.
        const delivered = actor.getSnapshot().context.delivered;
        const got: unknown[] = [];
        while (!receiver.empty()) got.push((await receiver.get()).decode());
        expect(got.length).toBe(delivered);
        expect(got).toEqual([...got].sort((a, b) => (a as number) - (b as number)));
        if (table.state !== 'open') {
          await expect(receiver.get()).rejects.toBeInstanceOf(ChannelError);
          expect(router.hasHandler(receiver.handle)).toBe(false);
        }
        actor.stop();
      }),
      { numRuns: 200 },
    );
  });

  it('a waiting get() is woken exactly once by a dead message', async () => {
    const router = new CoreRouter({ id: 0, name: 't', parentIds: [] });
    const receiver = new Receiver(router);
    const waiting = receiver.get();
    router.route(router.buildDeadFrame(0, 0, receiver.handle, 'peer went away'), null);
    await expect(waiting).rejects.toThrow('peer went away');
    expect(receiver.state).toBe('dead');
  });
});
