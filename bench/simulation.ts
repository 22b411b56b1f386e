// Simulation of scale (issue 15): a 10,000-context tree (100 bastions x 100) of in-memory
// CoreRouters with the real route control and id allocator, in the model of
// test/core/tree-routing.property.test.ts (links are queues pumped in order). Prints: route
// table sizes per level, messages to build the tree, messages to propagate one bastion's death
// (against its subtree and the whole tree; with and without contexts elsewhere waiting on the
// dead ones, and the figure before deaths were batched and sent only to waiters), messages for
// the waiters to ask for those deaths, id allocation round trips, and the master's memory
// per context, beside the real 300-context figure of bench/scale.ts when it ran.
// Run alone with `node --import tsx bench/simulation.ts [bastions] [perBastion]`.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Link } from '../src/core/links/stream.js';
import { announceChild, installRouteControl } from '../src/core/routing/route-control.js';
import { IdAllocator } from '../src/core/routing/id-allocator.js';
import { CoreRouter } from '../src/core/routing/router.js';
import { ALLOCATE_ID, frameHandle } from '../src/core/wire/protocol.js';
import type { ScaleRun } from './scale.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type Queue = [CoreRouter, Uint8Array, MemLink][];

class MemLink implements Link {
  alive = true;
  peer!: MemLink;
  constructor(
    readonly label: string,
    readonly remoteId: number,
    readonly owner: CoreRouter,
    private readonly queue: Queue,
  ) {}
  send(frame: Uint8Array): void {
    if (this.alive) this.queue.push([this.peer.owner, frame, this.peer]);
  }
}

export interface SimFigures {
  contexts: number;
  bastions: number;
  perBastion: number;
  /** Routes held by the master, by a bastion, by a leaf. */
  routes: { master: number; bastion: number; leaf: number };
  buildMessages: number;
  /** Messages sent after one bastion's link died (siblings may talk: the default). */
  deathMessages: number;
  /** The same with `unidirectional: true` (siblings may not talk). */
  deathMessagesUnidirectional: number;
  /** Messages after one leaf's link died: the default, and unidirectional. */
  leafDeathMessages: number;
  leafDeathMessagesUnidirectional: number;
  /** The same two deaths when every leaf waits on a leaf of the next bastion (a Context, a pending call). */
  deathMessagesWaited: number;
  leafDeathMessagesWaited: number;
  /** Messages for those waiters to ask for the deaths (ADD_ROUTE [[ids]]), once. */
  askMessages: number;
  subtree: number;
  allocationRoundTrips: number;
  /** Master heap per context (routes, deaths, context handles), bytes. */
  masterBytesPerContext: number;
  ms: number;
}

function router(id: number, parentIds: number[], place: 'master' | 'child', unidirectional = false): CoreRouter {
  const r = new CoreRouter({ id, name: id === 0 ? 'master' : `n${id}`, parentIds, unidirectional });
  r.log = () => undefined;
  installRouteControl(r, {}, place);
  return r;
}

/** Counts what the pump delivers, by handle. */
class Pump {
  readonly queue: Queue = [];
  delivered = 0;
  byHandle = new Map<number, number>();
  run(): void {
    for (let i = 0; i < this.queue.length; i++) {
      const [r, f, via] = this.queue[i]!;
      this.delivered++;
      const h = frameHandle(f);
      this.byHandle.set(h, (this.byHandle.get(h) ?? 0) + 1);
      r.route(f, via);
    }
    this.queue.length = 0;
  }
  /** Pumps until nothing is queued and awaited replies (id blocks) have come. */
  async settle(): Promise<void> {
    for (let idle = 0; idle < 3; ) {
      if (this.queue.length) {
        this.run();
        idle = 0;
      } else idle++;
      await new Promise((r) => setImmediate(r));
    }
  }
}

function link(parent: CoreRouter, child: CoreRouter, queue: Queue): [MemLink, MemLink] {
  const down = new MemLink(`${parent.name}->${child.name}`, child.myId, parent, queue);
  const up = new MemLink(`${child.name}->${parent.name}`, parent.myId, child, queue);
  down.peer = up;
  up.peer = down;
  child.parent = up;
  parent.addRoute(child.myId, down);
  return [down, up];
}

function routeCount(r: CoreRouter, maxId: number): number {
  let n = 0;
  for (let id = 0; id <= maxId; id++) if (r.linkTo(id) !== null) n++;
  return n;
}

