// The example against a real child: a TypeScript task module with a local helper
// behind a `.js` import, a real npm package (semver) from the master's node_modules and a
// builtin, run in a child whose working directory and HOME are an empty temporary folder.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallError, type Context } from '../../src/index.js';
import { rejectionOf } from '../support/errors.js';
import { runInChild, withRouter } from '../support/router.js';
import type * as Tasks from '../fixtures/modules/tasks.js';

const tasksUrl = new URL('../fixtures/modules/tasks.ts', import.meta.url);
const tasksPath = tasksUrl.pathname;
const dfPath = new URL('../fixtures/modules/lib/df.ts', import.meta.url).pathname;

/** 1-based line of the first line of `file` containing `marker`. */
function lineOf(file: string, marker: string): number {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not found in ${file}`);
  return i + 1;
}

describe('the issue example (tasks.ts + lib/df.ts + semver + node:fs/promises)', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });
  let home: string;
  const start = (): Promise<Context> =>
    fx.local({ name: 'empty-target', cwd: home, env: { HOME: home, TMPDIR: home, USERPROFILE: home } });

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'tendril-empty-target-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('runs in a child with an empty cwd and HOME, writing nothing there', async () => {
    const ctx = await start();
    const tasks = ctx.import<typeof Tasks>(tasksUrl);
    const r = await tasks.report('>=16');

    expect(r.cwd).toBe(home);
    expect(r.home).toBe(home);
    expect(r.cwdEntries).toEqual([]);
    expect(r.node).toBe(process.version);
    expect(r.nodeOk).toBe(true);
    expect(r.disk.path).toBe(home);
    expect(r.disk.totalBytes).toBeGreaterThan(0);
    expect(r.disk.freeBytes).toBeGreaterThan(0);
    expect(r.url).toBe(`master:${tasksPath}`);
    // semver really runs in the child, and agrees with the master's copy.
    const versions = ['1.2.3', '1.10.0', '2.0.0-rc.1', '1.9.9'];
    expect(await tasks.newest(versions, '^1.0.0')).toBe(semver.maxSatisfying(versions, '^1.0.0'));
    expect(await tasks.newest(versions, '^1.0.0')).toBe('1.10.0');

    // One LOAD_MODULE round trip brought tasks.ts, lib/df.ts and all of semver.
    expect(fx.router.moduleStats.requests).toBe(1);
    expect(fx.router.moduleStats.modulesSent).toBeGreaterThan(20);
    expect(fx.router.moduleStats.bytesSent).toBeGreaterThan(10_000);

    // The target has no copy: semver cannot be resolved from the child's own file system...
    const local = await runInChild(
      ctx,
      `(() => { try { return require('node:module').createRequire(process.cwd() + '/').resolve('semver'); } catch (e) { return e.code; } })()`,
    );
    expect(local).toBe('MODULE_NOT_FOUND');
    // ...and nothing was written to its working directory, HOME or TMPDIR.
    await ctx.shutdown({ wait: true });
    expect(readdirSync(home, { recursive: true })).toEqual([]);
  });

  it('calls a function of an npm package named by its bare name (resolved on the master)', async () => {
    const ctx = await start();
    expect(await ctx.call('semver', 'valid', ' v1.2.3 ')).toBe('1.2.3');
    expect(await ctx.call('semver', 'compare', '1.10.0', '1.9.0')).toBe(1);
    expect(fx.router.moduleStats.requests).toBe(1);
  });

  it('reports a remote throw at the line of tasks.ts that threw', async () => {
    const ctx = await start();
    const err = await rejectionOf(ctx.import<typeof Tasks>(tasksUrl).fail('x.y'));
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toBe('TypeError: not a version: x.y');
    const line = lineOf(tasksPath, 'the stack test looks for this line');
    expect(err.remoteStack).toContain(`master:${tasksPath}:${line}:`);
    expect(err.remoteStack).not.toMatch(/\.served\.js/);
  });

  it('maps every served frame of a throw two modules deep', async () => {
    const ctx = await start();
    const err = await rejectionOf(ctx.import<typeof Tasks>(tasksUrl).failDeep());
    expect(err.message).toBe("RangeError: df needs an absolute path, got 'relative/path'");
    const frames = (err.remoteStack as string).split('\n').filter((l) => l.includes('master:'));
    expect(frames[0]).toContain(`master:${dfPath}:${lineOf(dfPath, 'df needs an absolute path')}:`);
    expect(frames[1]).toContain(`master:${tasksPath}:${lineOf(tasksPath, '// and this one')}:`);
  });
});
