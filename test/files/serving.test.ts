// What file transfer serves, and to whom (docs/api.md "Files: what is served to whom"): a
// child can never read a file of the master or of an intermediate above it. A context serves
// only a file its own side opened for a transfer, only to that transfer's targets, only while
// it runs; FileService's methods (serve(), which get() reads through, too) run only for a caller
// with parent authority.
// get() reads in a context the master controls anyway: allow() narrows it (opt-in), links
// included.
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sender } from '../../src/index.js';
import { ChunkSource } from '../../src/files/chunk-source.js';
import { FILE_SERVICE } from '../../src/files/context-files.js';
import { openSource } from '../../src/files/context-files.js';
import { withRouter } from '../support/router.js';
import { randomFile, removeDir, scratchDir } from './support.js';
import type { Outcome } from './fixtures/serving-probe.js';

const PROBE = new URL('./fixtures/serving-probe.ts', import.meta.url);
const failure = (p: PromiseLike<unknown>): Promise<unknown> => Promise.resolve(p).then(() => new Error('expected a failure'), (e: unknown) => e);

describe('files: what is served to whom', () => {
  const fx = withRouter({}, { scope: 'file' });
  const dir = scratchDir('serving');
  afterAll(() => removeDir(dir));
  const secret = join(dir, 'secret');
  randomFile(secret, 1000);

  it("a child cannot read its parent's files, nor make its parent write one", async () => {
    const mid = await fx.local({ name: 'mid' });
    const leaf = await fx.router.local({ name: 'leaf', via: mid });
    // The same call from the master works: the probe itself is sound.
    const fromMaster = (await mid.call(PROBE, 'readThere', mid, FILE_SERVICE, secret)) as Outcome;
    expect(fromMaster).toEqual({ ok: true, bytes: 1000 });
    const read = (await leaf.call(PROBE, 'readThere', mid, FILE_SERVICE, secret)) as Outcome;
    expect(read.ok, JSON.stringify(read)).toBe(false);
    expect(read.message).toMatch(/FileService\.serve refused/);
    const dest = join(dir, 'written-by-leaf');
    const source = new Sender(leaf, 1);
    const write = (await leaf.call(PROBE, 'receiveThere', mid, FILE_SERVICE, source, dest)) as Outcome;
    expect(write).toMatchObject({ ok: false, name: 'CallError' });
    expect(write.message).toMatch(/FileService\.receive refused/);
    expect(existsSync(dest)).toBe(false);
  });

  it("a transfer's source answers only its targets, and nothing once it ended", async () => {
    const target = await fx.local({ name: 'target' });
    const sibling = await fx.local({ name: 'sibling' });
    const below = await fx.router.local({ name: 'below', via: target });
    const src = await openSource(secret);
    const source = new ChunkSource(fx.router, src.file, src.size, { allows: (id) => id === target.id });
    try {
      const sender = new Sender(fx.router.myself(), source.handle);
      expect(await sibling.call(PROBE, 'askChunk', sender, 10)).toMatchObject({ ok: false, code: 'EACCES' });
      expect(await below.call(PROBE, 'askChunk', sender, 10)).toMatchObject({ ok: false, code: 'EACCES' });
      expect(await target.call(PROBE, 'askChunk', sender, 10)).toEqual({ ok: true, bytes: 10 });
      source.close();
      expect(await target.call(PROBE, 'askChunk', sender, 10)).toMatchObject({ ok: false, name: 'dead' });
    } finally {
      source.close();
      await src.file.close();
    }
  });

  it('get() reads anywhere until allow() is used; then only allowed paths, not through a link leading out', async () => {
    const ctx = await fx.local({ name: 'getter' });
    await expect(ctx.files.get(secret, join(dir, 'secret-got'))).resolves.toMatchObject({ bytes: 1000 });
    mkdirSync(join(dir, 'pub'));
    randomFile(join(dir, 'pub/ok'), 10);
    symlinkSync(secret, join(dir, 'pub/link-out'));
    symlinkSync(join(dir, 'pub/ok'), join(dir, 'pub/link-in'));
    fx.router.files.allow(join(dir, 'pub'));
    await expect(ctx.files.get(join(dir, 'pub/ok'), join(dir, 'ok-got'))).resolves.toMatchObject({ bytes: 10 });
    await expect(ctx.files.get(join(dir, 'pub/link-in'), join(dir, 'in-got'))).resolves.toMatchObject({ bytes: 10 });
    expect(await failure(ctx.files.get(join(dir, 'pub/link-out'), join(dir, 'out-got')))).toMatchObject({ name: 'CallError', code: 'EPERM' });
    expect(await failure(ctx.files.get(secret, join(dir, 'secret-again')))).toMatchObject({ code: 'EPERM' });
    expect(existsSync(join(dir, 'out-got'))).toBe(false);
  });
});