export async function simulate(bastions = 100, perBastion = 100): Promise<SimFigures> {
  const t0 = performance.now();
  // Measured first, before the builds leave garbage behind for the collector.
  const masterBytesPerContext = masterMemory(bastions, perBastion);
  const tree = await buildAndCut(bastions, perBastion, false, false);
  const one = await buildAndCut(bastions, perBastion, true, false);
  const waited = await buildAndCut(bastions, perBastion, false, true);
  return {
    ...tree,
    deathMessagesUnidirectional: one.deathMessages,
    leafDeathMessagesUnidirectional: one.leafDeathMessages,
    deathMessagesWaited: waited.deathMessages,
    leafDeathMessagesWaited: waited.leafDeathMessages,
    askMessages: waited.askMessages,
    masterBytesPerContext,
    ms: performance.now() - t0,
  };
}

type Cut = Omit<SimFigures, 'deathMessagesUnidirectional' | 'leafDeathMessagesUnidirectional' | 'deathMessagesWaited' | 'leafDeathMessagesWaited' | 'masterBytesPerContext' | 'ms'>;

async function buildAndCut(bastions: number, perBastion: number, uni: boolean, waiters: boolean): Promise<Cut> {
  const pump = new Pump();
  const master = router(0, [], 'master', uni);
  // The master's id service, as src/master/router.ts answers ALLOCATE_ID.
  let nextId = 1 + bastions;
  master.addHandler(
    (msg) => {
      const count = Number(msg.decode());
      msg.reply([nextId, count]);
      nextId += count;
    },
    { handle: ALLOCATE_ID },
  );
  const tops: CoreRouter[] = [];
  const links = new Map<number, [MemLink, MemLink]>();
  const leaves: CoreRouter[] = [];
  const leavesOf: CoreRouter[][] = [];
  for (let b = 1; b <= bastions; b++) {
    const r = router(b, [0], 'child', uni);
    master.contextFor(b, r.name); // as the master's child set does
    links.set(b, link(master, r, pump.queue));
    tops.push(r);
  }
  pump.run();
  pump.byHandle.clear();
  pump.delivered = 0;
  // Each bastion starts its children with ids from its own blocks (one round trip per block).
  await Promise.all(
    tops.map(async (bastion, b) => {
      const ids = new IdAllocator(bastion);
      leavesOf[b] = [];
      for (let j = 0; j < perBastion; j++) {
        const id = await ids.allocate();
        const leaf = router(id, [0, bastion.myId], 'child', uni);
        bastion.contextFor(id, leaf.name); // as a parent's child set does, before the route
        links.set(id, link(bastion, leaf, pump.queue));
        leaves.push(leaf);
        leavesOf[b]!.push(leaf);
        announceChild(bastion, id, `n${id}`);
      }
    }).concat([pump.settle()]),
  );
  await pump.settle();
  const allocationRoundTrips = pump.byHandle.get(ALLOCATE_ID) ?? 0;
  const buildMessages = pump.delivered;
  const maxId = nextId;
  const routes = { master: routeCount(master, maxId), bastion: routeCount(tops[1]!, maxId), leaf: routeCount(leaves[0]!, maxId) };

  // Waiters: leaf j of bastion b waits on leaf j of bastion b + 1 (the last on the first's),
  // as a Context object for it would (a pending call, a receiver, whenDead()).
  pump.delivered = 0;
  if (waiters) {
    for (let b = 0; b < bastions; b++) {
      for (let j = 0; j < perBastion; j++) leavesOf[b]![j]!.contextFor(leavesOf[(b + 1) % bastions]![j]!.myId);
    }
  }
  await pump.settle();
  const askMessages = pump.delivered;

  // One bastion's stream dies: both ends see it; the orphaned subtree shuts down (its
  // processes exit, each sees its parent link end: no one left to tell there).
  pump.delivered = 0;
  const victim = tops[0]!;
  const [down, up] = links.get(victim.myId)!;
  down.alive = false;
  up.alive = false;
  master.linkDied(down, 'cut');
  victim.linkDied(up, 'cut');
  pump.run();
  const deathMessages = pump.delivered;
  const subtree = 1 + perBastion;

  // One leaf of another bastion dies: its parent sees its stream end.
  pump.delivered = 0;
  const leaf = leavesOf[bastions - 1]![perBastion - 1]!;
  const [leafDown, leafUp] = links.get(leaf.myId)!;
  leafDown.alive = false;
  leafUp.alive = false;
  tops.find((t) => t.myId === leaf.parentId)!.linkDied(leafDown, 'cut');
  pump.run();
  const leafDeathMessages = pump.delivered;

  return {
    contexts: bastions * (perBastion + 1),
    bastions,
    perBastion,
    routes,
    buildMessages,
    deathMessages,
    leafDeathMessages,
    subtree,
    allocationRoundTrips,
    askMessages,
  };
}

