// The handler table is a ring of reusable slots with an overflow map (issue 12): random
// sequences of allocations, explicit handles (chosen to land on slots others hold), settles
// and deaths must leave it answering exactly as a Map of handle -> entry does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandlerTable, type HandlerEntry } from '../../src/core/routing/handler-table.js';
import { assertProperty } from '../support/fc.js';

const FIRST = 1000;
// Small enough that allocation wraps within a run. Explicit handles STRIDE apart share a slot
// at every capacity the ring reaches here (256 to 1024 slots).
const LAST = FIRST + 700;
const STRIDE = 1024;
const RESPONDENTS = 3;

type Op =
  | { kind: 'alloc'; respondent: number; persist: boolean }
  | { kind: 'explicit'; base: number; wraps: number; respondent: number }
  | { kind: 'settle'; pick: number }
  | { kind: 'death'; respondent: number }
  | { kind: 'burst'; count: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('alloc' as const), respondent: fc.integer({ min: -1, max: RESPONDENTS - 1 }), persist: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('explicit' as const), base: fc.integer({ min: 0, max: 15 }), wraps: fc.integer({ min: 0, max: 2 }), respondent: fc.integer({ min: -1, max: RESPONDENTS - 1 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('death' as const), respondent: fc.integer({ min: 0, max: RESPONDENTS - 1 }) }) },
  // Many calls in flight at once: the ring fills and must grow.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('burst' as const), count: fc.integer({ min: 100, max: 600 }) }) },
);

interface Model {
  handle: number;
  respondent: number;
  persist: boolean;
  /** What the entry's target is: tells entries apart after slot reuse. */
  tag: number;
}

const fn = (): void => undefined;

describe('HandlerTable (ring of slots) against a Map', () => {
  it('get/has/delete/takeAwaiting/awaiting answer as a Map of the same adds and deletes', () => {
    assertProperty(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const table = new HandlerTable(FIRST, LAST);
        const oracle = new Map<number, Model>(); // insertion order = the order takeAwaiting reports
        let tag = 0;
        const add = (handle: number, respondent: number, persist: boolean): void => {
          const m: Model = { handle, respondent, persist, tag: tag++ };
          table.set(handle, fn, m.tag, persist, respondent, undefined, respondent >= 0 ? 'mod' : null, `f${m.tag}`, 0);
          oracle.delete(handle); // Map.set keeps the old position; a re-add here counts as new
          oracle.set(handle, m);
        };
        const allocOne = (respondent: number, persist: boolean): void => {
          const h = table.alloc();
          expect(h).toBeGreaterThanOrEqual(FIRST);
          expect(h).toBeLessThanOrEqual(LAST);
          expect(oracle.has(h)).toBe(false); // never a handle in use
          add(h, respondent, persist);
        };
        for (const o of ops) {
          switch (o.kind) {
            case 'alloc':
              if (oracle.size < LAST - FIRST) allocOne(o.respondent, o.persist);
              break;
            case 'burst':
              for (let i = 0; i < o.count && oracle.size < LAST - FIRST; i++) allocOne(i % RESPONDENTS, false);
              break;
            case 'explicit':
              add(FIRST + o.base + o.wraps * STRIDE, o.respondent, true);
              break;
            case 'settle': {
              if (oracle.size === 0) {
                expect(table.delete(FIRST - 1)).toBe(false);
                break;
              }
              const keys = [...oracle.keys()];
              const h = keys[o.pick % keys.length]!;
              const e = table.get(h);
              expect(e?.target).toBe(oracle.get(h)!.tag);
              expect(table.delete(h)).toBe(true);
              expect(table.delete(h)).toBe(false);
              oracle.delete(h);
              break;
            }
            case 'death': {
              const taken = table.takeAwaiting(o.respondent).map(([h, e]) => [h, e.target]);
              const expected = [...oracle.values()].filter((m) => m.respondent === o.respondent).map((m) => [m.handle, m.tag]);
              expect(taken).toEqual(expected);
              for (const [h] of expected) oracle.delete(h as number);
              break;
            }
          }
          // After every step: the same handles, the same entries, nothing else.
          for (const [h, m] of oracle) {
            const e: HandlerEntry | undefined = table.get(h);
            expect(e?.target).toBe(m.tag);
            expect(e?.respondent).toBe(m.respondent);
            expect(e?.persist).toBe(m.persist);
          }
          for (let h = FIRST - 2; h <= FIRST + 16 + 2 * STRIDE; h++) if (!oracle.has(h)) expect(table.has(h)).toBe(false);
        }
        const awaiting = table.awaiting(0);
        for (let r = 0; r < RESPONDENTS; r++) {
          const mine = [...oracle.values()].filter((m) => m.respondent === r);
          expect(awaiting.get(r)?.handlers ?? 0).toBe(mine.length);
          expect(awaiting.get(r)?.calls.map((c) => c.call) ?? []).toEqual(mine.map((m) => `mod#f${m.tag}`));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('HandlerTable overflow', () => {
  it('a handle added while its slot was taken, added again once the slot is free, is deleted once and for all', () => {
    const table = new HandlerTable(FIRST, LAST);
    const add = (handle: number, target: number): void => table.set(handle, fn, target, true, -1, undefined, null, '', 0);
    const a = FIRST;
    const b = FIRST + STRIDE; // the same slot as a
    add(a, 1);
    add(b, 2); // waits in the overflow
    expect(table.delete(a)).toBe(true); // its slot is free now
    add(b, 3); // replaces the one in the overflow
    expect(table.get(b)?.target).toBe(3);
    expect(table.delete(b)).toBe(true);
    expect(table.has(b)).toBe(false);
    expect(table.has(a)).toBe(false);
  });
});
