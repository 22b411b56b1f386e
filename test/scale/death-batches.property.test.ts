// Deaths over random trees (issue 15): in-memory routers with the real route control, random
// trees, waiters anywhere (handlers with a respondent, ctx.whenDead()) on random contexts, then
// a few random link deaths, then waiters on contexts already dead. Invariants: every live
// waiter learns of every death it waits on, once, with the same reason in every process that
// learns it; and a death event costs exactly one message per router that learns it: the
// ancestors of the dead subtree, and the routers on the way down from the lowest common
// ancestor to each waiter, whatever the size of the dead subtree or of the tree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { announceChild, installRouteControl } from '../../src/core/routing/route-control.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import { linkChild, settle, type MemPair } from '../unit/harness/mem-link.js';
import { assertProperty } from '../support/fc.js';

interface Waiter {
  at: number;
  on: number;
  deadMessages: number;
  whenDead: boolean;
}

const arbCase = fc
  .integer({ min: 2, max: 28 })
  .chain((n) =>
    fc.record({
      parents: fc.tuple(...Array.from({ length: n - 1 }, (_, i) => fc.integer({ min: 0, max: i }))),
      waiters: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 40 }),
      late: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 10 }),
      cuts: fc.array(fc.integer({ min: 1, max: n - 1 }), { minLength: 1, maxLength: 3 }),
      unidirectional: fc.boolean(),
    }),
  );

interface Case {
  parents: number[];
  waiters: [number, number][];
  late: [number, number][];
  cuts: number[];
  unidirectional: boolean;
}

async function run({ parents, waiters, late, cuts, unidirectional }: Case): Promise<void> {
  const parentOf = [-1, ...parents];
  const n = parentOf.length;
  const chain = (i: number): number[] => (i === 0 ? [] : [...chain(parentOf[i]!), parentOf[i]!]);
  const routers: CoreRouter[] = [];
  const links = new Map<number, MemPair>();
  for (let i = 0; i < n; i++) {
    const r = new CoreRouter({ id: i, name: `n${i}`, parentIds: chain(i), unidirectional });
    r.log = () => undefined;
    installRouteControl(r, {}, i === 0 ? 'master' : 'child');
    routers.push(r);
    if (i > 0) {
      // As a parent does when it starts a child (child-set.ts): it knows the child's name.
      routers[parentOf[i]!]!.contextFor(i, `n${i}`);
      links.set(i, linkChild(routers[parentOf[i]!]!, r));
      if (parentOf[i]! > 0) announceChild(routers[parentOf[i]!]!, i, `n${i}`);
    }
  }
  await settle(n + 3);
  const sent = (): number => [...links.values()].reduce((s, l) => s + l.down.sent + l.up.sent, 0);
  const below = (v: number, x: number): boolean => x === v || (x > 0 && below(v, parentOf[x]!));
  const all = Array.from({ length: n }, (_, x) => x);

  const ws: Waiter[] = [];
  const wait = (at: number, on: number): void => {
    const w: Waiter = { at, on, deadMessages: 0, whenDead: false };
    const r = routers[at]!;
    const ctx = r.contextFor(on);
    r.addHandler((m) => void (m.isDead && w.deadMessages++), { respondent: ctx, persist: true });
    void ctx.whenDead().then(() => (w.whenDead = true));
    ws.push(w);
  };
  for (const [at, on] of waiters) if (at !== on) wait(at, on);
  await settle(n + 3);

  const dead = new Set<number>(); // every context in a dead subtree (their routers are orphaned)
  for (const v of cuts) {
    if (dead.has(v)) continue;
    const subtree = all.filter((x) => below(v, x) && !dead.has(x)); // what dies now
    // Who hears: v's ancestors, and every live router on the way down from the lowest common
    // ancestor to a router that waits (or waited: asks are kept while the link that made them
    // lives) on a context that dies now, when it is not above it.
    const learners = new Set(chain(v));
    for (const w of ws) {
      if (dead.has(w.on) || !below(v, w.on) || routers[w.on]!.parentIds.includes(w.at)) continue;
      for (let x = w.at; !below(x, v); x = parentOf[x]!) if (!dead.has(x) && !below(v, x)) learners.add(x);
    }
    const before = sent();
    links.get(v)!.cut(`cut ${v}`);
    await settle(n + 3);
    // One message per router that learns it (v's parent saw it), whatever the subtree's size.
    expect(sent() - before).toBe(learners.size - 1);
    for (const x of subtree) dead.add(x);
    for (const x of subtree) {
      const reason = routers[0]!.deadReason(x);
      expect(reason).toBeDefined();
      for (const r of learners) expect(routers[r]!.deadReason(x)).toBe(reason);
    }
  }
  // Waiting only now on a context that died before: the ask is answered with its death.
  for (const [at, on] of late) if (!dead.has(at) && at !== on) wait(at, on);
  await settle(2 * n + 3);
  for (const w of ws) {
    if (dead.has(w.at)) continue;
    expect(w.deadMessages).toBe(dead.has(w.on) ? 1 : 0);
    expect(w.whenDead).toBe(dead.has(w.on));
  }
}

describe('deaths over random trees', () => {
  it('every waiter learns each death it waits on once, also asking after it; a death event costs one message per router that must learn it', async () => {
    await assertProperty(fc.asyncProperty(arbCase, run), { numRuns: 150 });
  });
});
