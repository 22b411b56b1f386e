// How many LOAD_MODULE round trips loading costs: a whole static graph in one, nothing twice,
// misses cached in the child, and modules named only at call time fetched when needed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallError } from '../../src/index.js';
import { rejectionOf } from '../support/errors.js';
import { withRouter } from '../support/router.js';
import type * as Dynamic from '../fixtures/modules/dynamic.js';

const TREE_SIZE = 50;
const dynamicUrl = new URL('../fixtures/modules/dynamic.ts', import.meta.url);
const lazyUrl = new URL('../fixtures/modules/lazy.cjs', import.meta.url);
const lazyDir = new URL('../fixtures/modules/lazy/', import.meta.url).pathname;

interface Tree {
  /** Sum of every module's value: 0 + 1 + ... + (n - 1). */
  total(): number;
  /** How many modules the tree has, counted through the imports. */
  count(): number;
}

/**
 * Writes a tree of `n` TypeScript modules, m0.ts to m{n-1}.ts: module i imports modules 2i+1
 * and 2i+2 (through `.js` specifiers), so the tree is ~log2(n) deep.
 */
function writeTree(dir: string, n: number): string {
  for (let i = 0; i < n; i++) {
    const kids = [2 * i + 1, 2 * i + 2].filter((k) => k < n);
    const lines = kids.map((k) => `import * as m${k} from './m${k}.js';`);
    lines.push(`export const value: number = ${i};`);
    lines.push(`export function total(): number { return value${kids.map((k) => ` + m${k}.total()`).join('')}; }`);
    lines.push(`export function count(): number { return 1${kids.map((k) => ` + m${k}.count()`).join('')}; }`);
    writeFileSync(join(dir, `m${i}.ts`), `${lines.join('\n')}\n`);
  }
  return join(dir, 'm0.ts');
}

describe('LOAD_MODULE round trips', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });
  let dir: string;
  let treeRoot: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tendril-tree-'));
    treeRoot = writeTree(dir, TREE_SIZE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`loads a ${TREE_SIZE}-module tree in one round trip, and a second function of it in none`, async () => {
    const ctx = await fx.local();
    const tree = ctx.import<Tree>(pathToFileURL(treeRoot));
    expect(await tree.total()).toBe((TREE_SIZE * (TREE_SIZE - 1)) / 2);
    expect(fx.router.moduleStats.requests).toBe(1);
    expect(fx.router.moduleStats.modulesSent).toBe(TREE_SIZE);
    expect(await tree.count()).toBe(TREE_SIZE);
    expect(fx.router.moduleStats.requests).toBe(1);
    // Calling into a module deep in the tree, already there: nothing either.
    expect(await ctx.call(join(dir, `m${TREE_SIZE - 1}.ts`), 'count')).toBe(1);
    expect(fx.router.moduleStats.requests).toBe(1);
    expect(fx.router.moduleStats.modulesSent).toBe(TREE_SIZE);
  });

  it('sends a second child the same tree from the master cache, once', async () => {
    const [a, b] = await Promise.all([fx.local(), fx.local()]);
    expect(await a.call(treeRoot, 'count')).toBe(TREE_SIZE);
    expect(await b.call(treeRoot, 'count')).toBe(TREE_SIZE);
    expect(fx.router.moduleStats.requests).toBe(2);
    expect(fx.router.moduleStats.cacheHits).toBe(1);
    expect(fx.router.moduleStats.modulesSent).toBe(2 * TREE_SIZE);
  });

  it('asks the master once for a missing module imported twice (import())', async () => {
    const ctx = await fx.local();
    const dyn = ctx.import<typeof Dynamic>(dynamicUrl);
    const first = await dyn.tryImport('tendril-no-such-package');
    expect(first).toMatch(/^ModuleLoadError: .*'tendril-no-such-package'/);
    expect(fx.router.moduleStats.requests).toBe(2); // dynamic.ts, then the miss
    expect(fx.router.moduleStats.misses).toBe(1);
    expect(await dyn.tryImport('tendril-no-such-package')).toBe(first);
    expect(fx.router.moduleStats.requests).toBe(2);
    expect(fx.router.moduleStats.misses).toBe(1);
  });

  it('asks the master once for a missing module called twice', async () => {
    const ctx = await fx.local();
    const first = await rejectionOf(ctx.call('tendril-no-such-package', 'fn'));
    expect(first).toBeInstanceOf(CallError);
    expect(first.message).toMatch(/^ModuleLoadError: .*'tendril-no-such-package'/);
    const second = await rejectionOf(ctx.call('tendril-no-such-package', 'fn'));
    expect(second.message).toBe(first.message);
    expect(fx.router.moduleStats.requests).toBe(1);
    // The context is unharmed.
    expect(await ctx.call('node:path', 'join', 'a', 'b')).toBe('a/b');
  });

  it('fetches what a CommonJS require() names only at call time, with its own graph', async () => {
    const ctx = await fx.local();
    const lazy = ctx.import<{ load(name: string): { name: string; dep: string; filename: string } }>(lazyUrl);
    // A module that is not needed is not sent: lazy.cjs alone comes first.
    expect(await ctx.call(lazyUrl, 'load', 'node:os').catch((e: Error) => e.message)).toMatch(/describe is not a function/);
    expect(fx.router.moduleStats).toMatchObject({ requests: 1, modulesSent: 1 });
    const name = './lazy/late.cjs';
    expect(await lazy.load(name)).toEqual({ name: 'late', dep: 'late-dep', filename: `master:${lazyDir}late.cjs` });
    // One more round trip brought late.cjs and its static dependency late-dep.cjs.
    expect(fx.router.moduleStats).toMatchObject({ requests: 2, modulesSent: 3 });
    expect((await lazy.load(name)).name).toBe('late');
    expect(fx.router.moduleStats.requests).toBe(2);
  });

  it('runs import() in CommonJS through the master too (an ES module from CJS)', async () => {
    const ctx = await fx.local();
    const lazy = ctx.import<{ importLater(name: string): { name: string; dep: string; url: string } }>(lazyUrl);
    expect(await lazy.importLater('./lazy/late-esm.js')).toEqual({ name: 'late-esm', dep: 'late-esm-dep', url: `master:${lazyDir}late-esm.ts` });
    expect(fx.router.moduleStats).toMatchObject({ requests: 2, modulesSent: 3 });
  });

  it('fetches what an ES module import() names only at call time, with its own graph', async () => {
    const ctx = await fx.local();
    const dyn = ctx.import<typeof Dynamic>(dynamicUrl);
    expect(await dyn.tryImport('node:os')).toBe('loaded');
    expect(fx.router.moduleStats).toMatchObject({ requests: 1, modulesSent: 1 });
    const specifier = ['.', 'lazy', 'late-esm.js'].join('/');
    expect(await dyn.loadLater(specifier)).toEqual({ name: 'late-esm', dep: 'late-esm-dep', url: `master:${lazyDir}late-esm.ts` });
    expect(fx.router.moduleStats).toMatchObject({ requests: 2, modulesSent: 3 });
    expect(await dyn.loadLater(specifier)).toMatchObject({ name: 'late-esm' });
    expect(fx.router.moduleStats.requests).toBe(2);
  });
});
