// A local get (child -> master) of one file, against one or more builds of tendril given as
// their dist directories, alternated round after round: wall time, and CPU seconds of the
// master (process.cpuUsage, all threads) and of the serving child (/proc/<pid>/stat), with
// medians. The master's system time includes its writes into the page cache, which on this VM
// cost 0.2 to 1.8 s per GiB depending on whether the guest's free pages are backed (perf: the
// copy into a fresh page cache page), whatever tendril does: its user time is the steadier
// figure of what tendril costs. Small enough to run under `node --cpu-prof` or `--trace-gc` for one build.
// Usage: node --import tsx bench/files-get.ts [--mib 1024] [--rounds 3] [--put] [--prime] dist [dist...]
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats.js';

const MiB = 1 << 20;

interface Ctx {
  exec(cmd: string): PromiseLike<{ stdout: string }>;
  files: {
    get(remote: string, local: string): PromiseLike<unknown>;
    put(local: string, remote: string): PromiseLike<unknown>;
  };
}
interface RouterLike {
  local(o: { name: string }): Promise<Ctx>;
  disconnectAll(): Promise<void>;
}

function makeFile(path: string, mib: number): void {
  const fd = openSync(path, 'w', 0o644);
  const piece = randomBytes(4 * MiB);
  for (let i = 0; i < Math.ceil(mib / 4); i++) {
    piece.writeUInt32LE(i, 0);
    writeSync(fd, piece);
  }
  closeSync(fd);
}

/** CPU seconds (user + system, all threads) of a process so far. */
const cpuOf = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
/** This process's CPU seconds so far: [user, system] (all threads). */
const selfCpu = (): [number, number] => {
  const c = process.cpuUsage();
  return [c.user / 1e6, c.system / 1e6];
};

/** User and system CPU seconds of each thread of this process. */
function threads(pid: number | 'self' = 'self'): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const f = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' ');
    out.set(t, [Number(f[11]) / 100, Number(f[12]) / 100]);
  }
  return out;
}

const args = process.argv.slice(2);
let mib = 1024;
let rounds = 3;
let put = false;
let prime = false;
const dists: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mib') mib = Number(args[++i]);
  else if (args[i] === '--rounds') rounds = Number(args[++i]);
  else if (args[i] === '--put') put = true;
  else if (args[i] === '--prime') prime = true;
  else dists.push(resolve(args[i]!));
}
if (dists.length === 0) dists.push(resolve('dist'));

const dir = mkdtempSync('/var/tmp/tendril-bench-get-');
chmodSync(dir, 0o1777);
const big = join(dir, 'big');
makeFile(big, mib);
const results = new Map<string, { ms: number[]; master: number[]; user: number[]; child: number[] }>(dists.map((d) => [d, { ms: [], master: [], user: [], child: [] }]));
try {
  const routers = new Map<string, { router: RouterLike; ctx: Ctx; pid: number }>();
  for (const d of dists) {
    const mod = (await import(pathToFileURL(join(d, 'index.js')).href)) as { Router: new (o: object) => RouterLike };
    const router = new mod.Router({ printLogs: false });
    const ctx = await router.local({ name: 'bench-get' });
    const pid = Number((await ctx.exec('echo $PPID')).stdout.trim());
    makeFile(join(dir, 'warm'), 4);
    await ctx.files.get(join(dir, 'warm'), join(dir, 'warm-got'));
    await ctx.files.put(join(dir, 'warm'), join(dir, 'warm-put'));
    rmSync(join(dir, 'warm-got'));
    rmSync(join(dir, 'warm-put'));
    routers.set(d, { router, ctx, pid });
  }
  for (let r = 0; r < rounds; r++) {
    // ABBA: the page cost above goes with a run's place in the sequence (with two builds
    // alternated A B A B, the one in the first place paid ~2 s per GiB more in every round, for
    // put and get alike): reversing every other round gives each build both places.
    for (const d of r % 2 === 0 ? dists : [...dists].reverse()) {
      const { ctx, pid } = routers.get(d)!;
      const out = join(dir, 'out');
      // The kernel's cost of a file's fresh pages depends on what was freed just before (on this
      // VM a round after a large unlink costs the writer ~0.2 s of system time per GiB, others up
      // to ~2 s): with --prime, each round follows the write and unlink of a file of the same size.
      if (prime) {
        makeFile(join(dir, 'prime'), mib);
        rmSync(join(dir, 'prime'));
      }
      const m0 = selfCpu();
      const c0 = cpuOf(pid);
      const th0 = threads();
      const ch0 = threads(pid);
      const t0 = performance.now();
      if (put) await ctx.files.put(big, out);
      else await ctx.files.get(big, out);
      const ms = performance.now() - t0;
      const res = results.get(d)!;
      res.ms.push(ms);
      const m1 = selfCpu();
      res.master.push(m1[0] - m0[0] + m1[1] - m0[1]);
      res.user.push(m1[0] - m0[0]);
      res.child.push(cpuOf(pid) - c0);
      rmSync(out);
      if (process.env.THREADS) {
        // CPU per thread of this process in this round (user/system), threads that ran only.
        const show = (a: Map<string, [number, number]>, b: Map<string, [number, number]>): string =>
          [...b].map(([t, [u, y]]) => [t, u - (a.get(t)?.[0] ?? 0), y - (a.get(t)?.[1] ?? 0)] as const).filter(([, u, y]) => u + y > 0.02).map(([t, u, y]) => `${t}:${u.toFixed(2)}/${y.toFixed(2)}`).join(' ');
        console.log(`  master threads user/system s: ${show(th0, threads())}`);
        console.log(`  child threads user/system s: ${show(ch0, threads(pid))}`);
      }
      console.log(`${d.padEnd(40)} round ${r}: ${((mib / ms) * 1000).toFixed(0)} MiB/s, master ${res.master.at(-1)!.toFixed(2)} s (user ${res.user.at(-1)!.toFixed(2)}), child ${res.child.at(-1)!.toFixed(2)} s`);
    }
  }
  for (const { router } of routers.values()) await router.disconnectAll();

  const gib = mib / 1024;
  for (const [d, res] of results) {
    console.log(`${put ? 'put' : 'get'} ${d}: median ${((mib / median(res.ms)) * 1000).toFixed(0)} MiB/s, master ${(median(res.master) / gib).toFixed(2)} s/GiB (user ${(median(res.user) / gib).toFixed(2)}), child ${(median(res.child) / gib).toFixed(2)} s/GiB (${rounds} rounds)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
