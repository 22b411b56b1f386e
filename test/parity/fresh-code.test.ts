// A file changed on the master reaches calls started after the change at any depth, without
// restarting anything; a module already evaluated in a context keeps running as it is there
// (issue 16, part 3; the rule is in docs/api.md, "Fresh code").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRouter } from '../support/router.js';

let dir: string;
const path = (name: string): string => join(dir, name);

/** Writes every module at `version` (each change also changes the file's size). */
function writeVersion(version: number, only?: string[]): void {
  const pad = 'x'.repeat(version);
  const files: Record<string, string> = {
    'main.ts': `import { helper } from './helper.js';\nexport const VERSION: number = ${version};\nexport const pad = '${pad}';\nexport function version(): number { return VERSION; }\nexport function helperVersion(): number { return helper(); }\nexport async function later(): Promise<number> { return (await import('./later.js')).version(); }\n`,
    'helper.ts': `export function helper(): number { return ${version}; }\nexport const pad = '${pad}';\n`,
    'later.ts': `export function version(): number { return ${version}; }\nexport const pad = '${pad}';\n`,
    'other.ts': `export function version(): number { return ${version}; }\nexport const pad = '${pad}';\n`,
  };
  for (const [name, text] of Object.entries(files)) if (!only || only.includes(name)) writeFileSync(path(name), text);
}

describe('fresh code down the tree', () => {
  const fx = withRouter({ shutdownTimeout: 3000 });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tendril-fresh-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a context at depth 3, started before the edit, runs the new version of a module not evaluated there; evaluated ones stay', async () => {
    writeVersion(1);
    const a = await fx.local({ name: 'a' });
    const b = await fx.router.local({ name: 'b', via: a });
    const c = await fx.router.local({ name: 'c', via: b });
    // Every cache on the way holds version 1 of everything: a and b (preloaded), c's
    // dispatcher (main.ts and helper.ts evaluated; later.ts received with main's graph, as
    // the target of its import(), not evaluated).
    await b.forwardModules([path('main.ts'), path('other.ts')]);
    expect(await c.call(path('main.ts'), 'version')).toBe(1);
    expect(await c.call(path('main.ts'), 'helperVersion')).toBe(1);

    writeVersion(2);
    // Not evaluated in c: the new version, though c, b and a all held version 1.
    expect(await c.call(path('later.ts'), 'version')).toBe(2);
    expect(await c.call(path('other.ts'), 'version')).toBe(2);
    // Evaluated in c: kept as they are (their state is shared by every importer there).
    expect(await c.call(path('main.ts'), 'version')).toBe(1);
    expect(await c.call(path('main.ts'), 'helperVersion')).toBe(1);
    // An import() of a module already evaluated gives that instance.
    expect(await c.call(path('main.ts'), 'later')).toBe(2);

    // Depth 1 and 2 alike, for modules they had not evaluated.
    expect(await a.call(path('other.ts'), 'version')).toBe(2);
    expect(await b.call(path('main.ts'), 'version')).toBe(2);

    // A third edit: a context started after it gets everything new; in c, what it evaluated
    // (later.ts at version 2, helper.ts at 1 through main.ts) stays, called directly or not.
    writeVersion(3);
    const d = await fx.router.local({ name: 'd', via: b });
    expect(await d.call(path('main.ts'), 'version')).toBe(3);
    expect(await d.call(path('main.ts'), 'helperVersion')).toBe(3);
    expect(await c.call(path('later.ts'), 'version')).toBe(2);
    expect(await c.call(path('helper.ts'), 'helper')).toBe(1);
  }, 90_000);

  it('a module whose evaluation failed is not in use: the fixed file is what the next call runs', async () => {
    writeFileSync(path('broken.ts'), "export function ok(): string { return 'no'; }\nthrow new Error('broken at load');\n");
    const a = await fx.local({ name: 'a' });
    const b = await fx.router.local({ name: 'b', via: a });
    await expect(b.call(path('broken.ts'), 'ok')).rejects.toThrow(/broken at load/);
    writeFileSync(path('broken.ts'), "export function ok(): string { return 'fixed'; }\n");
    expect(await b.call(path('broken.ts'), 'ok')).toBe('fixed');
  }, 60_000);

  it('a module created after a miss reaches a new context below the same intermediate; the context that missed keeps its miss', async () => {
    const later = path('created-later.ts');
    rmSync(later, { force: true });
    const a = await fx.local({ name: 'a' });
    const b1 = await fx.router.local({ name: 'b1', via: a });
    const miss = await b1.call(later, 'here').then(() => null, (e: Error) => e.message);
    expect(miss).toMatch(/created-later/);
    writeFileSync(later, "export function here(): string { return 'here'; }\n");
    const b2 = await fx.router.local({ name: 'b2', via: a });
    expect(await b2.call(later, 'here')).toBe('here');
    // The documented rule: a specifier that failed in a context stays failed there.
    expect(await b1.call(later, 'here').then(() => null, (e: Error) => e.message)).toBe(miss);
  }, 60_000);

  it('unchanged files cost a check, no code: the module stats say so', async () => {
    writeVersion(5);
    const a = await fx.local({ name: 'a' });
    const b = await fx.router.local({ name: 'b', via: a });
    expect(await a.call(path('main.ts'), 'version')).toBe(5);
    const before = { ...fx.router.moduleStats };
    expect(await b.call(path('main.ts'), 'version')).toBe(5);
    const after = fx.router.moduleStats;
    expect(after.modulesSent).toBe(before.modulesSent);
    expect(after.upToDate - before.upToDate).toBe(after.requests - before.requests);
  }, 60_000);
});
