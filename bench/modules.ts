// Modules on demand: the cold first call into a generated 100-module TypeScript tree in a fresh
// local child (master caches cold: a new Router each run), with the LOAD_MODULE round trips
// and bytes it cost, beside the same import + call run locally by tsx in a fresh process
// (tsx's transpile cache off, then on). Also the first call of a second fresh child once the
// master's caches are warm.
//
// Standalone: `npm run build && node --import tsx bench/modules.ts`. From bench/run.ts:
// `const m = await measureModules()` for the figures, or `await benchModules()` to print them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { localWithRetry } from './foundation.js';
import { median, msSince, now } from './stats.js';
import { Router, measured } from './tendril.js';

export const TREE_MODULES = 100;

export interface ModulesFigures {
  modules: number;
  /** Size of the generated .ts sources. */
  sourceKiB: number;
  /** First call into the tree in a fresh child, master caches cold (ms, one per run). */
  coldMs: number[];
  /** First call in a second fresh child of the same router: master caches warm (ms). */
  warmMasterMs: number[];
  /** LOAD_MODULE round trips and modules of one cold first call (the same every run). */
  requests: number;
  modulesSent: number;
  /** Reply bytes of one cold first call. */
  bytesSent: number;
  /** `await import(root)` + the call in a fresh `node --import tsx` process, in-process time (ms). */
  tsxColdMs: number[];
  tsxWarmMs: number[];
  /** Wall time of that whole process (spawn, tsx start, import, call, exit), tsx cache off (ms). */
  tsxProcessMs: number[];
}

/**
 * Writes `n` modules: util.ts, shared by all, and m0.ts..m{n-2}.ts, a binary tree (module i
 * imports 2i+1 and 2i+2), each with an interface, a class, a few functions and types.
 * Returns the root's path and the total source size.
 */
export function writeModuleTree(dir: string, n: number): { root: string; bytes: number } {
  let bytes = 0;
  const write = (name: string, text: string): void => {
    writeFileSync(join(dir, name), text);
    bytes += Buffer.byteLength(text);
  };
  write(
    'util.ts',
    `export type Num = number & { readonly __brand?: 'num' };
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
export function checksum(values: readonly number[]): number {
  let h = 17;
  for (const v of values) h = (h * 31 + v) % 1_000_003;
  return h;
}
`,
  );
  const tree = n - 1;
  for (let i = 0; i < tree; i++) {
    const kids = [2 * i + 1, 2 * i + 2].filter((k) => k < tree);
    write(
      `m${i}.ts`,
      `// Generated module ${i} of ${tree}.
import { checksum, clamp, type Num } from './util.js';
${kids.map((k) => `import * as m${k} from './m${k}.js';`).join('\n')}

export interface Node${i} {
  id: number;
  label: string;
  weight: Num;
  children: readonly number[];
}

export class Counter${i} {
  private hits = 0;
  constructor(private readonly step: number = ${(i % 7) + 1}) {}
  hit(): number {
    this.hits += this.step;
    return this.hits;
  }
}

export const node: Node${i} = { id: ${i}, label: 'node-${i}', weight: ${i % 10}, children: [${kids.join(', ')}] };

export function total(): number {
  return node.id${kids.map((k) => ` + m${k}.total()`).join('')};
}

export function count(): number {
  return 1${kids.map((k) => ` + m${k}.count()`).join('')};
}

export function describe(depth: number = 0): string[] {
  const own = \`\${'  '.repeat(depth)}\${node.label} (\${clamp(node.weight, 0, 9)})\`;
  return [own${kids.map((k) => `, ...m${k}.describe(depth + 1)`).join('')}];
}

export function signature(): number {
  const c = new Counter${i}();
  return checksum([node.id, c.hit(), c.hit()${kids.map((k) => `, m${k}.signature()`).join('')}]);
}
`,
    );
  }
  return { root: join(dir, 'm0.ts'), bytes };
}

/** The script tsx runs: import the tree, call, print the in-process time. */
function writeLocalScript(dir: string, root: string): string {
  const script = join(dir, 'run-local.mjs');
  writeFileSync(
    script,
    `const t0 = performance.now();
const m = await import(${JSON.stringify(pathToFileURL(root).href)});
const result = m.signature();
console.log(JSON.stringify({ ms: performance.now() - t0, result }));
`,
  );
  return script;
}

