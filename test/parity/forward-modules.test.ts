// ctx.forwardModules(): an intermediate holds a module tree ahead of use, and a fan-out below it
// costs the master one transfer of the code (issue 16, part 1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallError, type Context } from '../../src/index.js';
import { rejectionOf } from '../support/errors.js';
import { withRouter } from '../support/router.js';
import { writeTree } from './fixtures/module-tree.js';

const TREE = 30;
const LEAVES = 20;

describe('forwardModules', () => {
  const fx = withRouter({ shutdownTimeout: 3000 });
  let dir: string;
  let root: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tendril-forward-'));
    root = writeTree(dir, TREE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`${LEAVES} leaves behind one intermediate call into a ${TREE}-module tree: the master sends the tree once`, async () => {
    const hub = await fx.local({ name: 'hub' });
    const leaves: Context[] = [];
    // A few at a time: the machine running the tests is small.
    for (let i = 0; i < LEAVES; i += 5) {
      leaves.push(...(await Promise.all(Array.from({ length: 5 }, (_, k) => fx.router.local({ name: `leaf${i + k}`, via: hub })))));
    }
    const start = { ...fx.router.moduleStats };
    await hub.forwardModules([root]);
    const forwarded = { ...fx.router.moduleStats };
    // One LOAD_MODULE-sized transfer: one request, every module of the tree, once.
    expect(forwarded.requests - start.requests).toBe(1);
    expect(forwarded.modulesSent - start.modulesSent).toBe(TREE);
    const treeBytes = forwarded.bytesSent - start.bytesSent;

    const totals = await Promise.all(leaves.map((leaf) => leaf.call(root, 'total')));
    expect(totals).toEqual(leaves.map(() => (TREE * (TREE - 1)) / 2));
    const after = { ...fx.router.moduleStats };
    // Nothing of the tree crossed the master's link again: the hub served every leaf.
    expect(after.modulesSent).toBe(forwarded.modulesSent);
    // What reached the master from the hub were checks (is my copy current?), answered
    // without code; the leaves' LOAD_MODULE requests went to the hub only.
    const checks = after.requests - forwarded.requests;
    expect(after.upToDate - forwarded.upToDate).toBe(checks);
    expect(checks).toBeLessThan(LEAVES);
    expect(after.bytesSent - forwarded.bytesSent).toBeLessThan(treeBytes);
    console.log(`forwardModules: tree ${TREE} modules ${treeBytes} B once; ${LEAVES} leaves' first calls: ${checks} checks reached the master, ${after.bytesSent - forwarded.bytesSent} B, 0 modules`);
  }, 180_000);

  it('a module that cannot be served rejects with a CallError naming it; the context is unharmed', async () => {
    const hub = await fx.local({ name: 'hub' });
    const missing = join(dir, 'not-there.ts');
    const err = await rejectionOf(hub.forwardModules([root, missing]));
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toContain('not-there.ts');
    expect(await hub.call(root, 'count')).toBe(TREE);
  });

  it('forwarding to a context two levels down fills the intermediate on the way', async () => {
    const a = await fx.local({ name: 'a' });
    const b = await fx.router.local({ name: 'b', via: a });
    const c = await fx.router.local({ name: 'c', via: a });
    const start = { ...fx.router.moduleStats };
    await b.forwardModules([root]);
    expect(fx.router.moduleStats.modulesSent - start.modulesSent).toBe(TREE);
    // c, b's sibling, is served by a from what passed through it.
    expect(await c.call(root, 'count')).toBe(TREE);
    expect(fx.router.moduleStats.modulesSent - start.modulesSent).toBe(TREE);
    expect(await b.call(root, 'total')).toBe((TREE * (TREE - 1)) / 2);
  }, 60_000);
});
