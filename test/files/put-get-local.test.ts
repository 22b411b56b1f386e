// ctx.files.put/get against a local child (issue 13 acceptance): 0 B, 1 B, 64 KiB - 1,
// 64 KiB + 1 and 300 MiB byte-exact both ways; mode and mtime when asked; progress.
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withRouter } from '../support/router.js';
import { SIZES, randomFile, removeDir, sameBytes, scratchDir, sha256Of, tempFilesIn } from './support.js';

describe('files: put and get, local child', () => {
  const fx = withRouter({}, { scope: 'file' });
  const dir = scratchDir('local');
  afterAll(() => removeDir(dir));

  for (const size of SIZES) {
    it(`puts and gets ${size} bytes byte-exact`, async () => {
      const ctx = await fx.shared();
      const src = join(dir, `src-${size}`);
      const sha = randomFile(src, size);
      const put = await ctx.files.put(src, join(dir, `put-${size}`));
      expect(put).toEqual({ bytes: size, sha256: sha });
      expect(sameBytes(src, join(dir, `put-${size}`))).toBe(true);
      const got = await ctx.files.get(join(dir, `put-${size}`), join(dir, `got-${size}`));
      expect(got).toEqual({ bytes: size, sha256: sha });
      expect(sameBytes(src, join(dir, `got-${size}`))).toBe(true);
      expect(tempFilesIn(dir)).toEqual([]);
    });
  }

  it('preserves mode and mtime when asked, and not otherwise', async () => {
    const ctx = await fx.shared();
    const src = join(dir, 'moded');
    randomFile(src, 1000, 0o751);
    const when = new Date('2020-02-02T02:02:02.000Z');
    utimesSync(src, when, when);
    await ctx.files.put(src, join(dir, 'moded-put'), { mode: 'preserve', mtime: true });
    expect(statSync(join(dir, 'moded-put')).mode & 0o7777).toBe(0o751);
    expect(statSync(join(dir, 'moded-put')).mtimeMs).toBe(when.getTime());
    await ctx.files.get(join(dir, 'moded-put'), join(dir, 'moded-got'), { mode: 'preserve', mtime: true });
    expect(statSync(join(dir, 'moded-got')).mode & 0o7777).toBe(0o751);
    expect(statSync(join(dir, 'moded-got')).mtimeMs).toBe(when.getTime());
    await ctx.files.put(src, join(dir, 'moded-600'), { mode: 0o600 });
    expect(statSync(join(dir, 'moded-600')).mode & 0o7777).toBe(0o600);
    await ctx.files.put(src, join(dir, 'plain'));
    expect(statSync(join(dir, 'plain')).mtimeMs).not.toBe(when.getTime());
  });

  it('makes missing directories with mkdirs', async () => {
    const ctx = await fx.shared();
    const src = join(dir, 'deep-src');
    randomFile(src, 5000);
    await ctx.files.put(src, join(dir, 'a/b/c/deep'), { mkdirs: true });
    expect(sameBytes(src, join(dir, 'a/b/c/deep'))).toBe(true);
    await ctx.files.get(join(dir, 'a/b/c/deep'), join(dir, 'x/y/deep'), { mkdirs: true });
    expect(sameBytes(src, join(dir, 'x/y/deep'))).toBe(true);
  });

  it('moves 300 MiB both ways byte-exact, with progress up to the size', async () => {
    const ctx = await fx.shared();
    const size = 300 << 20;
    const src = join(dir, 'big');
    const sha = randomFile(src, size);
    const put = ctx.files.put(src, join(dir, 'big-put'));
    const seen: number[] = [];
    put.progress$.subscribe((p) => {
      expect(p.total).toBe(size);
      seen.push(p.bytes);
    });
    await expect(put).resolves.toEqual({ bytes: size, sha256: sha });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe(size);
    expect(seen.every((b, i) => i === 0 || b >= seen[i - 1]!)).toBe(true);
    expect(await sha256Of(join(dir, 'big-put'))).toBe(sha);
    await expect(ctx.files.get(join(dir, 'big-put'), join(dir, 'big-got'))).resolves.toEqual({ bytes: size, sha256: sha });
    expect(await sha256Of(join(dir, 'big-got'))).toBe(sha);
  }, 180_000);
});
