// File transfer (issue 13): local put and get of 1 GiB as a ratio to the raw pipe bandwidth
// measured in the same run (a bare node child writing 1 MiB buffers to its stdout, the master
// counting them) and to the bound the CPU a verified transfer needs gives on this machine's
// cores (the raw pipe's two ends, sha256 on each side, the file's read and write, each measured
// here: measureParts), with the master's and the target's RSS growth and the round trip of calls
// made during the put; over the local sshd, tendril put against scp of the same file to the
// same account (compression off for both); a push to 8 contexts behind one intermediate,
// with the bytes that crossed the master's link (the push's count and /proc/self/io wchar).
// Usage: node --import tsx bench/files.ts [local MiB = 1024] [ssh and push MiB = 256]
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync, chmodSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CHUNK_SIZE } from '../src/files/chunk-protocol.js';
import { Router, isMain, type Context } from '../src/index.js';
import { HOST_A, KEY, KNOWN_HOSTS, PORT } from '../test/hosts/hosts.js';
import { median } from './stats.js';

const MiB = 1 << 20;

function makeFile(path: string, mib: number): void {
  const fd = openSync(path, 'w', 0o644);
  const piece = randomBytes(4 * MiB);
  // Random, but not all alike: each 4 MiB piece is changed a little.
  for (let i = 0; i < mib / 4; i++) {
    piece.writeUInt32LE(i, 0);
    writeSync(fd, piece);
  }
  closeSync(fd);
}

const mbps = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);
const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
/** CPU seconds (user + system, all threads) of a process so far. */
const cpuOf = (pid: number | 'self'): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const wchar = (): number => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

/** Wall MiB/s and CPU seconds of each end (user + system) of `mib` MiB from a bare node child's stdout to here. */
function rawPipe(mib: number): Promise<{ mibps: number; writerCpu: number; readerCpu: number }> {
  // The child reports its own CPU from its first write to its last one's drain. This end reads
  // with 'data' events, as the master reads a child's channel (a child reads its own fd into
  // each frame's buffer: less).
  const code = `const b=Buffer.alloc(${MiB},7);let n=${mib};const c0=process.cpuUsage();const w=()=>{while(n>0){n--;if(!process.stdout.write(b))return process.stdout.once('drain',w)}process.stdout.end(()=>{const c=process.cpuUsage(c0);require('fs').writeSync(2,JSON.stringify(c))})};w()`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let t0 = 0;
    let c0 = process.cpuUsage();
    let got = 0;
    let report = '';
    child.stdout.on('data', (c: Buffer) => {
      if (t0 === 0) {
        t0 = performance.now();
        c0 = process.cpuUsage();
      }
      got += c.byteLength;
    });
    child.stderr.on('data', (c: Buffer) => (report += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const c = process.cpuUsage(c0);
      const w = JSON.parse(report || '{"user":NaN,"system":NaN}') as NodeJS.CpuUsage;
      resolve({ mibps: mbps(got, performance.now() - t0), writerCpu: (w.user + w.system) / 1e6, readerCpu: (c.user + c.system) / 1e6 });
    });
  });
}

/** CPU seconds (user + system, every thread of this process) that `fn` takes. */
function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** CPU seconds of reading `path` whole with positional reads of `chunk` bytes (from the page cache, as a transfer reads it). */
function readCpu(path: string, chunk: number): number {
  const buf = Buffer.allocUnsafe(chunk);
  const fd = openSync(path, 'r');
  try {
    return cpuSeconds(() => {
      for (let at = 0, n = 1; n > 0; at += n) n = readSync(fd, buf, 0, chunk, at);
    });
  } finally {
    closeSync(fd);
  }
}

