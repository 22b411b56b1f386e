// Cancellation in children running real Node 16, 18 and 22 binaries (scripts/fetch-node.mjs):
// the callee side (AbortController, abort reasons, AbortError without DOMException on 16)
// works on every Node a child supports; calls made there with a view and merged signals too.
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/index.js';
import type * as Tasks from '../fixtures/cancel-tasks.js';
import { supportedNodeBinaries } from '../support/node-versions.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/cancel-tasks.ts', import.meta.url);

describe('cancellation on every supported Node', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });
  for (const { version, path } of supportedNodeBinaries()) {
    it(`Node ${version}: a timeout and an abort reach the callee; a child's own call with merged options times out`, async () => {
      const ctx = await fx.local({ name: `cancel-node${version.split('.')[0]}`, nodePath: path });
      const tasks = ctx.import<typeof Tasks>(TASKS);
      await expect(ctx.with({ timeout: 300 }).import<typeof Tasks>(TASKS).sleepLong('t')).rejects.toBeInstanceOf(TimeoutError);
      const controller = new AbortController();
      const reason = new Error('enough');
      setTimeout(() => controller.abort(reason), 100);
      await expect(ctx.with({ signal: controller.signal }).call(TASKS, 'sleepLong', 'a')).rejects.toBe(reason);
      const until = Date.now() + 1000;
      let t = await tasks.report('t');
      let a = await tasks.report('a');
      while ((t?.abortedAfter == null || a?.abortedAfter == null) && Date.now() < until) {
        [t, a] = await Promise.all([tasks.report('t'), tasks.report('a')]);
      }
      expect(t?.reason?.name).toBe('TimeoutError');
      expect(a?.reason?.name).toBe('AbortError');
      // Code in that child calling its own child, with two signals merged and a timeout.
      const grandchild = await fx.router.local({ name: `cancel-node${version.split('.')[0]}-b`, via: ctx });
      await expect(tasks.callOnWithTimeout(grandchild, 'g', 200)).resolves.toMatch(/^TimeoutError: .*timed out after 200 ms$/);
      await expect(tasks.mergedSignalsAbort()).resolves.toBe('AbortError: second');
    });
  }
});
