// Modules that cannot be served fail the call with a CallError that says why (native addon,
// too big, syntax error, missing module), quickly, and leave the context working.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallError, type Context } from '../../src/index.js';
import { rejectionOf } from '../support/errors.js';
import { withRouter } from '../support/router.js';

const nativeUserUrl = new URL('../fixtures/modules/native-user.ts', import.meta.url);
const nativeAddon = new URL('../fixtures/modules/node_modules/fake-native/build/Release/addon.node', import.meta.url).pathname;

/** The context still runs calls, builtin and served. */
async function stillWorks(ctx: Context, served?: string): Promise<void> {
  expect(ctx.state).toBe('running');
  expect(await ctx.call('node:path', 'basename', '/a/b.txt')).toBe('b.txt');
  if (served) expect(await ctx.call(served, 'ok')).toBe('ok');
}

let dir: string;
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tendril-module-errors-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('modules that cannot be served', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('refuses a package with a native addon, naming the package, within 1 s', async () => {
    const ctx = await fx.local();
    await stillWorks(ctx); // the child is up: only the refusal is timed
    const t0 = performance.now();
    const err = await rejectionOf(ctx.call(nativeUserUrl, 'useNative'));
    const ms = performance.now() - t0;
    expect(err).toBeInstanceOf(CallError);
    expect(err.remoteType).toBe('ModuleLoadError');
    expect(err.message).toContain("package 'fake-native' needs a native addon");
    expect(err.message).toContain(nativeAddon);
    // 40-130 ms measured, ~70 ms with the whole suite running on 2 CPUs (one esbuild pass on
    // the master, no retry in the child): the 1 s of the acceptance check holds with margin.
    expect(ms).toBeLessThan(1000);
    await stillWorks(ctx);
  });

  it('names the file, line and column of a syntax error, in the module called or deeper', async () => {
    const bad = file('bad.ts', '// a syntax error on line 3\nexport function f(): number {\n  return 1 +;\n}\n');
    const user = file('uses-bad.ts', "import { f } from './bad.js';\nexport const g = f;\n");
    const ok = file('ok.ts', "export function ok(): string {\n  return 'ok';\n}\n");
    const ctx = await fx.local();
    for (const called of [bad, user]) {
      const err = await rejectionOf(ctx.call(called, 'f'));
      expect(err).toBeInstanceOf(CallError);
      expect(err.message).toMatch(/^ModuleLoadError: /);
      expect(err.message).toContain(`syntax error in ${bad}:3:13`);
    }
    await stillWorks(ctx, ok);
  });

  it('names the missing specifier and the module importing it', async () => {
    const root = file('imports-missing.ts', "import { x } from './not-there.js';\nexport const y = x;\n");
    const bare = file('imports-missing-package.ts', "export const before = 1;\nimport 'tendril-no-such-package/sub';\n");
    const ok = file('ok.ts', "export function ok(): string {\n  return 'ok';\n}\n");
    const ctx = await fx.local();
    const err = await rejectionOf(ctx.call(root, 'y'));
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toContain(`cannot find module './not-there.js' imported by ${root}:1:`);
    const err2 = await rejectionOf(ctx.call(bare, 'before'));
    expect(err2.message).toContain(`cannot find module 'tendril-no-such-package/sub' imported by ${bare}:2:`);
    await stillWorks(ctx, ok);
  });

  it('caches a miss on the master until the missing file appears', async () => {
    const root = file('needs-later.ts', "import { later } from './later.js';\nexport function get(): string {\n  return later;\n}\n");
    const [a, b] = await Promise.all([fx.local(), fx.local()]);
    const errA = await rejectionOf(a.call(root, 'get'));
    expect(errA.message).toContain("cannot find module './later.js'");
    const errB = await rejectionOf(b.call(root, 'get'));
    expect(errB.message).toBe(errA.message);
    // The second child's request was answered from the master's miss cache.
    expect(fx.router.moduleStats).toMatchObject({ requests: 2, misses: 2, cacheHits: 1 });

    file('later.ts', "export const later: string = 'here now';\n");
    const c = await fx.local();
    expect(await c.call(root, 'get')).toBe('here now');
    expect(fx.router.moduleStats).toMatchObject({ requests: 3, misses: 2, cacheHits: 1 });
  });

  it('serves a fixed syntax error to a new child', async () => {
    const path = file('fixed-later.ts', 'export function get(): number {\n  return 1 +;\n}\n');
    const a = await fx.local();
    expect((await rejectionOf(a.call(path, 'get'))).message).toContain(`syntax error in ${path}:2:`);
    file('fixed-later.ts', 'export function get(): number {\n  return 1 + 1;\n}\n');
    const b = await fx.local();
    expect(await b.call(path, 'get')).toBe(2);
  });
});

describe('a module over maxMessageSize', () => {
  const MAX = 64 * 1024;
  const fx = withRouter({ shutdownTimeout: 2000, maxMessageSize: MAX });

  it('fails the call saying so, and the context keeps working', async () => {
    // ~100 KB of source that does not shrink: the reply would be over 64 KiB.
    let blob = '';
    let x = 12345;
    while (blob.length < 100_000) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      blob += x.toString(36);
    }
    const big = file('big.ts', `export const blob = '${blob}';\nexport function size(): number {\n  return blob.length;\n}\n`);
    const ok = file('ok.ts', "export function ok(): string {\n  return 'ok';\n}\n");
    const ctx = await fx.local();
    const err = await rejectionOf(ctx.call(big, 'size'));
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toMatch(new RegExp(`^ModuleLoadError: module ${big} and its dependencies make a reply of \\d+ bytes, over maxMessageSize ${MAX}`));
    expect(fx.router.moduleStats.modulesSent).toBe(0);
    await stillWorks(ctx, ok);
    expect(fx.router.moduleStats.modulesSent).toBe(1);
  });
});
