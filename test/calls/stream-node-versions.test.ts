// Streams and shell commands in children running real Node 16, 18 and 22 binaries
// (scripts/fetch-node.mjs): the producer, credit, cancellation and tendril:shell work on
// every Node a child supports.
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type * as Tasks from '../fixtures/stream-tasks.js';
import { supportedNodeBinaries } from '../support/node-versions.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/stream-tasks.ts', import.meta.url);

describe('streams and shell on every supported Node', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });
  for (const { version, path } of supportedNodeBinaries()) {
    it(`Node ${version}: a stream under credit, break reaching finally, exec and spawn`, async () => {
      const ctx = await fx.local({ name: `streams-node${version.split('.')[0]}`, nodePath: path });
      let n = 0;
      for await (const v of ctx.with({ highWaterMark: 8 }).stream<number>(TASKS, 'count', 'all', 5000)) expect(v).toBe(n++);
      expect(n).toBe(5000);
      let k = 0;
      for await (const _ of ctx.stream(TASKS, 'ticks', 'brk', 2)) if (++k === 3) break;
      const tasks = ctx.import<typeof Tasks>(TASKS);
      const until = Date.now() + 500;
      let seen = await tasks.report('brk');
      while (seen?.finallyAt == null && Date.now() < until) seen = await tasks.report('brk');
      expect(seen?.finallyAt).not.toBeNull();
      expect(await ctx.exec('echo out; echo err >&2; exit 3')).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
      const p = ctx.spawn('cat');
      const lines = lastValueFrom(p.lines$.pipe(toArray()));
      await p.write('a\nb\n');
      await p.end();
      expect(await p.done).toEqual({ code: 0, signal: null });
      expect((await lines).map((l) => l.line)).toEqual(['a', 'b']);
    });
  }
});
