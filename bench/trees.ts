// Trees of contexts: round trip per extra hop vs a direct child; starting N local contexts and
// calling each, beside N bare `node -e ''` starts divided by the cores; a 2-level tree
// (master, 4 intermediates, 25 children each) started and called.
// Run alone with `node --import tsx bench/trees.ts`, or through bench/run.ts.
import { availableParallelism } from 'node:os';
import { bareSpawnMs } from './limits.js';
import { median, msSince, now, quantile } from './stats.js';
import { Router, type Context } from './tendril.js';

export interface TreeFigures {
  directRtUs: number;
  /** Round trip p50 by depth (1 = direct child). */
  hopRtUs: number[];
  startAndCall: { n: number; ms: number; limitMs: number }[];
  tree: { intermediates: number; perIntermediate: number; ms: number; limitMs: number };
}

async function roundTripUs(ctx: Context, n: number): Promise<number> {
  for (let i = 0; i < 200; i++) await ctx.call('node:os', 'uptime');
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await ctx.call('node:os', 'uptime');
    xs.push(msSince(t0) * 1000);
  }
  return quantile(xs, 0.5);
}

export async function measureTrees(): Promise<TreeFigures> {
  const cores = availableParallelism();
  const bare = median(await bareSpawnMs(10));

  // Hops: a chain of 4; the call round trip at each depth.
  const hopRtUs: number[] = [];
  {
    const router = new Router({ printLogs: false });
    let via: Context | undefined;
    for (let depth = 1; depth <= 4; depth++) {
      via = await router.local({ name: `hop${depth}`, via });
      hopRtUs.push(await roundTripUs(via, 1000));
    }
    await router.shutdown();
  }

  const startAndCall: TreeFigures['startAndCall'] = [];
  for (const n of [20, 100]) {
    const router = new Router({ printLogs: false });
    const t0 = now();
    const ctxs = await Promise.all(Array.from({ length: n }, (_, i) => router.local({ name: `n${i}` })));
    await Promise.all(ctxs.map((c) => c.call('node:os', 'uptime')));
    startAndCall.push({ n, ms: msSince(t0), limitMs: (n * bare) / cores });
    await router.shutdown();
  }

  const intermediates = 4;
  const perIntermediate = 25;
  let treeMs: number;
  {
    const router = new Router({ printLogs: false });
    const t0 = now();
    const mids = await Promise.all(Array.from({ length: intermediates }, (_, i) => router.local({ name: `mid${i}` })));
    const leaves = await Promise.all(
      mids.flatMap((via, i) => Array.from({ length: perIntermediate }, (_, j) => router.local({ name: `leaf${i}.${j}`, via }))),
    );
    await Promise.all(leaves.map((c) => c.call('node:os', 'uptime')));
    treeMs = msSince(t0);
    await router.shutdown();
  }
  const total = intermediates * (perIntermediate + 1);
  return {
    directRtUs: hopRtUs[0]!,
    hopRtUs,
    startAndCall,
    tree: { intermediates, perIntermediate, ms: treeMs, limitMs: (total * bare) / cores },
  };
}

export async function benchTrees(): Promise<void> {
  const f = await measureTrees();
  console.log('\ntrees of contexts');
  console.log(`  call round trip p50 by depth: ${f.hopRtUs.map((us, i) => `${i + 1}: ${us.toFixed(0)} us`).join(', ')}`);
  const perHop = (f.hopRtUs[f.hopRtUs.length - 1]! - f.hopRtUs[0]!) / (f.hopRtUs.length - 1);
  console.log(`  each extra hop adds ~${perHop.toFixed(0)} us (${(perHop / f.directRtUs).toFixed(2)}x a direct round trip)`);
  for (const s of f.startAndCall) {
    console.log(`  start ${s.n} local contexts + call each: ${s.ms.toFixed(0)} ms vs N x bare node / cores ${s.limitMs.toFixed(0)} ms (${(s.ms / s.limitMs).toFixed(2)}x)`);
  }
  const t = f.tree;
  console.log(`  2-level tree (${t.intermediates} x ${t.perIntermediate}) started + called: ${t.ms.toFixed(0)} ms vs ${t.limitMs.toFixed(0)} ms (${(t.ms / t.limitMs).toFixed(2)}x)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchTrees();
