// tendril's own figures: bootstrap, call round trip, pipelined calls, big arguments,
// payload size and a child's memory. Each is compared with bench/limits.ts in bench/run.ts.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Context } from './tendril.js';
import { msSince, now, rssKiB, sleep } from './stats.js';

/** Launch attempts that failed and were retried (see localWithRetry). */
export const launchFailures: string[] = [];

/**
 * router.local(), retried on a launch failure so one flaky start does not sink the whole run.
 * Failures are recorded and printed: they are bugs, not noise.
 */
export async function localWithRetry(router: Router, name: string): Promise<Context> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await router.local({ name });
    } catch (e) {
      launchFailures.push(String((e as Error).message).split('\n').slice(0, 2).join(' | '));
      if (attempt >= 3) throw e;
    }
  }
}

/** Fresh Router + router.local() + first call, in ms (shutdown not timed). */
export async function bootstrapFirstCallMs(runs: number, warmup = 2): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = now();
    const router = new Router({ printLogs: false });
    let ctx: Context;
    try {
      ctx = await router.local({ name: `boot${i}` });
    } catch (e) {
      // A failed launch is not a sample: record it and time a fresh attempt.
      launchFailures.push(String((e as Error).message).split('\n').slice(0, 2).join(' | '));
      await router.shutdown();
      i--;
      continue;
    }
    await ctx.call('node:os', 'hostname');
    const ms = msSince(t0);
    if (i >= warmup) out.push(ms);
    await router.shutdown();
  }
  return out;
}

/** Sequential `ctx.call('node:os', 'uptime')` round trips in microseconds. */
export async function callRoundTripUs(ctx: Context, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await ctx.call('node:os', 'uptime');
    out.push(Number(now() - t0) / 1e3);
  }
  return out;
}

/** `total` callAsync calls of `node:os` `fn`, issued `batch` at a time, each batch awaited (and decoded): calls/s. */
export async function pipelinedPerSec(ctx: Context, total: number, batch: number, fn: string): Promise<number> {
  const run = async (n: number): Promise<number> => {
    const t0 = now();
    const pending: Promise<unknown>[] = new Array(batch);
    for (let done = 0; done < n; done += batch) {
      for (let j = 0; j < batch; j++) pending[j] = ctx.callAsync('node:os', fn).get().then((m) => m.decode());
      await Promise.all(pending);
    }
    return n / (msSince(t0) / 1e3);
  };
  await run(Math.min(total, 10 * batch));
  return run(total);
}

/** MiB/s of a Buffer argument to `node:buffer` `Buffer.byteLength` (which returns a number). */
export async function bigArgumentMiBs(ctx: Context, buf: Buffer, runs: number, warmup = 1): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = now();
    const n = await ctx.call('node:buffer', 'Buffer.byteLength', buf);
    const ms = msSince(t0);
    if (n !== buf.byteLength) throw new Error(`Buffer.byteLength returned ${String(n)}, expected ${buf.byteLength}`);
    if (i >= warmup) out.push(buf.byteLength / 2 ** 20 / (ms / 1e3));
  }
  return out;
}

/** The compressed child payload the build produced (brotli `.br`, or deflate `.z` before that). */
export function payloadFile(): { file: string; bytes: number } {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  for (const file of ['dist/core.bundle.br', 'dist/core.bundle.z']) {
    if (existsSync(join(root, file))) return { file, bytes: statSync(join(root, file)).size };
  }
  return { file: 'dist/core.bundle.* (missing: run npm run build)', bytes: NaN };
}

/**
 * RSS (KiB) of a fresh child after a few calls.
 *
 * What was tried for smaller, faster children (issue 12 part 4; 2-core machine, one run each,
 * `node --import tsx` scripts alternating bare node and tendril, median of 10 boots):
 * - V8 flags on the child's command line (--max-semi-space-size=1, --lite-mode, --jitless,
 *   --max-lazy, --no-opt): every one made bootstrap + first call 25-45 ms SLOWER (1.6x ->
 *   2.0-2.35x bare node) because Node's built-in code cache for its own modules is rejected
 *   when the V8 flag hash differs (bare `node -e ''` is unaffected; a script loading
 *   worker_threads/net/child_process/zlib went 88-95 -> 110-129 ms). --lite-mode/--jitless
 *   saved 2.5 MiB RSS (56.4 -> 53.9). --experimental-vm-modules is a Node flag: neutral. Dropped.
 * - Worker resourceLimits (maxYoungGenerationSizeMb 1, stackSizeMb 1), --v8-pool-size=1:
 *   RSS unchanged. An idle worker thread alone costs 12 MiB (bare node 39.4 MiB, + one empty
 *   worker 51.3 MiB): with the eager dispatcher thread the 45 MiB target is out of reach;
 *   tendril's own part is ~5 MiB (56.4 MiB).
 * - Boot timeline (spawn = 0): first-stage marker 67 ms (= bare node), READY 80 ms, first
 *   call answered 104 ms; the worker's own boot is the critical path. Compile of the 114 KiB
 *   core: 4-5 ms per thread (1 ms with a V8 code cache: not done, it needs a first-stage
 *   format change for ~8 ms). Eager requires of builtins: ~2-3 ms per thread.
 * - CPU per child to its first call: 90-100 ms (bare node 66 ms, node + a worker 99 ms):
 *   the floor of 300 contexts started at once is ~1.5x "300 x bare start / cores".
 */
export async function childRssKiB(router: Router): Promise<number> {
  const ctx = await localWithRetry(router, 'rss');
  for (let i = 0; i < 10; i++) await ctx.call('node:os', 'uptime');
  await ctx.call('node:os', 'hostname');
  await sleep(300);
  const pid = router.childPids().get(ctx.id);
  if (pid === undefined) return NaN;
  const kib = await rssKiB(pid);
  await ctx.shutdown({ wait: true });
  return kib;
}