function runTsx(script: string, cache: boolean): Promise<{ ms: number; wallMs: number; result: number }> {
  const t0 = now();
  const env = { ...process.env };
  if (cache) delete env.TSX_DISABLE_CACHE;
  else env.TSX_DISABLE_CACHE = '1';
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', script], { env, cwd: process.cwd() }, (error, stdout, stderr) => {
      const wallMs = msSince(t0);
      if (error) return reject(new Error(`tsx run failed: ${stderr || error.message}`));
      const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { ms: number; result: number };
      resolve({ ms: out.ms, wallMs, result: out.result });
    });
  });
}

/** One cold run: new Router (cold master caches), fresh child, first call timed; then a second fresh child. */
async function tendrilRun(root: string, i: number): Promise<{ coldMs: number; warmMs: number; result: number; stats: { requests: number; modulesSent: number; bytesSent: number } }> {
  const router = new Router({ printLogs: false });
  try {
    const first = await localWithRetry(router, `modules${i}`);
    const t0 = now();
    const result = (await first.call(root, 'signature')) as number;
    const coldMs = msSince(t0);
    const { requests, modulesSent, bytesSent } = router.moduleStats;
    const second = await localWithRetry(router, `modules${i}b`);
    const t1 = now();
    await second.call(root, 'signature');
    const warmMs = msSince(t1);
    return { coldMs, warmMs, result, stats: { requests, modulesSent, bytesSent } };
  } finally {
    await router.shutdown();
  }
}

export async function measureModules(runs = 5): Promise<ModulesFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'tendril-bench-modules-'));
  try {
    const { root, bytes } = writeModuleTree(dir, TREE_MODULES);
    const script = writeLocalScript(dir, root);
    const figures: ModulesFigures = {
      modules: TREE_MODULES,
      sourceKiB: bytes / 1024,
      coldMs: [],
      warmMasterMs: [],
      requests: 0,
      modulesSent: 0,
      bytesSent: 0,
      tsxColdMs: [],
      tsxWarmMs: [],
      tsxProcessMs: [],
    };
    // Warm-up of both sides (esbuild service, tsx, disk cache of the files), not recorded.
    await tendrilRun(root, -1);
    await runTsx(script, false);
    // Alternated, so drift and other load hit both alike.
    for (let i = 0; i < runs; i++) {
      const t = await tendrilRun(root, i);
      const cold = await runTsx(script, false);
      const warm = await runTsx(script, true);
      if (t.result !== cold.result || cold.result !== warm.result) {
        throw new Error(`the child and tsx disagree: ${t.result} vs ${cold.result} / ${warm.result}`);
      }
      figures.coldMs.push(t.coldMs);
      figures.warmMasterMs.push(t.warmMs);
      figures.requests = t.stats.requests;
      figures.modulesSent = t.stats.modulesSent;
      figures.bytesSent = t.stats.bytesSent;
      figures.tsxColdMs.push(cold.ms);
      figures.tsxWarmMs.push(warm.ms);
      figures.tsxProcessMs.push(cold.wallMs);
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** Measures and prints the modules-on-demand figures. */
export async function benchModules(runs = 5): Promise<ModulesFigures> {
  const m = await measureModules(runs);
  const cold = median(m.coldMs);
  const tsxCold = median(m.tsxColdMs);
  console.log(`\nmodules on demand (${measured}): first call into a ${m.modules}-module TypeScript tree (${fmt(m.sourceKiB)} KiB of .ts), median of ${m.coldMs.length}`);
  console.log(`  tendril, fresh child, master caches cold: ${fmt(cold)} ms  (${m.requests} LOAD_MODULE round trip${m.requests === 1 ? '' : 's'}, ${m.modulesSent} modules, ${fmt(m.bytesSent / 1024)} KiB sent)`);
  console.log(`  tendril, fresh child, master caches warm: ${fmt(median(m.warmMasterMs))} ms`);
  console.log(`  tsx locally, import + call, cache off:    ${fmt(tsxCold)} ms  (whole process ${fmt(median(m.tsxProcessMs))} ms)`);
  console.log(`  tsx locally, import + call, cache on:     ${fmt(median(m.tsxWarmMs))} ms`);
  console.log(`  ratio tendril cold / tsx cold: ${fmt(cold / tsxCold, 2)}x`);
  return m;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchModules()
    .catch((e: unknown) => console.error('bench failed:', e))
    .finally(() => process.exit(0));
}
