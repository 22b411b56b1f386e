// CPU time, not wall time, of the first call into the generated 100-module tree (bench/modules.ts
// writes it): what each process of the path spends on the modules it receives, measured with
// process.cpuUsage() in the child (every thread: broker and dispatcher). CPU time stays readable
// on a loaded machine, where the wall-clock figures of bench/modules.ts are mostly noise.
// Master caches warm (a first child loaded the tree), so the esbuild work is out of the figure.
//
// `npm run build && node --import tsx bench/module-cpu.ts [runs]`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeModuleTree, TREE_MODULES } from './modules.js';
import { localWithRetry } from './foundation.js';
import { median } from './stats.js';
import { Router, type Context } from './tendril.js';

const runs = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'tendril-bench-cpu-'));
const { root } = writeModuleTree(dir, TREE_MODULES);
const cpu = async (ctx: Context): Promise<number> => {
  const u = (await ctx.call('node:process', 'cpuUsage')) as { user: number; system: number };
  return (u.user + u.system) / 1000;
};
const direct: number[] = [], mid: number[] = [], grand: number[] = [];
const router = new Router({ printLogs: false });
try {
  const warm = await localWithRetry(router, 'warmup');
  await warm.call(root, 'signature');
  for (let i = -1; i < runs; i++) {
    const a = await localWithRetry(router, `a${i}`);
    const m = await localWithRetry(router, `m${i}`);
    const g = await router.local({ name: `g${i}`, via: m });
    await cpu(a); await cpu(m); await cpu(g); await cpu(a); // warm the cpuUsage path itself
    const a0 = await cpu(a);
    await a.call(root, 'signature');
    const a1 = await cpu(a);
    const m0 = await cpu(m), g0 = await cpu(g);
    await g.call(root, 'signature');
    const m1 = await cpu(m), g1 = await cpu(g);
    if (i >= 0) { direct.push(a1 - a0); mid.push(m1 - m0); grand.push(g1 - g0); }
    await Promise.all([a.shutdown({ wait: true }), m.shutdown({ wait: true })]);
  }
} finally {
  await router.shutdown();
  rmSync(dir, { recursive: true, force: true });
}
/** Median and every run. */
const f = (xs: number[]) => `median ${median(xs).toFixed(1)} ms  [${xs.map((x) => x.toFixed(1)).join(' ')}]`;
console.log(`CPU time (all threads, process.cpuUsage) of the first call into a ${TREE_MODULES}-module tree, master caches warm, ${runs} runs`);
console.log(`  direct child:                       ${f(direct)}`);
console.log(`  intermediate, serving a grandchild: ${f(mid)}`);
console.log(`  that grandchild:                    ${f(grand)}`);
process.exit(0);
