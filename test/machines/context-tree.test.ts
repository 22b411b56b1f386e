import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../support/fc.js';
import { createActor, SimulatedClock, type AnyActorRef } from 'xstate';
import { contextMachine, type ContextEvent } from '../../machines/index.js';
import { muteStoppedActorWarnings } from './helpers.js';

muteStoppedActorWarnings();

type Pre = { node: number; type: 'CONNECTED' | 'BOOTSTRAPPED' | 'DRAIN' } | { tick: number };

const treeArb = fc.record({
  parents: fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), // node k+1's parent is parents[k] % (k+1); node 0 is the root
  pre: fc.array(
    fc.oneof<fc.Arbitrary<Pre>[]>(
      fc.record({ node: fc.nat(), type: fc.constantFrom('CONNECTED' as const, 'BOOTSTRAPPED' as const, 'DRAIN' as const) }),
      fc.record({ tick: fc.integer({ min: 0, max: 300 }) }),
    ),
    { maxLength: 30 },
  ),
  victim: fc.nat(),
  kill: fc.record({ type: fc.constantFrom('FAIL' as const, 'DISCONNECTED' as const), reason: fc.constantFrom('eof', 'boom') }),
});

describe('context actor tree', () => {
  it('killing a node kills exactly its subtree; ancestors and siblings are unaffected', () => {
    assertProperty(fc.property(treeArb, ({ parents, pre, victim, kill }) => {
      const n = parents.length + 1;
      const parent = [-1, ...parents.map((p, k) => p % (k + 1))];
      const path = (node: number): number[] => (node === 0 ? [] : [...path(parent[node]!), node]);
      const isDescendant = (node: number, of: number): boolean => node === of || (node !== 0 && isDescendant(parent[node]!, of));
      // Deliver an event to any node through the root, one FORWARD per level.
      const address = (node: number, event: ContextEvent): ContextEvent =>
        path(node).reduceRight<ContextEvent>((inner, id) => ({ type: 'FORWARD', id, event: inner }), event);

      const deaths = new Map<string, number>();
      const machine = contextMachine.provide({
        actions: { onDead: ({ context }) => { deaths.set(context.name, (deaths.get(context.name) ?? 0) + 1); } },
      });
      const clock = new SimulatedClock();
      const root = createActor(machine, { clock, input: { name: 'n0', graceMs: 1000 } }).start();
      const refs: AnyActorRef[] = [root];
      for (let k = 1; k < n; k++) {
        root.send(address(parent[k]!, { type: 'ADOPT', id: k, name: `n${k}` }));
        refs[k] = refs[parent[k]!]!.getSnapshot().context.children[k];
        expect(refs[k]).toBeDefined();
      }
      for (const p of pre) {
        if ('tick' in p) clock.increment(p.tick);
        else if (root.getSnapshot().status === 'active') root.send(address(p.node % n, { type: p.type }));
      }

      const target = victim % n;
      const seen = (r: AnyActorRef) => {
        const snap = r.getSnapshot();
        return { value: snap.value, status: snap.status, reason: snap.context.reason as string | null };
      };
      const before = refs.map(seen);
      if (root.getSnapshot().status === 'active') root.send(address(target, kill));
      // The reason rule (machines/stream.ts): the first reason recorded wins, so a node that was
      // draining (or already dead) keeps its reason; the others take the kill's or their parent's.
      const reasonAfter = (k: number): string =>
        before[k]!.reason ?? (k === target ? kill.reason : `parent context 'n${parent[k]!}' died: ${reasonAfter(parent[k]!)}`);

      for (let k = 0; k < n; k++) {
        const snap = refs[k]!.getSnapshot();
        if (isDescendant(k, target)) {
          expect(snap.value).toBe('dead');
          expect(snap.context.reason).toBe(reasonAfter(k));
        } else {
          expect(seen(refs[k]!)).toEqual(before[k]);
        }
        // Each node that died ran onDead exactly once (children run the provided implementation too).
        expect(deaths.get(`n${k}`) ?? 0).toBe(snap.value === 'dead' ? 1 : 0);
      }
      // A dead child is dropped from its live parent's table.
      if (target !== 0 && refs[parent[target]!]!.getSnapshot().status === 'active') {
        expect(target in refs[parent[target]!]!.getSnapshot().context.children).toBe(false);
      }
    }));
  });
});

describe('context examples', () => {
  it('death walks down with a chained reason; FORWARD to unknown ids is ignored', () => {
    const root = createActor(contextMachine, { input: { name: 'root', graceMs: 100 } }).start();
    root.send({ type: 'ADOPT', id: 1, name: 'child' });
    root.send({ type: 'FORWARD', id: 1, event: { type: 'ADOPT', id: 2, name: 'grandchild' } });
    root.send({ type: 'FORWARD', id: 99, event: { type: 'FAIL', reason: 'nobody' } });
    const child = root.getSnapshot().context.children[1]!;
    const grandchild = child.getSnapshot().context.children[2]!;
    expect(grandchild.getSnapshot().context.graceMs).toBe(100);
    root.send({ type: 'FAIL', reason: 'boom' });
    expect(root.getSnapshot().context.reason).toBe('boom');
    expect(child.getSnapshot().context.reason).toBe("parent context 'root' died: boom");
    expect(grandchild.getSnapshot().context.reason).toBe("parent context 'child' died: parent context 'root' died: boom");
  });

  it('a child that was draining when its parent died keeps its drain reason (the first reason wins)', () => {
    const root = createActor(contextMachine, { input: { name: 'root', graceMs: 100 } }).start();
    root.send({ type: 'ADOPT', id: 1, name: 'draining' });
    root.send({ type: 'ADOPT', id: 2, name: 'running' });
    for (const id of [1, 2]) for (const type of ['CONNECTED', 'BOOTSTRAPPED'] as const) root.send({ type: 'FORWARD', id, event: { type } });
    root.send({ type: 'FORWARD', id: 1, event: { type: 'DRAIN', reason: 'bye' } });
    const [draining, running] = [1, 2].map((id) => root.getSnapshot().context.children[id]!);
    expect(draining!.getSnapshot().value).toBe('draining');
    root.send({ type: 'FAIL', reason: 'boom' });
    expect(draining!.getSnapshot().value).toBe('dead');
    expect(draining!.getSnapshot().context.reason).toBe('bye');
    expect(running!.getSnapshot().context.reason).toBe("parent context 'root' died: boom");
  });

  it('PARENT_DEAD kills a context directly', () => {
    const actor = createActor(contextMachine, { input: { name: 'c', graceMs: 100 } }).start();
    actor.send({ type: 'CONNECTED' });
    actor.send({ type: 'PARENT_DEAD', reason: 'eof' });
    expect(actor.getSnapshot().value).toBe('dead');
    expect(actor.getSnapshot().context.reason).toBe('parent context died: eof');
  });
});
