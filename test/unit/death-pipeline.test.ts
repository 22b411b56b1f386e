// One owner of deaths per router, over in-memory routers with the real route control: a
// subtree dies at once with one reason by one rule, DEL_ROUTE goes to every neighbour that
// may not know but never back where it came from, and a handler awaiting one context takes
// replies from it only.
import { describe, expect, it } from 'vitest';
import { Deaths } from '../../src/core/routing/deaths.js';
import { announceChild, installRouteControl } from '../../src/core/routing/route-control.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import { Message } from '../../src/core/messaging/message.js';
import type { Link } from '../../src/core/links/stream.js';
import { DEL_ROUTE, HEADER_SIZE, deadFrame, encodeFrame, frameHandle } from '../../src/core/wire/protocol.js';
import { decode, encode } from '../../src/core/wire/codec.js';

type Delivery = [CoreRouter, Uint8Array, MemLink];

class MemLink implements Link {
  alive = true;
  peer!: MemLink;
  /** DEL_ROUTE frames sent on this link: [dead id, reason]. */
  readonly delRoutes: [number, string][] = [];
  constructor(
    readonly label: string,
    readonly remoteId: number,
    private readonly owner: CoreRouter,
    private readonly queue: Delivery[],
  ) {}
  send(frame: Uint8Array): void {
    if (!this.alive) return;
    if (frameHandle(frame) === DEL_ROUTE) this.delRoutes.push(decode(frame.subarray(HEADER_SIZE)) as [number, string]);
    this.queue.push([this.peer.owner, frame, this.peer]);
  }
}

/** A tree of routers named n<i>: `parents[i - 1]` is node i's parent. */
function tree(parents: number[]) {
  const queue: Delivery[] = [];
  const pump = (): void => {
    while (queue.length > 0) {
      const [r, f, via] = queue.shift()!;
      r.route(f, via);
    }
  };
  const make = (id: number, parentIds: number[]): CoreRouter => {
    const r = new CoreRouter({ id, name: `n${id}`, parentIds });
    r.log = () => undefined;
    installRouteControl(r);
    return r;
  };
  const routers = [make(0, [])];
  const down = new Map<number, MemLink>();
  const up = new Map<number, MemLink>();
  parents.forEach((p, k) => {
    const i = k + 1;
    const parent = routers[p]!;
    const r = make(i, [...parent.parentIds, p]);
    const d = new MemLink(`n${p}->n${i}`, i, parent, queue);
    const u = new MemLink(`n${i}->n${p}`, p, r, queue);
    d.peer = u;
    u.peer = d;
    r.parent = u;
    parent.addRoute(i, d);
    parent.contextFor(i, `n${i}`);
    routers.push(r);
    down.set(i, d);
    up.set(i, u);
    announceChild(parent, i, `n${i}`);
    pump();
  });
  /** Cuts the link between node i and its parent, as both ends see it. */
  const cut = (i: number, reason: string): void => {
    const [d, u] = [down.get(i)!, up.get(i)!];
    d.alive = false;
    u.alive = false;
    routers[parents[i - 1]!]!.linkDied(d, reason);
    pump();
  };
  return { routers, down, up, pump, cut };
}

