// The boot gate of local starts (src/parent/connection.ts LaunchGate): a parent lets only a
// few local targets boot at once, so its event loop is free between spawns (100 synchronous
// spawns at once blocked an intermediate for 5-15 s: its heartbeats stopped and it was
// declared dead). Unit behaviour here; the end-to-end case in wide-intermediate.test.ts.
import { describe, expect, it } from 'vitest';
import { LaunchGate } from '../../src/parent/connection.js';
import { StreamError } from '../../src/core/errors.js';

/** Enough event-loop turns for every grant due (one per turn). */
const tick = async (): Promise<void> => {
  for (let i = 0; i < 8; i++) await new Promise((r) => setImmediate(r));
};

describe('LaunchGate', () => {
  it('admits at most `limit` holders, the rest in arrival order', async () => {
    const gate = new LaunchGate(2);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const all = Array.from({ length: 5 }, (_, i) =>
      gate.acquire().then((release) => {
        order.push(i);
        releases.push(release);
      }),
    );
    await tick();
    expect(order).toEqual([0, 1]);
    releases[0]!();
    releases[0]!(); // idempotent: frees one place only
    await tick();
    expect(order).toEqual([0, 1, 2]);
    releases[1]!();
    releases[2]!();
    await tick();
    expect(order).toEqual([0, 1, 2, 3, 4]);
    await Promise.all(all);
  });

  it('a waiter gives up when its signal aborts, without taking a place', async () => {
    const gate = new LaunchGate(1);
    const first = await gate.acquire();
    const ac = new AbortController();
    const waiting = gate.acquire(ac.signal);
    const next = gate.acquire();
    ac.abort();
    await expect(waiting).rejects.toBeInstanceOf(StreamError);
    first();
    const release = await next;
    release();
    const aborted = new AbortController();
    aborted.abort();
    // An already aborted signal is only refused while it would have to wait.
    (await gate.acquire(aborted.signal))();
  });

  it('grants one place per event-loop turn, so timers and I/O run between two spawns', async () => {
    const gate = new LaunchGate(3);
    // A counter bumped once per turn (an immediate set from the check phase runs in the next).
    let turn = 0;
    let counting = true;
    const bump = (): void => {
      turn++;
      if (counting) setImmediate(bump);
    };
    setImmediate(bump);
    const seen = await Promise.all([0, 1, 2].map(() => gate.acquire().then(() => turn)));
    counting = false;
    expect(new Set(seen).size).toBe(3);
  });
});
