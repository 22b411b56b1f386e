// An intermediate's module cache never answers a request with a check sent before the request
// arrived: a file changed while a check is on its way reaches the requests that came after the
// change (issue 16, part 3). In one process: the master's real ModuleResponder, an
// intermediate's ModuleCache, leaves asking as brokers do, over in-memory links whose
// master-to-intermediate direction the test holds and releases.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/core/wire/codec.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import { ModuleCache } from '../../src/core/modules/module-cache.js';
import { requestModule } from '../../src/core/modules/module-request.js';
import type { LoadModuleReply } from '../../src/core/modules/module-protocol.js';
import { ModuleResponder } from '../../src/master/module-responder.js';
import { linkChild, settle } from '../unit/harness/mem-link.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tendril-check-order-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet = (r: CoreRouter): CoreRouter => {
  r.log = () => undefined;
  return r;
};

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

describe('module cache checks', () => {
  it('a request arriving while a check is in flight waits for the next check: it sees a change made meanwhile', async () => {
    const file = join(dir, 'x.ts');
    writeFileSync(file, 'export const v: number = 1;\n');
    const master = quiet(new CoreRouter({ id: 0, name: 'master', parentIds: [] }));
    const responder = new ModuleResponder(master);
    const mid = quiet(new CoreRouter({ id: 1, name: 'mid', parentIds: [0] }));
    const up = linkChild(master, mid);
    new ModuleCache(mid).serveChildren();
    const leaves = [2, 3, 4].map((id) => {
      const leaf = quiet(new CoreRouter({ id, name: `leaf${id}`, parentIds: [0, 1] }));
      linkChild(mid, leaf);
      return leaf;
    });
    const ask = async (leaf: CoreRouter): Promise<LoadModuleReply> => {
      const [data, error] = await requestModule(leaf, leaf.contextFor(1), file, null);
      if (data === null) throw new Error(error ?? 'no reply');
      return decode(data) as LoadModuleReply;
    };
    const sourceOf = (r: LoadModuleReply): string => String(r.modules.find((m) => m[0] === file)?.[2] ?? '');
    try {
      expect(sourceOf(await ask(leaves[0]!))).toContain('= 1');

      // Hold what the master sends to the intermediate.
      const held: Uint8Array[] = [];
      const send = up.down.send.bind(up.down);
      up.down.send = (frame) => void held.push(frame);
      const before = responder.stats.requests;
      const early = ask(leaves[1]!);
      await waitUntil(() => held.length === 1 && responder.stats.requests === before + 1);
      // The master answered that check (version 1); the answer is on its way. Now the change:
      writeFileSync(file, 'export const v: number = 22;\n');
      const late = ask(leaves[2]!);
      await settle();
      // The late request did not take the answer in flight: no second check is sent until it lands.
      expect(responder.stats.requests).toBe(before + 1);
      up.down.send = send;
      for (const frame of held.splice(0)) send(frame);

      expect(sourceOf(await early)).toContain('= 1');
      expect(sourceOf(await late)).toContain('= 22');
      expect(responder.stats.requests).toBe(before + 2);
      expect(responder.stats.upToDate).toBe(1);
    } finally {
      up.cut('test over');
    }
  });
});
