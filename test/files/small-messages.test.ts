// Transfers under a maxMessageSize smaller than the default chunk (inherited by children; 128
// KiB still fits FileService's own module): the chunk size is chosen to fit in a message
// (chunk-protocol.ts chunking()), so put, get and push still work, with the same verification,
// instead of every chunk's reply being refused as oversized.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withRouter } from '../support/router.js';
import { randomFile, removeDir, sameBytes, scratchDir, tempFilesIn } from './support.js';

describe('files: a small maxMessageSize', () => {
  const fx = withRouter({ maxMessageSize: 128 * 1024, shutdownTimeout: 2000 });
  const dir = scratchDir('small-messages');
  afterAll(() => removeDir(dir));

  it('put, get and push move a file of many chunks byte-exact', async () => {
    const mid = await fx.local({ name: 'mid' });
    const leaf = await fx.router.local({ name: 'leaf', via: mid });
    const size = (1 << 20) + 12_345;
    const src = join(dir, 'src');
    const sha = randomFile(src, size);
    await expect(mid.files.put(src, join(dir, 'put'))).resolves.toEqual({ bytes: size, sha256: sha });
    expect(sameBytes(src, join(dir, 'put'))).toBe(true);
    await expect(leaf.files.get(join(dir, 'put'), join(dir, 'got'))).resolves.toEqual({ bytes: size, sha256: sha });
    expect(sameBytes(src, join(dir, 'got'))).toBe(true);
    await expect(fx.router.files.push([mid, leaf], src, join(dir, 'pushed'))).resolves.toEqual({ bytes: size, sha256: sha });
    expect(sameBytes(src, join(dir, 'pushed'))).toBe(true);
    expect(tempFilesIn(dir)).toEqual([]);
  }, 60_000);
});
