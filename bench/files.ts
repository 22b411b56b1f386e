// File transfer (issue 13): local put and get of 1 GiB as a ratio to the raw pipe bandwidth
// measured in the same run (a bare node child writing 1 MiB buffers to its stdout, the master
// counting them), with the master's and the target's RSS growth and the round trip of calls
// made during the put; over the local sshd, tendril put against scp of the same file to the
// same account (compression off for both); a push to 8 contexts behind one intermediate,
// with the bytes that crossed the master's link (the push's count and /proc/self/io wchar).
// Usage: node --import tsx bench/files.ts [local MiB = 1024] [ssh and push MiB = 256]
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
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

/** MiB/s of `mib` MiB from a bare node child's stdout to here. */
function rawPipe(mib: number): Promise<number> {
  const code = `const b=Buffer.alloc(${MiB},7);let n=${mib};const w=()=>{while(n>0){n--;if(!process.stdout.write(b))return process.stdout.once('drain',w)}};w()`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let t0 = 0;
    let got = 0;
    child.stdout.on('data', (c: Buffer) => {
      if (t0 === 0) t0 = performance.now();
      got += c.byteLength;
    });
    child.on('error', reject);
    child.on('close', () => resolve(mbps(got, performance.now() - t0)));
  });
}

/** MiB/s of sha256 on this thread (256 KiB updates, as a transfer does on each side). */
function sha256Speed(mib: number): number {
  const piece = randomBytes(256 * 1024);
  const hash = createHash('sha256');
  const t0 = performance.now();
  for (let i = 0; i < mib * 4; i++) hash.update(piece);
  hash.digest();
  return mbps(mib * MiB, performance.now() - t0);
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
    const pipes: number[] = [];
    for (let i = 0; i < 3; i++) pipes.push(await rawPipe(LOCAL_MIB));
    const pipe = median(pipes);
    console.log(`\nfile transfer (bench/files.ts), ${LOCAL_MIB} MiB local, ${SSH_MIB} MiB over ssh and push`);
    line('raw pipe (node child -> master, median of 3)', `${pipe.toFixed(0)} MiB/s`);
    // Each side hashes every byte (size + sha256 verification): with the pipe's own copies,
    // that is what bounds a transfer on a machine with few cores.
    const sha = sha256Speed(256);
    line('sha256 on one thread', `${sha.toFixed(0)} MiB/s`, `${((sha / pipe) * 100).toFixed(0)}% of the raw pipe; a transfer hashes on both sides`);

    await using router = new Router({ printLogs: false });
    const ctx = await router.local({ name: 'bench-files' });
    const pid = Number((await ctx.exec('echo $PPID')).stdout.trim());
    // Warm up: FileService and its modules are loaded before the RSS baseline is taken.
    makeFile(join(dir, 'warm'), 4);
    await ctx.files.put(join(dir, 'warm'), join(dir, 'warm-put'));
    await ctx.files.get(join(dir, 'warm-put'), join(dir, 'warm-got'));
    const put = await measured(ctx, pid, () => ctx.files.put(big, join(dir, 'put')));
    line('local put', `${mbps(LOCAL_MIB * MiB, put.ms).toFixed(0)} MiB/s`, `${((mbps(LOCAL_MIB * MiB, put.ms) / pipe) * 100).toFixed(0)}% of the raw pipe (target >= 70%)`);
    line('  CPU s, master / target', `${put.cpu[0].toFixed(2)} / ${put.cpu[1].toFixed(2)} s`, 'user + system, all threads');
    line('  RSS growth, master / target', `${(put.masterRss / MiB).toFixed(1)} / ${(put.targetRss / MiB).toFixed(1)} MiB`, 'target < 64 MiB each');
    line('  call round trip during the put, median/p99/max', `${median(put.rtts).toFixed(1)}/${pct(put.rtts, 0.99).toFixed(1)}/${Math.max(...put.rtts).toFixed(1)} ms`, `${put.rtts.length} calls (target < 50 ms)`);
    rmSync(join(dir, 'put'), { force: true });
    const get = await measured(ctx, pid, () => ctx.files.get(big, join(dir, 'got')));
    line('local get', `${mbps(LOCAL_MIB * MiB, get.ms).toFixed(0)} MiB/s`, `${((mbps(LOCAL_MIB * MiB, get.ms) / pipe) * 100).toFixed(0)}% of the raw pipe`);
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
