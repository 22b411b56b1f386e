// A child writing random bytes on its channel (issue 15, "Fuzz") only ever kills its own
// stream: the master's frame parser refuses them (ProtocolError), that context dies with a
// reason and its pending call settles, while the master and another context go on. Real
// processes: a local child writes on its channel's fd 4 (docs: notes/child-io.md) with
// fs.writeSync, as a broken native module or a stray write would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAGIC } from '../../src/core/wire/protocol.js';
import { assertProperty } from '../support/fc.js';
import { withRouter } from '../support/router.js';

const CHANNEL_OUT_FD = 4;

describe('garbage on a child channel', () => {
  const fx = withRouter({ shutdownTimeout: 2000 }, { scope: 'file' });

  it('kills that context only, with a reason; its pending call settles; another context still answers', async () => {
    const other = await fx.shared();
    // Random bytes that do not start a valid frame header (one could wait for its missing bytes).
    const garbage = fc.uint8Array({ minLength: 1, maxLength: 300 }).filter((b) => b[0] !== MAGIC >> 8);
    let n = 0;
    await assertProperty(
      fc.asyncProperty(garbage, async (bytes) => {
        const ctx = await fx.local({ name: `garbage${n++}` });
        expect(await ctx.call('node:path', 'basename', '/x/y')).toBe('y');
        const call = ctx.call('node:fs', 'writeSync', CHANNEL_OUT_FD, bytes).then(
          () => null,
          (e: unknown) => e,
        );
        await ctx.whenDead();
        expect(ctx.deadReason).toMatch(/frame|protocol|magic|corrupt/i);
        // The call that wrote them settles (it may have been answered before the damage was read).
        await call;
        expect(await other.call('node:path', 'basename', '/a/b')).toBe('b');
      }),
      { numRuns: 4 },
    );
  }, 120_000);
});
