// Deaths over random trees (issue 15): in-memory routers with the real route control, random
// trees, waiters anywhere (handlers with a respondent, ctx.whenDead()) on random contexts, then
// a few random link deaths. Invariants: every waiter outside a dead subtree learns of every
// death it waits on, once, with the same reason in every process; and a death event costs one
// message per live router that learns it, whatever the size of the subtree that died:
// exactly (live routers outside the dead subtree) - 1 in the default tree (each learns once,
// never twice), and the hops up to the master in a unidirectional one.
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
      cuts: fc.array(fc.integer({ min: 1, max: n - 1 }), { minLength: 1, maxLength: 3 }),
      unidirectional: fc.boolean(),
    }),
  );

interface Case {
  parents: number[];
  waiters: [number, number][];
  cuts: number[];
  unidirectional: boolean;
}

async function run({ parents, waiters, cuts, unidirectional }: Case): Promise<void> {
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

  const ws: Waiter[] = [];
  for (const [at, on] of waiters) {
    if (at === on) continue;
    const w: Waiter = { at, on, deadMessages: 0, whenDead: false };
    const r = routers[at]!;
    const ctx = r.contextFor(on);
    r.addHandler((m) => void (m.isDead && w.deadMessages++), { respondent: ctx, persist: true });
    void ctx.whenDead().then(() => (w.whenDead = true));
    ws.push(w);
  }

  const dead = new Set<number>(); // every context in a dead subtree (their routers are orphaned)
  for (const v of cuts) {
    if (dead.has(v)) continue;
    const subtree = Array.from({ length: n }, (_, x) => x).filter((x) => below(v, x));
    const outside = Array.from({ length: n }, (_, x) => x).filter((x) => !dead.has(x) && !below(v, x));
    const before = sent();
    links.get(v)!.cut(`cut ${v}`);
    await settle(n + 3);
    const messages = sent() - before;
    const hops = chain(v).length - 1; // from v's parent up to the master
    expect(messages).toBe(unidirectional ? hops : outside.length - 1);
    for (const x of subtree) dead.add(x);
    // The routers on the way up (and, by default, all outside) record the master's reasons.
    const learners = unidirectional ? chain(v) : outside;
    for (const x of subtree) {
      const reason = routers[0]!.deadReason(x);
      expect(reason).toBeDefined();
      for (const r of learners) expect(routers[r]!.deadReason(x)).toBe(reason);
    }
  }
  await settle(3);
  for (const w of ws) {
    if (dead.has(w.at) || !dead.has(w.on)) {
      if (!dead.has(w.on)) expect(w.deadMessages).toBe(0);
      continue;
    }
    // Unidirectional: a death behind a child goes only up, to the waiter's ancestors.
    if (unidirectional && !routers[w.on]!.parentIds.includes(w.at)) continue;
    expect(w.deadMessages).toBe(1);
    expect(w.whenDead).toBe(true);
  }
}

describe('deaths over random trees', () => {
  it('every waiter learns each death it waits on once; a death event costs one message per router that learns it', async () => {
    await assertProperty(fc.asyncProperty(arbCase, run), { numRuns: 150 });
  });
});