describe('the death pipeline', () => {
  it('a subtree dies at once: the cut node with the detected reason, each descendant naming its parent', async () => {
    // n0 - n1 - n2 - n3, and n0 - n4; n4 may wait on n2 and n3 (it asks for their deaths)
    const t = tree([0, 1, 2, 0]);
    t.routers[4]!.contextFor(2);
    t.routers[4]!.contextFor(3);
    await Promise.resolve();
    t.pump();
    t.cut(2, 'eof');
    for (const r of [t.routers[0]!, t.routers[1]!, t.routers[4]!]) {
      expect(r.deadReason(2), r.name).toBe('eof');
      expect(r.deadReason(3), r.name).toBe("parent context 'n2' died: eof");
      expect(r.isDead(1), r.name).toBe(false);
    }
  });

  it('DEL_ROUTE goes up and to the other children that asked for it, never back to the child that reported it', async () => {
    const t = tree([0, 1, 0]); // n0 - n1 - n2, n0 - n3
    t.routers[3]!.contextFor(2); // n3 may wait on n2: it asks the master for its death
    await Promise.resolve();
    t.pump();
    t.cut(2, 'eof');
    // n1 saw it and told the master; the master told n3, not n1 again.
    expect(t.up.get(1)!.delRoutes).toEqual([[2, 'eof']]);
    expect(t.down.get(1)!.delRoutes).toEqual([]);
    expect(t.down.get(3)!.delRoutes).toEqual([[2, 'eof']]);
    // n3 heard it from its parent and sends nothing back up.
    expect(t.up.get(3)!.delRoutes).toEqual([]);
    expect(t.routers[3]!.deadReason(2)).toBe('eof');
  });

  it('every handler awaiting a context of the dead subtree gets exactly one dead message', () => {
    const t = tree([0, 1, 2]);
    const master = t.routers[0]!;
    const got: Message[] = [];
    for (const id of [1, 2, 3]) master.addHandler((m) => got.push(m), { respondent: { id } });
    t.cut(2, 'eof');
    expect(got.map((m) => [m.srcId, m.isDead])).toEqual([
      [2, true],
      [3, true],
    ]);
    expect(got[1]!.deadReason).toBe("context 'n3' (#3) is dead: parent context 'n2' died: eof");
  });

  it('a handler awaiting one context drops messages from another, but takes dead notices from a router on the way', () => {
    const t = tree([0, 1, 0]); // n0 - n1 - n2, n0 - n3
    const master = t.routers[0]!;
    const warnings: string[] = [];
    master.log = (level, message) => void (level === 'warn' && warnings.push(message));
    const got: Message[] = [];
    const h = master.addHandler((m) => got.push(m), { respondent: { id: 2 } });
    // n3 answers in n2's place: dropped and logged.
    t.routers[3]!.sendValue(0, h, 'forged');
    t.pump();
    expect(got).toEqual([]);
    expect(warnings.some((w) => w.includes('awaits') && w.includes('#2'))).toBe(true);
    // n2 itself: delivered.
    t.routers[2]!.sendValue(0, h, 'real');
    t.pump();
    expect(got.map((m) => [m.srcId, m.decode()])).toEqual([[2, 'real']]);
    // A dead notice from n1, the router on the way to n2: delivered.
    t.routers[1]!.route(deadFrame(0, 1, h, 'no route'), null);
    t.pump();
    expect(got.map((m) => m.srcId)).toEqual([2, 1]);
    // A dead notice from n3, which is not on the way: dropped.
    const before = got.length;
    t.routers[3]!.route(deadFrame(0, 3, h, 'forged death'), null);
    t.pump();
    expect(got.length).toBe(before);
  });

  it('a DEL_ROUTE from a child about a context that is not behind it is ignored', () => {
    const t = tree([0, 0]); // n0 - n1, n0 - n2
    t.routers[1]!.route(encodeFrame(0, 1, 1, DEL_ROUTE, 0, encode([2, 'lies'])), null);
    t.pump();
    expect(t.routers[0]!.isDead(2)).toBe(false);
  });
});

describe('the reason rule (Deaths)', () => {
  const name = (id: number): string => `c${id}`;

  it('the first reason recorded wins: a draining context dies of its drain reason, and its children name it', () => {
    const d = new Deaths();
    d.setParent(2, 1);
    d.setParent(3, 2);
    d.draining(2, 'shutdown requested');
    expect(d.kill(1, 'killed by SIGKILL', name)).toEqual([
      [1, 'killed by SIGKILL'],
      [2, 'shutdown requested'],
      [3, "parent context 'c2' died: shutdown requested"],
    ]);
    // Dead is terminal: a second report changes nothing.
    expect(d.kill(2, 'eof', name)).toEqual([]);
    expect(d.reason(2)).toBe('shutdown requested');
  });

  it('a context that died before its parent keeps its own reason', () => {
    const d = new Deaths();
    d.setParent(2, 1);
    expect(d.kill(2, 'exited with code 7', name)).toEqual([[2, 'exited with code 7']]);
    expect(d.kill(1, 'eof', name)).toEqual([[1, 'eof']]);
    expect(d.children(1)).toEqual([]);
  });
});
