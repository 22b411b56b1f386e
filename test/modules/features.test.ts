// Served modules behave as they would on the master: JSON, CommonJS and ESM-only packages
// from node_modules, `export *`, cycles, live bindings, top-level await, import.meta.url; and
// a file changed on the master reaches the next new child.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../src/index.js';
import { withRouter } from '../support/router.js';
import type * as Features from '../fixtures/modules/features/index.js';

const featuresUrl = new URL('../fixtures/modules/features/index.ts', import.meta.url);
const featuresDir = new URL('../fixtures/modules/features/', import.meta.url).pathname;
const packagesDir = new URL('../fixtures/modules/node_modules/', import.meta.url).pathname;

describe('module features in a child', () => {
  const fx = withRouter({ shutdownTimeout: 2000 }, { scope: 'file' });
  let features: ReturnType<typeof importFeatures>;
  const importFeatures = (ctx: Context) => ctx.import<typeof Features>(featuresUrl);

  beforeAll(async () => {
    features = importFeatures(await fx.shared());
  });

  it('imports JSON', async () => {
    expect(await features.json()).toEqual({ name: 'features', answer: 42, list: [1, 2, 3] });
  });

  it('runs a CommonJS package from node_modules (extensionless and JSON require, __filename)', async () => {
    expect(await features.commonjs()).toEqual({
      greeting: 'hello child from fake-cjs@2.3.4',
      viaDefault: 'hello default from fake-cjs@2.3.4',
      whoami: {
        filename: `master:${packagesDir}fake-cjs/lib/index.js`,
        dirname: `master:${packagesDir}fake-cjs/lib`,
        moduleId: `${packagesDir}fake-cjs/lib/index.js`,
        strict: true,
      },
    });
  });

  it('runs an ESM-only package from node_modules, in strict mode', async () => {
    expect(await features.esmOnly()).toEqual({
      shouted: 'HEY!',
      version: 'esm-1',
      strict: true,
      url: `master:${packagesDir}fake-esm/parts.js`,
    });
  });

  it('re-exports with export *', async () => {
    expect(await features.starExports()).toEqual({
      keys: ['aDefault', 'alpha', 'beta', 'fromA', 'fromB'],
      values: ['a', 'b', 'from a', 'from b', 'default of a'],
    });
  });

  it('links a two-module cycle', async () => {
    expect(await features.cycle(10)).toEqual({ even: true, partner: 'cycle-a' });
    expect(await features.cycle(7)).toEqual({ even: false, partner: 'cycle-a' });
  });

  it('keeps live bindings (export let)', async () => {
    expect(await features.liveBinding()).toEqual([0, 1, 2]);
  });

  it('waits for top-level await before running importers', async () => {
    const t = await features.topLevelAwait();
    expect(t.ready).toBe('tla-done');
    expect(t.readyAtLoad).toBe('tla-done');
    expect(t.waitedMs).toBeGreaterThanOrEqual(25);
  });

  it('gives import.meta.url as master:<path on the master>', async () => {
    expect(await features.meta()).toEqual({
      url: `master:${featuresDir}index.ts`,
      dataUrl: `master:${featuresDir}data.json`,
    });
  });

  it('gives createRequire(import.meta.url) a require() that loads from the master', async () => {
    expect(await features.viaCreateRequire()).toEqual({
      pkgName: 'fake-cjs',
      greeting: 'hello createRequire from fake-cjs@2.3.4',
      late: 'late',
      builtins: true,
      resolved: new URL('../fixtures/modules/lazy/late-dep.cjs', import.meta.url).pathname,
    });
  });

  it('runs ES modules in strict mode (module-level this is undefined)', async () => {
    const ctx = await fx.shared();
    expect(await ctx.call(featuresUrl, 'moduleThisType')).toBe('undefined');
  });
});

describe('a module changed on the master', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tendril-changed-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is served fresh to a new child', async () => {
    const file = join(dir, 'changing.ts');
    writeFileSync(file, 'export const version: number = 1;\nexport function get(): number {\n  return version;\n}\n');
    const first = await fx.local({ name: 'before' });
    expect(await first.call(file, 'get')).toBe(1);
    const again = await fx.local({ name: 'unchanged' });
    expect(await again.call(file, 'get')).toBe(1);
    expect(fx.router.moduleStats.cacheHits).toBe(1);

    // Same size as before, and a new import: both the graph and the file must be rebuilt.
    writeFileSync(join(dir, 'extra.ts'), 'export const extra: number = 40;\n');
    writeFileSync(file, "import { extra } from './extra.js';\nexport const version = 2 + extra;\nexport function get(): number { return version; }\n");
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);

    const fresh = await fx.local({ name: 'after' });
    expect(await fresh.call(file, 'get')).toBe(42);
    expect(fx.router.moduleStats.cacheHits).toBe(1);
  });
});
