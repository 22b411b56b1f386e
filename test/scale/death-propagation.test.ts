// How far a death travels (issue 15, simulation of scale): up to every ancestor, and down only
// to the subtrees that asked for it (a context there may wait on it: routing/interests.ts), so
// it costs O(depth + the paths to its waiters) messages, not O(tree); a context and the subtree
// that dies with it travel as one message per link, not one per dead context. In-memory routers.
import { describe, expect, it } from 'vitest';
import { DEL_ROUTE } from '../../src/core/wire/protocol.js';
import { announceChild, installRouteControl } from '../../src/core/routing/route-control.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import { linkChild, settle, type MemPair } from '../unit/harness/mem-link.js';
import { simulate } from '../../bench/simulation.js';

/** master -> a, b; a -> a1, a2; b -> b1. */
async function tree(unidirectional: boolean) {
  const make = (id: number, parentIds: number[]): CoreRouter => {
    const r = new CoreRouter({ id, name: `n${id}`, parentIds, unidirectional });
    r.log = () => undefined;
    installRouteControl(r, {}, id === 0 ? 'master' : 'child');
    return r;
  };
  const [m, a, b, a1, a2, b1] = [make(0, []), make(1, [0]), make(2, [0]), make(3, [0, 1]), make(4, [0, 1]), make(5, [0, 2])];
  const links: Record<string, MemPair> = { a: linkChild(m, a), b: linkChild(m, b), a1: linkChild(a, a1), a2: linkChild(a, a2), b1: linkChild(b, b1) };
  announceChild(a, 3, 'n3');
  announceChild(a, 4, 'n4');
  announceChild(b, 5, 'n5');
  await settle();
  const sent = (): number => Object.values(links).reduce((n, l) => n + l.down.sent + l.up.sent, 0);
  return { routers: { m, a, b, a1, a2, b1 }, links, sent };
}

describe('death propagation', () => {
  it('unidirectional: a leaf death behind a child goes only up (one message per level)', async () => {
    const t = await tree(true);
    const before = t.sent();
    t.links.a1!.cut('crashed');
    await settle();
    expect(t.sent() - before).toBe(1); // a -> master
    expect(t.routers.m.deadReason(3)).toContain('crashed');
    expect(t.routers.a.deadReason(3)).toContain('crashed');
    expect(t.routers.b.deadReason(3)).toBeUndefined();
    expect(t.routers.b1.deadReason(3)).toBeUndefined();
  });

  it('a death goes down only to the subtrees that wait on it; a waiter asks once, through every hop to the common ancestor', async () => {
    for (const unidirectional of [false, true]) {
      const t = await tree(unidirectional);
      let before = t.sent();
      t.links.a1!.cut('crashed');
      await settle();
      expect(t.sent() - before).toBe(1); // a -> master: nobody else waits on a1
      expect(t.routers.b.deadReason(3)).toBeUndefined();
      expect(t.routers.a2.deadReason(3)).toBeUndefined();
      // b1 waits on a2 (a Context for it: a call, a receiver, whenDead()): b1 -> b -> master.
      before = t.sent();
      const a2 = t.routers.b1.contextFor(4);
      const dead = a2.whenDead();
      t.routers.b1.contextFor(4); // once per context
      await settle();
      expect(t.sent() - before).toBe(2);
      before = t.sent();
      t.links.a2!.cut('gone');
      await settle();
      await dead;
      expect(t.sent() - before).toBe(3); // a -> master -> b -> b1
      expect(t.routers.b1.deadReason(4)).toBe('gone');
      expect(t.routers.b.deadReason(4)).toBe('gone');
    }
  });

  it('an ask for a context already dead is answered at once with its death', async () => {
    const t = await tree(false);
    t.links.a1!.cut('crashed');
    await settle();
    const got: string[] = [];
    t.routers.b1.addHandler((m) => void got.push(m.deadReason ?? ''), { respondent: t.routers.b1.contextFor(3) });
    await settle();
    expect(got).toEqual(["context 'context-3' (#3) is dead: crashed"]);
    expect(t.routers.b1.contextById(3)!.deadReason).toBe('crashed');
  });

  it('a death decided in the master reaches the subtrees that wait on it', async () => {
    const t = await tree(false);
    t.routers.b1.contextFor(99);
    await settle();
    t.routers.m.contextDied(99, 'decided in the master');
    await settle();
    expect(t.routers.b1.deadReason(99)).toBe('decided in the master');
    expect(t.routers.a.deadReason(99)).toBeUndefined();
  });

  it('a subtree\'s death travels as one DEL_ROUTE per link, carrying every dead id with its reason', async () => {
    const t = await tree(false);
    t.routers.b1.contextFor(3); // b1 waits on a1 (and b on its behalf)
    await settle();
    const before = t.sent();
    t.links.a!.cut('gone');
    await settle();
    // The master saw a's stream end: one message to b, which passes it on to b1, however many died.
    expect(t.sent() - before).toBe(2);
    // Each learns the reasons the master recorded (b and b1 know nothing of a's children).
    const below = t.routers.m.deadReason(3);
    expect(below).toMatch(/^parent context .* died: gone$/);
    for (const r of [t.routers.m, t.routers.b, t.routers.b1]) {
      expect(r.deadReason(1)).toBe('gone');
      expect(r.deadReason(3)).toBe(below);
      expect(r.deadReason(4)).toBe(below);
    }
  });

  it('the 10,000-context model in small: a death costs its depth plus the paths to its waiters', async () => {
    const f = await simulate(6, 5);
    expect(f.leafDeathMessages).toBe(1); // up to the master
    expect(f.leafDeathMessagesUnidirectional).toBe(1);
    expect(f.deathMessages).toBe(0); // the master saw it itself; nobody else waits on it
    expect(f.deathMessagesUnidirectional).toBe(0);
    // Each of the 5 leaves of the last bastion waits on a leaf of the first: master -> that
    // bastion -> each of its 5 leaves, one message per link whatever the subtree's size.
    expect(f.deathMessagesWaited).toBe(1 + 5);
    expect(f.leafDeathMessagesWaited).toBe(1 + 2);
    // Every leaf asks its bastion once; each bastion asks the master once for all of them.
    expect(f.askMessages).toBe(30 + 6);
    expect(f.allocationRoundTrips).toBe(6);
    expect(f.routes).toEqual({ master: 36, bastion: 5, leaf: 0 });
    expect(DEL_ROUTE).toBeGreaterThan(0);
  });
});
