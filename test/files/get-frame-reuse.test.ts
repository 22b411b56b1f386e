// The master's get assembles a child's chunk frames into the buffers of chunks already hashed
// and written (src/core/wire/frame-pool.ts, files/chunk-sink.ts): a get of many chunks needs
// about a window of buffers, not one per chunk, and keeps none once it ends.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHUNK_SIZE, WINDOW } from '../../src/files/chunk-protocol.js';
import { freeFrameBytes, reusedFrames } from '../../src/core/wire/frame-pool.js';
import { withRouter } from '../support/router.js';
import { randomFile, removeDir, sameBytes, scratchDir } from './support.js';

describe('files: a get reuses the buffers of its chunk frames', () => {
  const fx = withRouter({}, { scope: 'file' });
  const dir = scratchDir('get-reuse');
  afterAll(() => removeDir(dir));

  it('assembles later chunks into the frames of earlier ones, byte-exact, and keeps none after', async () => {
    const ctx = await fx.shared();
    const chunks = 16;
    const src = join(dir, 'src');
    const sha = randomFile(src, chunks * CHUNK_SIZE + 123);
    const before = reusedFrames();
    const got = await ctx.files.get(src, join(dir, 'got'));
    expect(got).toEqual({ bytes: chunks * CHUNK_SIZE + 123, sha256: sha });
    expect(sameBytes(src, join(dir, 'got'))).toBe(true);
    // At most a window of chunks (and the one arriving) are held at once: every later one reuses.
    expect(reusedFrames() - before).toBeGreaterThanOrEqual(chunks - WINDOW - 2);
    expect(freeFrameBytes()).toBe(0);
  });
});
