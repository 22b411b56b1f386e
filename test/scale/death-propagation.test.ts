// How far a death travels (issue 15, simulation of scale): in a unidirectional tree a death
// behind a child goes only up (no other child can await a context behind it), so it costs
// O(depth) messages, not O(tree); in the default tree every context still hears it (a
// sibling may await it), and news from a parent always goes down. A context and the subtree
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

  it('unidirectional: a sibling subtree hears nothing of a death; news from a parent reaches every child', async () => {
    const t = await tree(true);
    t.links.a!.cut('gone');
    await settle();
    expect(t.routers.m.deadReason(3)).toBeDefined();
    expect(t.routers.b.deadReason(1)).toBeUndefined();
    // A death decided in the master itself (not seen behind a child) goes down everywhere.
    t.routers.m.contextDied(99, 'decided in the master');
    await settle();
    expect(t.routers.b.deadReason(99)).toContain('decided in the master');
    expect(t.routers.b1.deadReason(99)).toContain('decided in the master');
  });

  it('default (siblings may talk): every context hears a death', async () => {
    const t = await tree(false);
    t.links.a1!.cut('crashed');
    await settle();
    for (const r of [t.routers.m, t.routers.a, t.routers.a2, t.routers.b, t.routers.b1]) expect(r.deadReason(3)).toContain('crashed');
  });

  it('a subtree\'s death travels as one DEL_ROUTE per link, carrying every dead id with its reason', async () => {
    const t = await tree(false);
    const before = t.sent();
    t.links.a!.cut('gone');
    await settle();
    // The master saw a's stream end: one message to b, which passes it on to b1.
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

  it('the 10,000-context model in small: unidirectional deaths cost O(depth), default ones O(tree)', async () => {
    const f = await simulate(6, 5);
    expect(f.leafDeathMessagesUnidirectional).toBe(1);
    expect(f.deathMessagesUnidirectional).toBe(0); // the master saw it itself; the subtree is orphaned
    // Default: the leaf's bastion tells the master and its 4 siblings; the master tells the 4
    // other live bastions (one was cut before), each tells its 5 leaves.
    expect(f.leafDeathMessages).toBe(1 + 4 + 4 + 4 * 5);
    // A bastion's death: one message from the master to each of the 5 other bastions, one from
    // each to each of its 5 leaves, whatever the size of the dead subtree.
    expect(f.deathMessages).toBe(5 + 5 * 5);
    expect(f.allocationRoundTrips).toBe(6);
    expect(f.routes).toEqual({ master: 36, bastion: 5, leaf: 0 });
    expect(DEL_ROUTE).toBeGreaterThan(0);
  });
});
