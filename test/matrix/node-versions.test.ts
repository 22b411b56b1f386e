// The core acceptance checks on children running real Node 16, 18 and 22 binaries (fetched
// by scripts/fetch-node.mjs), and the refusal of a target whose Node is too old.
import { describe, expect, it } from 'vitest';
import { CallError, ChannelError, Receiver, StreamError, type Context } from '../../src/index.js';
import { supportedNodeBinaries, unsupportedNodeBinaries } from '../support/node-versions.js';
import { withRouter } from '../support/router.js';
import type * as MatrixTasks from '../fixtures/matrix-tasks.js';

const tasksUrl = new URL('../fixtures/matrix-tasks.ts', import.meta.url);
const supported = supportedNodeBinaries();
const tooOld = unsupportedNodeBinaries();

describe('node version matrix', () => {
  it('has binaries to test (CI requires all of them)', () => {
    if (process.env.CI === 'true') expect(supported.length).toBeGreaterThanOrEqual(3);
    else if (supported.length === 0) console.warn('no extra Node binaries: run `node scripts/fetch-node.mjs`');
  });

  for (const { version, path } of supported) {
    describe(`Node ${version}`, () => {
      const fx = withRouter({ shutdownTimeout: 2000 });
      const start = (): Promise<Context> => fx.local({ name: `node${version.split('.')[0]}`, nodePath: path });

      it('bootstraps, calls builtins and served TypeScript (ESM + TLA + CommonJS)', async () => {
        const ctx = await start();
        const os = ctx.import<typeof import('node:os')>('node:os');
        expect(await os.hostname()).toBe((await import('node:os')).hostname());
        const tasks = ctx.import<typeof MatrixTasks>(tasksUrl);
        const d = await tasks.describe();
        expect(d.version).toBe(`v${version}`);
        expect(d.ready).toBe('tla-ok');
        expect(d.legacy).toBe('hello matrix from matrix-legacy.cjs');
        expect(d.title).toBe(`tendril:node${version.split('.')[0]}`);
        expect(await tasks.whoCalls()).toEqual({ caller: 0, me: ctx.id });
      });

      it('reports a remote throw with the child stack mapped to the .ts line', async () => {
        const ctx = await start();
        const err = await ctx.import<typeof MatrixTasks>(tasksUrl).kaboom().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CallError);
        expect((err as CallError).message).toMatch(/^RangeError: kaboom 7/);
        expect((err as CallError).remoteStack).toMatch(/matrix-tasks\.ts:13:/);
      });

      it('streams 10,000 values in order through a Sender', async () => {
        const ctx = await start();
        const r = new Receiver(fx.router);
        const n = await ctx.import<typeof MatrixTasks>(tasksUrl).stream(r.toSender(), 10_000);
        let next = 0;
        for await (const m of r) expect(m.decode()).toBe(next++);
        expect(next).toBe(n);
      });

      it('rejects pending calls with ChannelError when the child is killed', async () => {
        const ctx = await start();
        const pending = ctx.call('node:timers/promises', 'setTimeout', 30_000);
        process.kill(fx.pidOf(ctx), 'SIGKILL');
        await expect(pending).rejects.toBeInstanceOf(ChannelError);
        expect(ctx.state).toBe('dead');
      });

      it('shuts down a child stuck in a busy loop within the grace period', async () => {
        const ctx = await start();
        void ctx.call('node:vm', 'runInThisContext', 'while (true) {}').catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
        const t0 = Date.now();
        await fx.router.shutdown();
        expect(Date.now() - t0).toBeLessThan(2000 + 1000);
      });
    });
  }

  for (const { version, path } of tooOld) {
    it(`refuses Node ${version} with a StreamError naming its version and the minimum`, async () => {
      const { Router } = await import('../../src/index.js');
      const router = new Router({ printLogs: false });
      try {
        const err = await router.local({ nodePath: path }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StreamError);
        expect((err as Error).message).toContain(`v${version}`);
        expect((err as Error).message).toMatch(/>= 16/);
      } finally {
        await router.shutdown();
      }
    });
  }
});
