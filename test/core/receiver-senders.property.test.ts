// A Receiver ends normally only when it is closed (here, or by a sender's close); a context that
// sent to it and then died ends it with ChannelError (issue 10, part 7). Random mixes of
// messages from two senders, deaths (of senders and of a bystander), sender closes and local
// closes, against a one-line model of that rule.
import fc from 'fast-check';
import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ChannelError } from '../../src/core/errors.js';
import { Receiver } from '../../src/core/messaging/receiver.js';
import { SENDER_CLOSED } from '../../src/core/messaging/message.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import { encode } from '../../src/core/wire/codec.js';
import { NO_REPLY, encodeFrame } from '../../src/core/wire/protocol.js';
import { assertProperty } from '../support/fc.js';

const SENDERS = [5, 6] as const;
const BYSTANDER = 7;
type Step =
  | { kind: 'message'; from: number }
  | { kind: 'death'; of: number }
  | { kind: 'senderClose'; from: number }
  | { kind: 'localClose' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constantFrom(...SENDERS).map((from): Step => ({ kind: 'message', from })), weight: 5 },
  { arbitrary: fc.constantFrom(...SENDERS, BYSTANDER).map((of): Step => ({ kind: 'death', of })), weight: 1 },
  { arbitrary: fc.constantFrom(...SENDERS).map((from): Step => ({ kind: 'senderClose', from })), weight: 1 },
  { arbitrary: fc.constant<Step>({ kind: 'localClose' }), weight: 1 },
);

/** How the model says the receiver ended: still open, normally, or dead with ChannelError. */
type End = 'open' | 'normal' | 'failed';

function drive(steps: Step[]): { router: CoreRouter; receiver: Receiver; end: End; delivered: number[] } {
  const router = new CoreRouter({ id: 0, name: 't', parentIds: [] });
  const receiver = new Receiver(router);
  const dead = new Set<number>();
  const sentHere = new Set<number>();
  let end: End = 'open';
  const delivered: number[] = [];
  let n = 0;
  for (const s of steps) {
    if (s.kind === 'message') {
      if (dead.has(s.from)) continue; // a dead context sends nothing
      const value = n++;
      router.route(encodeFrame(0, s.from, s.from, receiver.handle, NO_REPLY, encode(value)), null);
      if (end === 'open') {
        delivered.push(value);
        sentHere.add(s.from);
      }
    } else if (s.kind === 'death') {
      router.contextDied(s.of, 'boom');
      dead.add(s.of);
      if (end === 'open' && sentHere.has(s.of)) end = 'failed';
    } else if (s.kind === 'senderClose') {
      if (dead.has(s.from)) continue;
      router.route(router.buildDeadFrame(0, s.from, receiver.handle, SENDER_CLOSED), null);
      if (end === 'open') end = 'normal';
    } else {
      receiver.close();
      if (end === 'open') end = 'normal';
    }
  }
  return { router, receiver, end, delivered };
}

describe('a Receiver ends normally only on a close', () => {
  it('matches the model: state, endedNormally, what get() and iteration give', async () => {
    await assertProperty(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const { router, receiver, end, delivered } = drive(steps);
        expect(receiver.state === 'open').toBe(end === 'open');
        if (end === 'open') {
          receiver.close(); // let the iteration below finish
        } else {
          expect(receiver.endedNormally).toBe(end === 'normal');
          expect(router.hasHandler(receiver.handle)).toBe(false);
        }
        const got: unknown[] = [];
        let error: unknown = null;
        try {
          for await (const m of receiver) got.push(m.decode());
        } catch (e) {
          error = e;
        }
        expect(got).toEqual(delivered);
        if (end === 'failed') {
          expect(error).toBeInstanceOf(ChannelError);
          expect((error as ChannelError).reason).toMatch(/^context .*\(#[56]\) is dead: boom$/);
        } else {
          expect(error).toBe(null);
        }
        await expect(receiver.get()).rejects.toBeInstanceOf(ChannelError);
      }),
      { numRuns: 300 },
    );
  });

  it('messages$ errors when a sender died and completes on its close', async () => {
    const killed = drive([{ kind: 'message', from: 5 }, { kind: 'death', of: BYSTANDER }, { kind: 'message', from: 5 }, { kind: 'death', of: 5 }]);
    const values: unknown[] = [];
    const ended = await new Promise<unknown>((resolve) =>
      killed.receiver.messages$.subscribe({ next: (m) => values.push(m.decode()), error: resolve, complete: () => resolve('completed') }),
    );
    expect(values).toEqual([0, 1]);
    expect(ended).toBeInstanceOf(ChannelError);
    expect((ended as ChannelError).reason).toMatch(/^context .*\(#5\) is dead: boom$/);

    const closed = drive([{ kind: 'message', from: 6 }, { kind: 'senderClose', from: 6 }, { kind: 'death', of: 6 }]);
    expect((await firstValueFrom(closed.receiver.messages$.pipe(toArray()))).map((m) => m.decode())).toEqual([0]);
  });

  it('a subscriber that sends to its own receiver gets every message once, in order, then the end', async () => {
    const router = new CoreRouter({ id: 0, name: 't', parentIds: [] });
    const receiver = new Receiver(router);
    const seen: unknown[][] = [[], []];
    const done = [0, 1].map(
      (k) =>
        new Promise<unknown>((resolve) =>
          receiver.messages$.subscribe({
            next: (m) => {
              const v = m.decode() as number;
              seen[k]!.push(v);
              // The first subscriber answers each value below 3 with the next one, synchronously.
              if (k === 0 && v < 3) router.sendValue(0, receiver.handle, v + 1);
              if (k === 0 && v === 3) router.route(router.buildDeadFrame(0, 0, receiver.handle, SENDER_CLOSED), null);
            },
            error: resolve,
            complete: () => resolve('completed'),
          }),
        ),
    );
    router.sendValue(0, receiver.handle, 0);
    expect(await Promise.all(done)).toEqual(['completed', 'completed']);
    expect(seen).toEqual([[0, 1, 2, 3], [0, 1, 2, 3]]);
  });
});
