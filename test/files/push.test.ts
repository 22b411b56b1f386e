// router.files.push (issue 13 acceptance): one file to 6 contexts through 2 intermediates,
// every copy byte-exact, and the master's link carried the file once, counted twice: by the
// push itself (bytes served) and by the master process's own writes (/proc/self/io wchar).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Context, PushProgress } from '../../src/index.js';
import { withRouter } from '../support/router.js';
import { randomFile, removeDir, sameBytes, scratchDir, tempFilesIn } from './support.js';

const wchar = (): number => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

describe('files: push down a tree', () => {
  const fx = withRouter({ shutdownTimeout: 3000 });
  const dir = scratchDir('push');
  afterAll(() => removeDir(dir));

  it('copies one file to 6 contexts through 2 intermediates; the master link carries it once', async () => {
    const i1 = await fx.local({ name: 'i1' });
    const i2 = await fx.router.local({ name: 'i2', via: i1 });
    const targets: Context[] = [];
    for (let n = 0; n < 3; n++) targets.push(await fx.router.local({ name: `a${n}`, via: i1 }));
    for (let n = 0; n < 3; n++) targets.push(await fx.router.local({ name: `b${n}`, via: i2 }));
    const size = 24 << 20;
    const src = join(dir, 'release.tar');
    const sha = randomFile(src, size);
    // Every target writes the same path (one machine here): each one's copy is verified
    // (size + sha256 against its source) before it is renamed into place, or the push fails.
    const before = wchar();
    const push = fx.router.files.push(targets, src, join(dir, 'copy'));
    const seen = new Map<string, number>();
    push.targets$.subscribe((p: PushProgress) => seen.set(p.context.name, p.bytes));
    const r = await push;
    const written = wchar() - before;
    expect(r).toEqual({ bytes: size, sha256: sha });
    expect(sameBytes(src, join(dir, 'copy'))).toBe(true);
    expect(written).toBeGreaterThanOrEqual(size);
    expect(written).toBeLessThan(1.5 * size);
    expect([...seen.keys()].sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
    expect([...seen.values()].every((b) => b === size)).toBe(true);
    expect(tempFilesIn(dir)).toEqual([]);
  }, 120_000);

  it('gives each target its own copy when they are different places (mkdirs), and fails clearly for a bad one', async () => {
    const i1 = await fx.local({ name: 'j1' });
    const t1 = await fx.router.local({ name: 't1', via: i1 });
    const t2 = await fx.router.local({ name: 't2', via: i1 });
    const src = join(dir, 'small');
    randomFile(src, 100_000);
    await expect(fx.router.files.push([i1, t1, t2], src, join(dir, 'n/e/w/small'), { mkdirs: true })).resolves.toMatchObject({ bytes: 100_000 });
    expect(sameBytes(src, join(dir, 'n/e/w/small'))).toBe(true);
    const bad = await fx.router.files.push([t1, t2], src, join(dir, 'missing-dir/small')).then(() => null, (e: unknown) => e);
    expect(bad).toMatchObject({ code: 'ENOENT' });
    expect(tempFilesIn(dir)).toEqual([]);
  }, 120_000);
});
