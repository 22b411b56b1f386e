// The module system between routers in one process: the master's real ModuleResponder, an
// intermediate's ModuleCache serving its children, leaves asking with requestModule (what a
// broker does for its dispatcher). No child process: in-memory links (harness/mem-link.ts).
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { decode } from '../../src/core/wire/codec.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import { ModuleCache } from '../../src/core/modules/module-cache.js';
import { requestModule } from '../../src/core/modules/module-request.js';
import type { LoadModuleReply } from '../../src/core/modules/module-protocol.js';
import { ModuleResponder } from '../../src/master/module-responder.js';
import { linkChild, type MemPair } from './harness/mem-link.js';

const shapes = fileURLToPath(new URL('./fixtures/shapes.ts', import.meta.url));
const geometry = fileURLToPath(new URL('./fixtures/geometry.ts', import.meta.url));

const quiet = (r: CoreRouter): CoreRouter => {
  r.log = () => undefined;
  return r;
};

/** master (0) -> intermediate (1, with a module cache) -> leaves 2, 3, 4. */
function tree() {
  const master = quiet(new CoreRouter({ id: 0, name: 'master', parentIds: [] }));
  const responder = new ModuleResponder(master);
  const mid = quiet(new CoreRouter({ id: 1, name: 'mid', parentIds: [0] }));
  const up: MemPair = linkChild(master, mid);
  const cache = new ModuleCache(mid);
  cache.serveChildren();
  const down = new Map<number, MemPair>();
  const leaves = [2, 3, 4].map((id) => {
    const leaf = quiet(new CoreRouter({ id, name: `leaf${id}`, parentIds: [0, 1] }));
    down.set(id, linkChild(mid, leaf));
    return leaf;
  });
  /** A leaf asks its parent (the intermediate) for a module, as a broker does. */
  const ask = async (leaf: CoreRouter, specifier: string): Promise<LoadModuleReply> => {
    const [data, error] = await requestModule(leaf, leaf.contextFor(1), specifier, null);
    if (data === null) return { root: null, error, modules: [] };
    return decode(data) as LoadModuleReply;
  };
  return { master, responder, mid, up, down, cache, leaves, ask };
}

const ids = (r: LoadModuleReply): string[] => r.modules.map((m) => m[0]).sort();

let t: ReturnType<typeof tree>;
afterEach(() => t.up.cut('test over'));

describe('module cache of an intermediate (in-memory tree)', () => {
  it('two children asking at once for one module: the master sends the code once (the second request is a freshness check); each gets the whole graph', async () => {
    t = tree();
    const [a, b] = await Promise.all([t.ask(t.leaves[0]!, shapes), t.ask(t.leaves[1]!, shapes)]);
    for (const reply of [a, b]) {
      expect(reply.error).toBeNull();
      expect(reply.root).toBe(shapes);
      expect(ids(reply)).toEqual([geometry, shapes].sort());
      expect(reply.modules.find((m) => m[0] === shapes)![1]).toBe('esm');
    }
    // A request arriving while a check is in flight waits for a check of its own (an edit made
    // meanwhile must reach it): two requests, the second answered 'up to date' without code.
    expect(t.responder.stats.requests).toBe(2);
    expect(t.responder.stats.upToDate).toBe(1);
    expect(t.responder.stats.modulesSent).toBe(2);
    expect(t.cache.upstreamRequests).toBe(2);
  });

  it('a child is never sent a module twice, and the master sends each module to the intermediate once', async () => {
    t = tree();
    const [leaf2, leaf3] = t.leaves;
    expect(ids(await t.ask(leaf2!, shapes))).toEqual([geometry, shapes].sort());
    const again = await t.ask(leaf2!, shapes);
    expect(again.error).toBeNull();
    expect(again.root).toBe(shapes);
    expect(again.modules).toEqual([]);
    expect(again.graph?.slice().sort()).toEqual([geometry, shapes].sort());
    // The dependency asked for on its own: leaf 2 has it, leaf 3 does not yet.
    expect((await t.ask(leaf2!, geometry)).modules).toEqual([]);
    expect(ids(await t.ask(leaf3!, geometry))).toEqual([geometry]);
    expect(ids(await t.ask(leaf3!, shapes))).toEqual([shapes]);
    expect(t.responder.stats.modulesSent).toBe(2);
  });

  it('a module that cannot be served fails for every child, each asking the master (a miss is not cached: the file may appear)', async () => {
    t = tree();
    const missing = fileURLToPath(new URL('./fixtures/no-such-module.ts', import.meta.url));
    const first = await t.ask(t.leaves[0]!, missing);
    const second = await t.ask(t.leaves[1]!, missing);
    for (const reply of [first, second]) {
      expect(reply.root).toBeNull();
      expect(reply.modules).toEqual([]);
      expect(reply.error).toContain('no-such-module');
    }
    expect(second.error).toBe(first.error);
    expect(t.responder.stats.requests).toBe(2);
    expect(t.responder.stats.modulesSent).toBe(0);
    expect(t.cache.upstreamRequests).toBe(2);
  });

  it('a child that dies while its request is in flight does not disturb the others', async () => {
    t = tree();
    const [leaf2, leaf3] = t.leaves;
    void t.ask(leaf2!, shapes); // never answered: leaf 2's process is gone with its link
    const kept = t.ask(leaf3!, shapes);
    // Leaf 2's request is on its way up; its link dies before the reply comes back down.
    await new Promise((r) => setImmediate(r));
    expect(t.down.get(2)!.up.sent).toBe(1);
    t.down.get(2)!.cut('leaf 2 died');
    expect(t.mid.isDead(2)).toBe(true);
    const reply = await kept;
    expect(reply.error).toBeNull();
    expect(ids(reply)).toEqual([geometry, shapes].sort());
    // Leaf 3's request waited for a check of its own; the code still left the master once.
    expect(t.responder.stats.requests).toBe(2);
    expect(t.responder.stats.modulesSent).toBe(2);
  });
});
