// Scale from one master (issue 12 part 5): 300 local contexts through 3 intermediates (100
// each), started concurrently and called once each, beside the limit 300 x a bare
// `node -e ''` start / cores; the master's CPU time and RSS growth per context. Then 20
// contexts over the local sshd with each ssh transport.
// Run alone with `node --import tsx bench/scale.ts [--no-ssh]`, or through bench/run.ts.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { bareSpawnMs, startCpuMs } from './limits.js';
import { median, msSince, now, sleep } from './stats.js';
import { Router, type Context } from './tendril.js';

export interface ScaleRun {
  label: string;
  contexts: number;
  ms: number;
  /** The physical limit for the same work, in ms (see each run's note). */
  limitMs: number;
  /** Master CPU (user + system) per context, ms. */
  cpuMsPerContext: number;
  /** Master RSS growth per context, KiB (after all were started and called, before shutdown). */
  rssKiBPerContext: number;
  /** Master heap growth per context, KiB (after a GC when exposed). */
  heapKiBPerContext: number;
  /** Contexts that failed to start or to answer. */
  failures: string[];
}

// A full GC before each heap reading, without needing node --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function measure(label: string, contexts: number, limitMs: number, run: (router: Router) => Promise<string[]>): Promise<ScaleRun> {
  gc();
  await sleep(50);
  const rss0 = process.memoryUsage.rss();
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const router = new Router({ printLogs: false });
  const t0 = now();
  const failures = await run(router);
  const ms = msSince(t0);
  const cpu = process.cpuUsage(cpu0);
  gc();
  const rss1 = process.memoryUsage.rss();
  const heap1 = process.memoryUsage().heapUsed;
  await router.shutdown();
  return {
    label,
    contexts,
    ms,
    limitMs,
    cpuMsPerContext: (cpu.user + cpu.system) / 1000 / contexts,
    rssKiBPerContext: (rss1 - rss0) / 1024 / contexts,
    heapKiBPerContext: (heap1 - heap0) / 1024 / contexts,
    failures,
  };
}

/** Settles every promise; the rejections' first lines. */
async function failuresOf(ps: Promise<unknown>[]): Promise<string[]> {
  const out = await Promise.allSettled(ps);
  return out.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error)?.message ?? r.reason).split('\n')[0]!] : []));
}

/** 300 local contexts through 3 intermediates, all started at once, each called once. */
export async function localTree(intermediates = 3, perIntermediate = 100): Promise<ScaleRun> {
  const cores = availableParallelism();
  const bare = median(await bareSpawnMs(10));
  const n = intermediates * perIntermediate;
  return measure(`${n} local via ${intermediates} intermediates`, n, (n * bare) / cores, async (router) => {
    const mids = await Promise.all(Array.from({ length: intermediates }, (_, i) => router.local({ name: `mid${i}` })));
    const leaves = mids.flatMap((via, i) =>
      Array.from({ length: perIntermediate }, (_, j) => router.local({ name: `leaf${i}.${j}`, via }).then((c: Context) => c.call('node:os', 'uptime'))),
    );
    return failuresOf(leaves);
  });
}

const STATE_DIR = process.env.TENDRIL_HOSTS_DIR ?? '/var/lib/tendril-test-hosts';
const KEY = `${STATE_DIR}/client/id_ed25519`;
const SSH = { hostname: '127.0.0.2', port: 2222, username: 'alice', identityFile: KEY, knownHostsFile: `${STATE_DIR}/client/known_hosts` };

/** Wall time of `ssh host node -e ''` with the same key (the openssh limit), ms. */
async function bareSshMs(): Promise<number> {
  const { spawn } = await import('node:child_process');
  const args = ['-i', SSH.identityFile, '-o', `UserKnownHostsFile=${SSH.knownHostsFile}`, '-o', 'BatchMode=yes', '-p', String(SSH.port), `${SSH.username}@${SSH.hostname}`, "node -e ''"];
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = now();
    await new Promise<void>((resolve) => spawn('ssh', args, { stdio: 'ignore' }).once('exit', () => resolve()));
    xs.push(msSince(t0));
  }
  return median(xs);
}

/** `n` contexts over the local sshd with one transport, started at once, each called. */
export async function overSsh(transport: 'openssh' | 'ssh2', n = 20): Promise<ScaleRun | string> {
  if (!existsSync(KEY)) return `skipped: no test hosts (${KEY} missing: test/hosts/up.sh)`;
  const cores = availableParallelism();
  const limit = (n * (await bareSshMs())) / cores;
  return measure(`${n} over ssh (${transport})`, n, limit, async (router) =>
    failuresOf(Array.from({ length: n }, (_, i) => router.ssh({ ...SSH, transport, name: `ssh${i}` }).then((c: Context) => c.call('node:os', 'uptime')))),
  );
}

export function describeRun(r: ScaleRun): string {
  const failed = r.failures.length ? `; ${r.failures.length} FAILED: ${[...new Set(r.failures)].slice(0, 3).join(' | ')}` : '';
  return (
    `${r.label}: ${r.ms.toFixed(0)} ms vs ${r.limitMs.toFixed(0)} ms (${(r.ms / r.limitMs).toFixed(2)}x); ` +
    `master CPU ${r.cpuMsPerContext.toFixed(2)} ms/context, RSS +${r.rssKiBPerContext.toFixed(0)} KiB/context, heap +${r.heapKiBPerContext.toFixed(0)} KiB/context${failed}`
  );
}

/** The 300-context figure of the last benchScale() run (bench/simulation.ts prints it beside its model). */
export let lastLocalTree: ScaleRun | undefined;

export async function benchScale(withSsh = true): Promise<void> {
  console.log('\nscale from one master (targets: <= 1.3x the limit, master RSS <= 1 MiB per context)');
  const local = await localTree();
  lastLocalTree = local;
  console.log(`  ${describeRun(local)}`);
  console.log(`    limit = 300 x bare node -e '' start / ${availableParallelism()} cores; ratio ${(local.ms / local.limitMs).toFixed(2)}x (target <= 1.3x): ${local.ms / local.limitMs <= 1.3 ? 'PASS' : 'MISS'}; RSS ${(local.rssKiBPerContext / 1024).toFixed(2)} MiB/context (target <= 1): ${local.rssKiBPerContext <= 1024 ? 'PASS' : 'MISS'}`);
  // The CPU a start needs bounds the wall time of 300 starts on few cores: the design's floor.
  const bareCpu = median(await startCpuMs('bare', 10));
  const twoCpu = median(await startCpuMs('two-threads', 10));
  console.log(
    `    CPU per start: bare node ${bareCpu.toFixed(1)} ms, node + one worker thread posting a message ${twoCpu.toFixed(1)} ms: ` +
      `with the dispatcher thread a child needs (DESIGN.md), 300 starts cost at least ${(twoCpu / bareCpu).toFixed(2)}x the limit; tendril = ${(local.ms / local.limitMs / (twoCpu / bareCpu)).toFixed(2)}x that floor`,
  );
  if (!withSsh) return;
  for (const transport of ['openssh', 'ssh2'] as const) {
    const r = await overSsh(transport);
    console.log(`  ${typeof r === 'string' ? `20 over ssh (${transport}): ${r}` : describeRun(r)}`);
  }
  console.log("    ssh limit = 20 x `ssh host node -e ''` (same key) / cores");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchScale(!process.argv.includes('--no-ssh'));
  process.exit(0);
}
