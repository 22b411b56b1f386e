// Issue 15 defect 3: the master's actor tree kept one finished XState actor per context ever
// started (it stayed in its parent actor's snapshot.children). Dead contexts' actors are
// released; the live ones still show in tree() and in inspection.
import { describe, expect, it } from 'vitest';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { ActorTree, type ActorTreeHost, type ContextTreeNode } from '../../src/master/actor-tree.js';
import type { Context } from '../../src/core/calls/context.js';
import type { LifecycleStep } from '../../src/core/lifecycle/bus.js';

/** The context handles the tree moves: only what setContextState touches. */
function fakeHost(): ActorTreeHost & { dead: Set<number> } {
  const ctxs = new Map<number, { id: number; name: string; state: string; setState(s: string): void; markDead(): void }>();
  const dead = new Set<number>();
  return {
    dead,
    contextFor(id, name) {
      let c = ctxs.get(id);
      if (!c) {
        c = { id, name: name ?? `c${id}`, state: 'connecting', setState(s) { this.state = s; }, markDead() {} };
        ctxs.set(id, c);
      }
      return c as unknown as Context;
    },
    contextById: (id) => ctxs.get(id) as unknown as Context | undefined,
    isDead: (id) => dead.has(id),
    contextDied(id) {
      dead.add(id);
    },
    noteDraining() {},
  };
}

const step = (id: number, parentId: number): LifecycleStep => ({ id, name: `c${id}`, parentId, event: 'BOOTSTRAPPED', reason: null }) as LifecycleStep;
/** XState's own record of an actor's children (what kept the finished actors alive). */
const xstateChildren = (a: AnyActorRef): string[] => Object.keys((a.getSnapshot() as { children: Record<string, unknown> }).children);
const ids = (n: ContextTreeNode): number[] => [n.id, ...n.children.flatMap(ids)];

describe('actor tree releases dead contexts (issue 15 defect 3)', () => {
  it('keeps no finished actor per context ever started, at any level', () => {
    const host = fakeHost();
    const tree = new ActorTree(host, 1000);
    // 200 direct contexts, each with 2 children reported by it, all dead in turn; 1 stays.
    let id = 1;
    for (let i = 0; i < 200; i++) {
      const top = id++;
      tree.step(step(top, 0));
      const kids = [id++, id++];
      for (const k of kids) tree.step(step(k, top));
      tree.died(kids[0]!, 'gone');
      tree.died(top, 'gone');
    }
    const live = id++;
    tree.step(step(live, 0));
    const liveKid = id++;
    tree.step(step(liveKid, live));
    // Only the live context (and its stream actor, a separate actor) remain under the root.
    expect(xstateChildren(tree.root)).toEqual([`ctx-${live}`]);
    expect(ids(tree.tree())).toEqual([0, live, liveKid]);
    expect(tree.tree().children[0]!.state).toBe('running');
  });

  it('inspection still sees live contexts after others were released', () => {
    const host = fakeHost();
    const tree = new ActorTree(host, 1000);
    for (let i = 1; i <= 20; i++) {
      tree.step(step(i, 0));
      tree.died(i, 'gone');
    }
    const seen: InspectionEvent[] = [];
    const stop = tree.inspect((e) => seen.push(e));
    tree.step(step(100, 0));
    tree.step({ id: 100, name: 'c100', parentId: 0, event: 'DRAINING', reason: 'test' } as LifecycleStep);
    stop();
    expect(seen.some((e) => e.type === '@xstate.snapshot' && (e.actorRef as AnyActorRef).id === 'ctx-100')).toBe(true);
    expect(tree.tree().children.map((c) => [c.id, c.state])).toEqual([[100, 'draining']]);
    expect(xstateChildren(tree.root)).toEqual(['ctx-100']);
    tree.died(100, 'gone');
    expect(xstateChildren(tree.root)).toEqual([]);
    expect(host.dead.has(100)).toBe(true);
  });
});
