// Model-based test of the router over an in-memory star network (a master and its
// children), with random sends, unknown handles, unknown destinations and link deaths.
// Invariant: every message that asks for a reply is delivered to exactly one handler or
// answered with exactly one dead message, never both, never neither.
import fc from 'fast-check';
import { assertProperty } from '../support/fc.js';
import { describe, expect, it } from 'vitest';
import { CoreRouter } from '../../src/core/routing/router.js';
import type { Link } from '../../src/core/links/stream.js';
import { encodeFrame } from '../../src/core/wire/protocol.js';
import { encode } from '../../src/core/wire/codec.js';

interface Net {
  routers: CoreRouter[];
  links: Map<string, MemLink>;
  pump(): void;
}

class MemLink implements Link {
  alive = true;
  constructor(
    readonly label: string,
    readonly remoteId: number,
    private readonly deliver: (frame: Uint8Array, via: MemLink) => void,
    readonly peer: () => MemLink,
  ) {}
  send(frame: Uint8Array): void {
    if (this.alive) this.deliver(frame, this.peer());
  }
}

function star(children: number): Net {
  const queue: [CoreRouter, Uint8Array, MemLink][] = [];
  const master = new CoreRouter({ id: 0, name: 'master', parentIds: [] });
  const routers = [master];
  const links = new Map<string, MemLink>();
  for (let id = 1; id <= children; id++) {
    const child = new CoreRouter({ id, name: `c${id}`, parentIds: [0] });
    child.log = () => undefined;
    routers.push(child);
    // down: master -> child (arrives at child from its parent link); up: the reverse.
    const down: MemLink = new MemLink(`to-${id}`, id, (f, via) => queue.push([child, f, via]), () => up);
    const up: MemLink = new MemLink('to-master', 0, (f, via) => queue.push([master, f, via]), () => down);
    master.addRoute(id, down);
    child.parent = up;
    links.set(`down${id}`, down);
    links.set(`up${id}`, up);
  }
  master.log = () => undefined;
  return {
    routers,
    links,
    pump() {
      for (let n = 0; queue.length > 0; n++) {
        if (n > 100_000) throw new Error('routing loop');
        const [r, f, via] = queue.shift()!;
        r.route(f, via);
      }
    },
  };
}

const N = 4;
const op = fc.oneof(
  fc.record({
    kind: fc.constant('send' as const),
    from: fc.integer({ min: 0, max: N }),
    to: fc.integer({ min: 0, max: N + 2 }), // N+1, N+2 do not exist
    handle: fc.constantFrom(2000, 2001, 2002, 9999), // 9999 never registered
  }),
  fc.record({ kind: fc.constant('kill' as const), child: fc.integer({ min: 1, max: N }) }),
);

describe('router (model-based, in-memory network)', () => {
  it('delivers exactly once or answers exactly one dead message; no loops', () => {
    assertProperty(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const net = star(N);
        const killed = new Set<number>();
        const deliveries = new Map<number, number>(); // message id -> deliveries
        const deads = new Map<number, number>(); // message id -> dead replies
        for (const r of net.routers) {
          for (const h of [2000, 2001, 2002]) {
            r.addHandler((m) => {
              const id = (m.decode() as { id: number }).id;
              deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
            }, { handle: h });
          }
        }
        let msgId = 0;
        const sent: number[] = [];
        for (const o of ops) {
          if (o.kind === 'kill') {
            if (killed.has(o.child)) continue;
            killed.add(o.child);
            const down = net.links.get(`down${o.child}`)!;
            const up = net.links.get(`up${o.child}`)!;
            down.alive = false;
            up.alive = false;
            net.routers[0]!.linkDied(down, 'killed');
            net.routers[o.child]!.linkDied(up, 'killed');
            continue;
          }
          if (killed.has(o.from) && o.from !== 0) continue; // a dead process sends nothing
          const from = net.routers[o.from]!;
          const id = ++msgId;
          sent.push(id);
          const replyHandle = from.addHandler((m) => {
            expect(m.isDead).toBe(true);
            deads.set(id, (deads.get(id) ?? 0) + 1);
          }, { persist: false });
          from.route(encodeFrame(o.to, from.myId, from.myId, o.handle, replyHandle, encode({ id })), null);
          net.pump();
        }
        for (const id of sent) {
          const total = (deliveries.get(id) ?? 0) + (deads.get(id) ?? 0);
          expect(total).toBe(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('drops a frame whose source is not reachable through the link it came on', () => {
    const net = star(2);
    let got = 0;
    net.routers[0]!.addHandler(() => got++, { handle: 2000 });
    const forged = encodeFrame(0, 2, 2, 2000, 0, encode('x')); // claims to be child 2
    net.routers[0]!.route(forged, net.links.get('down1')!); // ...but arrives from child 1
    net.pump();
    expect(got).toBe(0);
    net.routers[0]!.route(encodeFrame(0, 1, 1, 2000, 0, encode('y')), net.links.get('down1')!);
    net.pump();
    expect(got).toBe(1);
  });
});
