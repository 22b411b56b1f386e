// The push plan and the allow list, as properties over random trees (fast-check): the plan has
// one node per context on the way to the targets (so the file crosses each link once), each
// under the context that started it, the targets exactly those given; the allow list admits
// exactly the allowed files and what is below allowed directories.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/index.js';
import type { CoreRouter } from '../../src/core/routing/router.js';
import { isAllowed } from '../../src/files/allow-list.js';
import { planPush, targetIds, type PlanNode } from '../../src/files/push-plan.js';
import { assertProperty } from '../support/fc.js';

/** A router that knows contexts 1..n, each started by parents[i] (0: the master). */
function fakeRouter(parents: number[]): { router: CoreRouter; ctx: (id: number) => Context } {
  const contexts = new Map<number, Context>();
  const router = {
    myId: 0,
    parentOf: (id: number) => (id === 0 ? undefined : parents[id - 1]),
    contextById: (id: number) => contexts.get(id),
  } as unknown as CoreRouter;
  for (let id = 1; id <= parents.length; id++) contexts.set(id, { id, name: `c${id}`, router } as unknown as Context);
  return { router, ctx: (id) => contexts.get(id)! };
}

/** Random trees: context i+1 is started by one of 0..i. */
const tree = fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => fc.integer({ min: 0, max: i }))));

function walk(nodes: readonly PlanNode[], parent: number, out: Map<number, number>): void {
  for (const n of nodes) {
    expect(out.has(n.ctx.id)).toBe(false);
    out.set(n.ctx.id, parent);
    walk(n.children, n.ctx.id, out);
  }
}

describe('push plan', () => {
  it('has each context on the way once, under its parent, and the targets given', () => {
    assertProperty(
      fc.property(
        tree.chain((parents) => fc.tuple(fc.constant(parents), fc.uniqueArray(fc.integer({ min: 1, max: parents.length }), { minLength: 1 }))),
        ([parents, targets]) => {
          const { router, ctx } = fakeRouter(parents);
          const plan = planPush(router, targets.map(ctx), '/dest');
          const seen = new Map<number, number>();
          walk(plan, 0, seen);
          // Every node's parent in the plan is its real parent: one transfer per link.
          for (const [id, parent] of seen) expect(parent).toBe(parents[id - 1]);
          // The nodes are exactly the targets and their ancestors.
          const need = new Set<number>();
          for (const t of targets) for (let id = t; id !== 0; id = parents[id - 1]!) need.add(id);
          expect([...seen.keys()].sort((a, b) => a - b)).toEqual([...need].sort((a, b) => a - b));
          expect(targetIds(plan).sort((a, b) => a - b)).toEqual([...targets].sort((a, b) => a - b));
        },
      ),
    );
  });
});

describe('allow list', () => {
  const segment = fc.stringMatching(/^[a-z]{1,4}$/);
  const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);
  it('admits the allowed paths and what is below them, nothing else', () => {
    assertProperty(
      fc.property(fc.array(path, { maxLength: 4 }), path, (allowed, p) => {
        const expected = allowed.some((a) => p === a || p.startsWith(`${a}/`));
        expect(isAllowed(p, allowed)).toBe(expected);
        expect(isAllowed(p, null)).toBe(true);
        // A sibling whose name extends an allowed one is not below it.
        for (const a of allowed) expect(isAllowed(`${a}x`, [a])).toBe(false);
      }),
    );
    expect(isAllowed('/srv/app/../etc/passwd', ['/srv/app'])).toBe(false);
  });
});
