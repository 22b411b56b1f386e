// Large binaries travel from the caller's own buffer (gathered writes, no copy in the master)
// and arrive byte-exact, in both directions, also through an intermediate.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Receiver } from '../../src/index.js';
import { withRouter } from '../support/router.js';

describe('large binaries', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('a 10 MiB Buffer argument and result round-trip byte-exact', async () => {
    const ctx = await fx.shared();
    const big = randomBytes(10 * 1024 * 1024);
    const back = (await ctx.call('node:buffer', 'Buffer.from', big)) as Uint8Array;
    expect(back.byteLength).toBe(big.byteLength);
    expect(Buffer.compare(Buffer.from(back.buffer, back.byteOffset, back.byteLength), big)).toBe(0);
  });

  it('several large pieces in one message keep their order, with small values between them', async () => {
    const ctx = await fx.shared();
    const parts = [randomBytes(200_000), randomBytes(70_000), randomBytes(1_000_000)];
    const back = (await ctx.call('node:buffer', 'Buffer.concat', parts)) as Uint8Array;
    expect(Buffer.compare(Buffer.from(back), Buffer.concat(parts))).toBe(0);
  });

  it('through an intermediate, and delivered locally (a Receiver in the master)', async () => {
    const mid = await fx.router.local({ name: 'mid-large' });
    const leaf = await fx.router.local({ name: 'leaf-large', via: mid });
    const big = randomBytes(3 * 1024 * 1024);
    const back = (await leaf.call('node:buffer', 'Buffer.from', big)) as Uint8Array;
    expect(Buffer.compare(Buffer.from(back), big)).toBe(0);
    const r = new Receiver(fx.router);
    r.toSender().send(big);
    const got = (await r.get({ timeout: 5000 })).decode() as Uint8Array;
    expect(Buffer.compare(Buffer.from(got), big)).toBe(0);
  });
});