/** CPU seconds of writing `mib` MiB into a new file `path` with positional writes of `chunk` bytes (then removed). */
function writeCpu(path: string, mib: number, chunk: number): number {
  const buf = randomBytes(chunk);
  const fd = openSync(path, 'wx', 0o644);
  try {
    return cpuSeconds(() => {
      for (let at = 0; at < mib * MiB; at += chunk) writeSync(fd, buf, 0, chunk, at);
    });
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/**
 * What a verified transfer cannot do without, in CPU seconds per GiB, measured here: the raw
 * pipe's two ends, sha256 (once on each side), reading the source file and writing the copy
 * (same filesystem). The bound: N cores share that work at best, and one file's sha256 is
 * one serial stream (one thread), as is the pipe.
 */
interface Parts {
  pipeWriter: number;
  pipeReader: number;
  sha256: number;
  read: number;
  write: number;
  /** Sum: CPU seconds per GiB a transfer needs. */
  need: number;
  cores: number;
  /** MiB/s: min(cores / need, sha256 on one thread, raw pipe). */
  bound: number;
}

/** MiB/s and CPU seconds of sha256 over `mib` MiB on this thread (chunk-sized updates, as a transfer does on each side). */
function sha256Speed(mib: number, chunk: number): { mibps: number; cpu: number } {
  const piece = randomBytes(chunk);
  const hash = createHash('sha256');
  const n = Math.round((mib * MiB) / chunk);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) hash.update(piece);
  hash.digest();
  const c = process.cpuUsage(c0);
  return { mibps: mbps(n * chunk, performance.now() - t0), cpu: (c.user + c.system) / 1e6 };
}

/** The parts of a transfer measured one by one (3 rounds each, medians), and the bound they give. */
export async function measureParts(dir: string, big: string, mib: number): Promise<Parts & { pipe: number; sha: number }> {
  const gib = mib / 1024;
  const pipes: { mibps: number; writerCpu: number; readerCpu: number }[] = [];
  const shas: { mibps: number; cpu: number }[] = [];
  const reads: number[] = [];
  const writes: number[] = [];
  for (let i = 0; i < 3; i++) {
    pipes.push(await rawPipe(mib));
    shas.push(sha256Speed(Math.min(mib, 512), CHUNK_SIZE));
    reads.push(readCpu(big, CHUNK_SIZE) / gib);
    writes.push(writeCpu(join(dir, 'write-cost'), mib, CHUNK_SIZE) / gib);
  }
  const pipe = median(pipes.map((p) => p.mibps));
  const sha = median(shas.map((s) => s.mibps));
  const parts = {
    pipeWriter: median(pipes.map((p) => p.writerCpu / gib)),
    pipeReader: median(pipes.map((p) => p.readerCpu / gib)),
    sha256: median(shas.map((s) => s.cpu / (Math.min(mib, 512) / 1024))),
    read: median(reads),
    write: median(writes),
  };
  const need = parts.pipeWriter + parts.pipeReader + 2 * parts.sha256 + parts.read + parts.write;
  const cores = availableParallelism();
  const bound = Math.min((cores / need) * 1024, sha, pipe);
  return { ...parts, need, cores, bound, pipe, sha };
}

/** Times a transfer while sampling RSS of the master and the target and timing calls to the target. */
async function measured(ctx: Context, pid: number, run: () => PromiseLike<unknown>): Promise<{ ms: number; masterRss: number; targetRss: number; rtts: number[]; cpu: [number, number] }> {
  const base = { master: process.memoryUsage().rss, target: rssOf(pid) };
  const cpu0 = [cpuOf('self'), cpuOf(pid)];
  let peak = { ...base };
  const sampler = setInterval(() => {
    peak = { master: Math.max(peak.master, process.memoryUsage().rss), target: Math.max(peak.target, rssOf(pid)) };
  }, 50);
  let running = true;
  const rtts: number[] = [];
  const pinger = (async () => {
    while (running) {
      const t = performance.now();
      await ctx.call('node:os', 'uptime');
      rtts.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const cpu: [number, number] = [cpuOf('self') - cpu0[0]!, cpuOf(pid) - cpu0[1]!];
  running = false;
  clearInterval(sampler);
  await pinger;
  return { ms, masterRss: peak.master - base.master, targetRss: peak.target - base.target, rtts, cpu };
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
const line = (label: string, value: string, note = ''): void => console.log(`${label.padEnd(46)} ${value.padStart(14)}  ${note}`);

/** Prints the figures (npm run bench runs it after the others). */
export async function benchFiles(LOCAL_MIB = 1024, SSH_MIB = 256): Promise<void> {
  const dir = mkdtempSync('/var/tmp/tendril-bench-files-');
  chmodSync(dir, 0o1777);
  try {
    const big = join(dir, 'big');
    makeFile(big, LOCAL_MIB);
    const parts = await measureParts(dir, big, LOCAL_MIB);
    const pipe = parts.pipe;
    const gib = (x: number): string => `${x.toFixed(2)} s/GiB`;
    console.log(`\nfile transfer (bench/files.ts), ${LOCAL_MIB} MiB local, ${SSH_MIB} MiB over ssh and push`);
    line('raw pipe (node child -> master, median of 3)', `${pipe.toFixed(0)} MiB/s`, `CPU writer ${gib(parts.pipeWriter)}, reader ${gib(parts.pipeReader)}`);
    // Each side hashes every byte (size + sha256 verification): with the pipe's own copies and
    // the file's read and write, that is the CPU a transfer cannot do without.
    line('sha256 on one thread', `${parts.sha.toFixed(0)} MiB/s`, `${gib(parts.sha256)}; ${((parts.sha / pipe) * 100).toFixed(0)}% of the raw pipe; a transfer hashes on both sides`);
    line('file read / write (page cache, this filesystem)', `${parts.read.toFixed(2)} / ${parts.write.toFixed(2)}`, `CPU s/GiB, ${(CHUNK_SIZE / 1024).toFixed(0)} KiB positional reads and writes`);
    line('CPU a verified transfer needs', gib(parts.need), 'pipe both ends + 2 x sha256 + read + write');
    line(`bound on ${parts.cores} cores given the CPU it needs`, `${parts.bound.toFixed(0)} MiB/s`, `${((parts.bound / pipe) * 100).toFixed(0)}% of the raw pipe`);

    await using router = new Router({ printLogs: false });
    const ctx = await router.local({ name: 'bench-files' });
    const pid = Number((await ctx.exec('echo $PPID')).stdout.trim());
    // Warm up: FileService and its modules are loaded before the RSS baseline is taken.
    makeFile(join(dir, 'warm'), 4);
    await ctx.files.put(join(dir, 'warm'), join(dir, 'warm-put'));
    await ctx.files.get(join(dir, 'warm-put'), join(dir, 'warm-got'));
    const put = await measured(ctx, pid, () => ctx.files.put(big, join(dir, 'put')));
    const putRate = mbps(LOCAL_MIB * MiB, put.ms);
    line('local put', `${putRate.toFixed(0)} MiB/s`, `${((putRate / pipe) * 100).toFixed(0)}% of the raw pipe (target >= 70%)`);
    line('  of the bound', `${((putRate / parts.bound) * 100).toFixed(0)}%`, `bound ${parts.bound.toFixed(0)} MiB/s on ${parts.cores} cores`);
    line('  CPU s/GiB, master + target', gib((put.cpu[0] + put.cpu[1]) / (LOCAL_MIB / 1024)), `the parts need ${gib(parts.need)}`);
    line('  CPU s, master / target', `${put.cpu[0].toFixed(2)} / ${put.cpu[1].toFixed(2)} s`, 'user + system, all threads');
    line('  RSS growth, master / target', `${(put.masterRss / MiB).toFixed(1)} / ${(put.targetRss / MiB).toFixed(1)} MiB`, 'target < 64 MiB each');
    line('  call round trip during the put, median/p99/max', `${median(put.rtts).toFixed(1)}/${pct(put.rtts, 0.99).toFixed(1)}/${Math.max(...put.rtts).toFixed(1)} ms`, `${put.rtts.length} calls (target < 50 ms)`);
    rmSync(join(dir, 'put'), { force: true });
    const get = await measured(ctx, pid, () => ctx.files.get(big, join(dir, 'got')));
    const getRate = mbps(LOCAL_MIB * MiB, get.ms);
    line('local get', `${getRate.toFixed(0)} MiB/s`, `${((getRate / pipe) * 100).toFixed(0)}% of the raw pipe`);
    line('  of the bound', `${((getRate / parts.bound) * 100).toFixed(0)}%`);
    line('  CPU s/GiB, master + target', gib((get.cpu[0] + get.cpu[1]) / (LOCAL_MIB / 1024)));
    line('  CPU s, master / target', `${get.cpu[0].toFixed(2)} / ${get.cpu[1].toFixed(2)} s`, 'user + system, all threads');
    line('  RSS growth, master / target', `${(get.masterRss / MiB).toFixed(1)} / ${(get.targetRss / MiB).toFixed(1)} MiB`);
    line('  call round trip during the get, median/p99/max', `${median(get.rtts).toFixed(1)}/${pct(get.rtts, 0.99).toFixed(1)}/${Math.max(...get.rtts).toFixed(1)} ms`, `${get.rtts.length} calls`);
    rmSync(join(dir, 'got'), { force: true });

    const mid = join(dir, 'mid');
    makeFile(mid, SSH_MIB);
    try {
      const ssh = await router.ssh({ hostname: HOST_A, port: PORT, username: 'carol', identityFile: KEY, knownHostsFile: KNOWN_HOSTS, compression: false, name: 'carol' });
      const t0 = performance.now();
      await ssh.files.put(mid, join(dir, 'ssh-put'));
      const tendrilMs = performance.now() - t0;
      const t1 = performance.now();
      execFileSync('scp', ['-q', '-o', 'Compression=no', '-i', KEY, '-o', `UserKnownHostsFile=${KNOWN_HOSTS}`, '-P', String(PORT), mid, `carol@${HOST_A}:${join(dir, 'scp-put')}`]);
      const scpMs = performance.now() - t1;
      line('ssh put (carol@127.0.0.2, no compression)', `${mbps(SSH_MIB * MiB, tendrilMs).toFixed(0)} MiB/s`, `${tendrilMs.toFixed(0)} ms`);
      line('scp of the same file to the same account', `${mbps(SSH_MIB * MiB, scpMs).toFixed(0)} MiB/s`, `${scpMs.toFixed(0)} ms: tendril ${tendrilMs >= scpMs ? `takes ${((tendrilMs / scpMs - 1) * 100).toFixed(0)}% longer` : `is ${((1 - tendrilMs / scpMs) * 100).toFixed(0)}% faster`} (target within 10%)`);
    } catch (e) {
      line('ssh put vs scp', 'n/a', `test hosts not up (test/hosts/up.sh): ${(e as Error).message.split('\n')[0]}`);
    }

    const i1 = await router.local({ name: 'push-mid' });
    const targets = await Promise.all(Array.from({ length: 8 }, (_, n) => router.local({ name: `push-${n}`, via: i1 })));
    const before = wchar();
    const t2 = performance.now();
    const pushed = await router.files.push(targets, mid, join(dir, 'pushed'));
    const pushMs = performance.now() - t2;
    const written = wchar() - before;
    line('push to 8 contexts behind 1 intermediate', `${(pushMs / 1000).toFixed(2)} s`, `${mbps(SSH_MIB * MiB * 8, pushMs).toFixed(0)} MiB/s of copies`);
    line("  bytes on the master's link (push's count)", `${(pushed.bytes / (SSH_MIB * MiB)).toFixed(2)} copies`, 'target: 1');
    line("  the master's writes during the push (wchar)", `${(written / (SSH_MIB * MiB)).toFixed(2)} copies`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta)) await benchFiles(Number(process.argv[2] ?? 1024), Number(process.argv[3] ?? 256));
