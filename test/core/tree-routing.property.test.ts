// Model-based test of routing over random trees of in-memory routers, with the real route
// control (ADD_ROUTE / DEL_ROUTE) keeping tables right: random trees, random sends (also to
// unknown contexts and handles), random link deaths. Invariants: every message that asks for
// a reply is delivered exactly once or answered with exactly one dead message; no loop; after
// a link death no routing table points through a dead link.
import fc from 'fast-check';
import { assertProperty } from '../support/fc.js';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/core/wire/codec.js';
import { encodeFrame } from '../../src/core/wire/protocol.js';
import { announceChild, installRouteControl } from '../../src/core/routing/route-control.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import type { Link } from '../../src/core/links/stream.js';

class MemLink implements Link {
  alive = true;
  peer!: MemLink;
  constructor(
    readonly label: string,
    readonly remoteId: number,
    private readonly owner: CoreRouter,
    private readonly queue: [CoreRouter, Uint8Array, MemLink][],
  ) {}
  /** Delivers to the router at the other end, as arriving on its end of the link. */
  send(frame: Uint8Array): void {
    if (this.alive) this.queue.push([this.peer.owner, frame, this.peer]);
  }
}

interface Tree {
  routers: CoreRouter[];
  /** For node i > 0: [link in parent towards i, link in i towards parent]. */
  links: Map<number, [MemLink, MemLink]>;
  pump(): void;
}

/** parents[i] is the parent index of node i + 1 (always < i + 1): any rooted tree. */
function buildTree(parents: number[]): Tree {
  const queue: [CoreRouter, Uint8Array, MemLink][] = [];
  const master = new CoreRouter({ id: 0, name: 'n0', parentIds: [] });
  const routers = [master];
  const links = new Map<number, [MemLink, MemLink]>();
  const pump = (): void => {
    for (let n = 0; queue.length > 0; n++) {
      if (n > 200_000) throw new Error('routing loop');
      const [r, f, via] = queue.shift()!;
      r.route(f, via);
    }
  };
  master.log = () => undefined;
  installRouteControl(master);
  for (let i = 1; i <= parents.length; i++) {
    const p = routers[parents[i - 1]!]!;
    const r = new CoreRouter({ id: i, name: `n${i}`, parentIds: [...p.parentIds, p.myId] });
    r.log = () => undefined;
    installRouteControl(r);
    const down = new MemLink(`n${p.myId}->n${i}`, i, p, queue);
    const up = new MemLink(`n${i}->n${p.myId}`, p.myId, r, queue);
    down.peer = up;
    up.peer = down;
    r.parent = up;
    p.addRoute(i, down);
    routers.push(r);
    links.set(i, [down, up]);
    // The parent tells its ancestors about the new child, as a real parent does.
    announceChild(p, i, `n${i}`);
    pump();
  }
  return { routers, links, pump };
}

const treeArb = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => fc.integer({ min: 0, max: i }))),
);

describe('routing over random trees (model-based)', () => {
  it('delivers exactly once or answers dead; no loops; no route through a dead link', () => {
    assertProperty(
      fc.property(
        treeArb,
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('send' as const), from: fc.nat(), to: fc.nat(), handle: fc.constantFrom(2000, 2001, 9999) }),
            fc.record({ kind: fc.constant('kill' as const), node: fc.nat() }),
          ),
          { maxLength: 30 },
        ),
        (parents, ops) => {
          const tree = buildTree(parents);
          const n = tree.routers.length;
          // Every router knows a route to every node below it.
          for (let i = 1; i < n; i++) {
            for (let a = tree.routers[i]!.parentIds.length - 1; a >= 0; a--) {
              const anc = tree.routers[tree.routers[i]!.parentIds[a]!]!;
              expect(anc.linkTo(i)).not.toBeNull();
            }
          }
          const delivered = new Map<number, number>();
          const dead = new Map<number, number>();
          for (const r of tree.routers) {
            for (const h of [2000, 2001]) {
              r.addHandler((m) => {
                const id = (m.decode() as { id: number }).id;
                delivered.set(id, (delivered.get(id) ?? 0) + 1);
              }, { handle: h });
            }
          }
          const gone = new Set<number>();
          const cut = (i: number): void => {
            const [down, up] = tree.links.get(i)!;
            if (!down.alive) return;
            down.alive = false;
            up.alive = false;
            // Each side sees its end of the link die.
            const p = tree.routers.find((r) => r.linkTo(i) === down || r.myId === tree.routers[i]!.parentId)!;
            p.linkDied(down, 'cut');
            tree.routers[i]!.linkDied(up, 'cut');
            tree.pump();
            // The subtree below i is cut off from the rest (each node still runs).
            const stack = [i];
            while (stack.length) {
              const x = stack.pop()!;
              gone.add(x);
              for (let c = 1; c < n; c++) if (tree.routers[c]!.parentId === x) stack.push(c);
            }
          };
          let msgId = 0;
          const sent: number[] = [];
          for (const o of ops) {
            if (o.kind === 'kill') {
              if (n > 1) cut(1 + (o.node % (n - 1)));
              continue;
            }
            const from = tree.routers[o.from % n]!;
            const id = ++msgId;
            sent.push(id);
            const reply = from.addHandler((m) => {
              expect(m.isDead).toBe(true);
              dead.set(id, (dead.get(id) ?? 0) + 1);
            }, { persist: false });
            from.route(encodeFrame(o.to % (n + 2), from.myId, from.myId, o.handle, reply, encode({ id })), null);
            tree.pump();
          }
          for (const id of sent) expect((delivered.get(id) ?? 0) + (dead.get(id) ?? 0)).toBe(1);
          // Routes to the cut-off contexts are withdrawn everywhere above the cut.
          for (const r of tree.routers) {
            if (gone.has(r.myId)) continue;
            for (const i of gone) expect(r.linkTo(i)).toBeNull();
          }
          // No table points through a dead link.
          for (const r of tree.routers) {
            for (let i = 0; i < n + 2; i++) {
              const l = r.linkTo(i);
              if (l !== null) expect(l.alive).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
