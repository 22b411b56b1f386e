// The child payload leaves rarely needed parts (the shell runner, the stream producer, CallView,
// Channel, Select, Service...) to an on-demand bundle, 'tendril:extras' (src/core/child/on-demand.ts):
// the first use in a context loads it from the parent, an intermediate serves it to its subtree
// from its cache, and everything works at any depth as if it had been there from the start.
import { describe, expect, it } from 'vitest';
import { withRouter } from '../support/router.js';

const STREAMS = new URL('../fixtures/stream-tasks.ts', import.meta.url);

describe("on-demand 'tendril:extras'", () => {
  const fx = withRouter({}, { scope: 'file' });

  it('exec and a stream work in a child and a grandchild; the master serves the bundle once for the subtree', async () => {
    const hub = await fx.local({ name: 'extras-hub' });
    const grand = await fx.router.local({ name: 'extras-grand', via: hub });
    await grand.call('node:os', 'hostname');
    const r0 = fx.router.moduleStats.requests;
    await expect(hub.exec(['echo', 'from the hub'])).resolves.toMatchObject({ code: 0, stdout: 'from the hub\n' });
    const r1 = fx.router.moduleStats.requests;
    // The hub fetched the bundle from the master (its first exec).
    expect(r1 - r0).toBe(1);
    await expect(grand.exec(['echo', 'from the grandchild'])).resolves.toMatchObject({ code: 0, stdout: 'from the grandchild\n' });
    // The grandchild's copy came from the hub's cache: nothing more asked of the master.
    expect(fx.router.moduleStats.requests).toBe(r1);
    const seen: unknown[] = [];
    for await (const v of grand.stream(STREAMS, 'count', 'extras', 3)) seen.push(v);
    expect(seen).toEqual([0, 1, 2]);
  });
});