/**
 * The master's own state per context, measured alone: one master, one bastion router whose
 * link drops what the master sends, and every context announced through it (ADD_ROUTE).
 */
function masterMemory(bastions: number, perBastion: number): number {
  const n = bastions * (perBastion + 1);
  const sink: Queue = [];
  const master = router(0, [], 'master');
  const bastion = router(1, [0], 'child');
  const [, up] = link(master, bastion, sink);
  // The bastion's frames go straight to the master; the master's replies are dropped.
  up.send = (frame) => master.route(frame, up.peer);
  const leafLink = { alive: true, label: 'leaf', remoteId: 0, send: () => undefined } as Link;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let id = 2; id < n + 2; id++) {
    bastion.addRoute(id, leafLink, 1);
    announceChild(bastion, id, `n${id}`);
    master.contextFor(id);
  }
  sink.length = 0;
  gc();
  gc();
  return (process.memoryUsage().heapUsed - before) / n;
}

export function printSimulation(f: SimFigures, real?: ScaleRun): void {
  const rows: [string, string, string][] = [
    ['contexts', `${f.contexts} (${f.bastions} bastions x ${f.perBastion})`, real ? `${real.contexts} (3 x 100, real processes)` : '-'],
    ['routes held: master / bastion / leaf', `${f.routes.master} / ${f.routes.bastion} / ${f.routes.leaf}`, '-'],
    ['messages to build the tree', `${f.buildMessages} (${(f.buildMessages / f.contexts).toFixed(2)} per context)`, '-'],
    [
      "messages to propagate one bastion's death",
      `${f.deathMessages} = ${(f.deathMessages / f.subtree).toFixed(1)}x its subtree (${f.subtree}), ${(f.deathMessages / f.contexts).toFixed(2)}x the tree`,
      '-',
    ],
    [
      '  same, unidirectional: true',
      `${f.deathMessagesUnidirectional} = ${(f.deathMessagesUnidirectional / f.subtree).toFixed(1)}x its subtree, ${(f.deathMessagesUnidirectional / f.contexts).toFixed(2)}x the tree`,
      '-',
    ],
    ['  same, every dead context awaited from another bastion', `${f.deathMessagesWaited} = ${(f.deathMessagesWaited / f.subtree).toFixed(1)}x its subtree (${f.perBastion} waiters: master -> their bastion -> each)`, '-'],
    ['  before (9fd39f1: one DEL_ROUTE broadcast per dead context)', '1009899 = 9999x its subtree', '-'],
    ["messages to propagate one leaf's death", `${f.leafDeathMessages} (its depth: 1 hop up to the master; nobody else waits on it)`, '-'],
    ['  same, unidirectional: true', `${f.leafDeathMessagesUnidirectional} (its depth)`, '-'],
    ['  same, awaited by a leaf of another bastion', `${f.leafDeathMessagesWaited} (up 1, down 2 to the waiter)`, '-'],
    ['  before (9fd39f1)', '9998 (0.99x the tree)', '-'],
    ['messages for every leaf to ask for the deaths it may wait on', `${f.askMessages} (once per (link, context); ${(f.askMessages / (f.bastions * f.perBastion)).toFixed(2)} per waiter)`, '-'],
    ['id allocation round trips', `${f.allocationRoundTrips} (${(f.allocationRoundTrips / f.bastions).toFixed(1)} per bastion of ${f.perBastion} children)`, '-'],
    ['master memory per context', `${(f.masterBytesPerContext / 1024).toFixed(2)} KiB heap (routing state only)`, real ? `${real.rssKiBPerContext.toFixed(0)} KiB RSS, ${real.heapKiBPerContext.toFixed(0)} KiB heap` : 'run bench/scale.ts'],
    ['master CPU per context', '-', real ? `${real.cpuMsPerContext.toFixed(2)} ms` : '-'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length), 'in-memory model'.length);
  console.log(`\nsimulation of scale (in-memory routers, ${(f.ms / 1000).toFixed(1)} s; target: a death costs O(its subtree) messages; here O(depth + the paths to its waiters), one message per link)`);
  console.log(`  ${'figure'.padEnd(w0)} | ${'in-memory model'.padEnd(w1)} | real run (bench/scale.ts)`);
  console.log(`  ${'-'.repeat(w0)}-|-${'-'.repeat(w1)}-|-${'-'.repeat(26)}`);
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c}`);
}

export async function benchSimulation(real?: ScaleRun): Promise<void> {
  printSimulation(await simulate(), real);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [b, p] = process.argv.slice(2).map(Number);
  printSimulation(await simulate(b || 100, p || 100));
  process.exit(0);
}
