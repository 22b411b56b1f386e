// A router's callTimeout is for calls, not for transfers: a put, a get and a push that take
// longer than it still complete (in children too, which inherit it).
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withRouter } from '../support/router.js';
import { randomFile, removeDir, scratchDir } from './support.js';

describe('files: longer than the callTimeout', () => {
  const fx = withRouter({ callTimeout: 50 });
  const dir = scratchDir('timeout');
  afterAll(() => removeDir(dir));

  it('put, get and push complete', async () => {
    const ctx = await fx.local({ name: 'slowpoke' });
    const mid = await fx.router.local({ name: 'mid', via: ctx });
    const src = join(dir, 'src');
    const sha = randomFile(src, 48 << 20);
    // The timeout does apply to calls.
    await expect(ctx.call('node:timers/promises', 'setTimeout', 500)).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(ctx.files.put(src, join(dir, 'put'))).resolves.toEqual({ bytes: 48 << 20, sha256: sha });
    await expect(ctx.files.get(join(dir, 'put'), join(dir, 'got'))).resolves.toEqual({ bytes: 48 << 20, sha256: sha });
    await expect(fx.router.files.push([mid], src, join(dir, 'pushed'))).resolves.toEqual({ bytes: 48 << 20, sha256: sha });
  }, 120_000);
});
