// A 64 MiB call argument to a local child, stage by stage (issue 12: >= 70% of the raw
// one-way pipe in the same run). Run: node --import tsx bench/big-frame-stages.ts
//
// Part 1 (alone: --end-to-end; without the results: --argument-only), end to end (alternated rounds, medians): the raw one-way transfer (a peer counting
// bytes, and one gathering them into a fresh Buffer), then a 64 MiB argument and a 64 MiB
// result through each build given in BIGFRAME_BUILDS (comma-separated paths of a dist/index.js;
// default: this worktree's dist/index.js), with CPU ms per call of the master and of the
// child's threads (/proc schedstat). Giving an older build's dist beside this one compares
// them in the same run.
//
// Part 2 (alone: --stages), the stages of the argument's path, each alone in this process, with src/ modules:
// master encode (gathered pieces), the pieces' write to a counting peer, the child's read and
// assembly (a Stream reading an fd, as the broker does, fed by a peer writing one frame)
// beside a bare 'data' reader of the same bytes, the hop to a worker thread (transfer), decode.
//
// What it showed (2026-12-02, 2 vCPUs in a VM, load 5-28; the path already had no user-space
// copy of a big argument: gathered writes, reads straight into the frame, transfer to the worker):
// - Faulting in a fresh 64 MiB buffer costs 50-130 ms here (0.5-1.3 GB/s), as much as or more
//   than the raw transfer (~45 ms): perf on the child's main thread during 64 MiB calls,
//   page-fault paths ~35% of all samples, the copy out of the pipe 4.5%, V8 marking (on its
//   helper threads, from the external memory of each frame) ~13%. The collecting peer (fresh
//   buffer + one copy) reaches 46-56% of the counting one; tendril's argument 30-68% (noise).
//   Only memory that is already faulted beats this: reused buffers (the earlier spare frame) or
//   huge pages. GLIBC_TUNABLES=glibc.malloc.hugetlb=1 in the child's env (THP through
//   madvise) cut the child's main-thread CPU per call 35 -> 13 ms and the median call 100 ->
//   57 ms, but 3 calls in 15 stalled 344-514 ms (direct compaction, defrag=madvise) and the
//   child's RSS after 15 calls was 191 MiB vs 127 MiB: not adopted.
// - Adopted (src/core/links/prefault.ts): a frame of 32 MiB or more is read into a
//   SharedArrayBuffer whose pages the dispatcher thread faults in meanwhile (9 runs of 11-15
//   alternated rounds with the build before, --argument-only: medians of the runs' medians 1309
//   -> 1659 MiB/s, 56% -> 68% of raw, 49-64% -> 55-74%; child main-thread CPU per call 30 -> 12
//   ms, its other threads 10 -> 30-35 ms). perf after: the dispatcher thread is ~45% of the
//   child's samples, nearly all page faults of the prefault loop; the broker ~30% (the copy out
//   of the pipe, freeing earlier frames); V8's helpers ~25% (GC). Under 32 MiB, glibc
//   gives big buffers back from its heap already faulted in (16 MiB: plain 2629 MiB/s, shared
//   534), and V8 does not count shared memory for its GC: each thread holds an untouched
//   ArrayBuffer of the frame's size so that freed frames are collected (else +64 MiB RSS per
//   64 MiB argument). On a loaded machine (no idle core for the dispatcher) the gain shrinks.
// - The worker hop (transfer) is 0.2 ms, 5-15 ms when it meets the major GC that the frame's
//   external memory asked for.
// - The master reading 64 MiB: 'data' events on the Readable 55-59 ms CPU, the Stream reading
//   the socket's handle itself 37-46 ms, a bare byte counter 21-32 ms: src/parent/child-set.ts
//   now has the Stream take the handle over.
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadTimes, type ThreadTimes } from './cpu.js';
import { rawOneWayMiBs } from './limits.js';
import { median, msSince, now } from './stats.js';
import type * as Api from '../src/index.js';
import { encodeFrameGathered, decode } from '../src/core/wire/codec.js';
import { HEADER_SIZE, writeHeader } from '../src/core/wire/protocol.js';
import { Stream } from '../src/core/links/stream.js';

const BIG = 64 * 2 ** 20;
/** --argument-only: no 64 MiB results (shorter rounds, for the argument alone). */
const withResult = !process.argv.includes('--argument-only');
const ROUNDS = Number(process.env.BIGFRAME_ROUNDS ?? 5);
const MiB = (ms: number): number => BIG / 2 ** 20 / (ms / 1e3);
const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

interface Build {
  label: string;
  router: Api.Router;
  ctx: Api.Context;
  pid: number;
  arg: number[];
  argCpu: { master: number[]; main: number[]; worker: number[] };
  res: number[];
  resCpu: { master: number[]; main: number[]; worker: number[] };
}

const cpuMs = (a: ThreadTimes, b: ThreadTimes, role: string): number => ((b.run[role] ?? 0) - (a.run[role] ?? 0)) / 1e6;

async function startBuild(path: string): Promise<Build> {
  const api = (await import(pathToFileURL(resolve(path)).href)) as typeof Api;
  const router = new api.Router({ printLogs: false });
  const ctx = await router.local({ name: 'bigframe' });
  await ctx.call('node:os', 'uptime');
  const pid = router.childPids().get(ctx.id)!;
  const empty = (): { master: number[]; main: number[]; worker: number[] } => ({ master: [], main: [], worker: [] });
  return { label: path, router, ctx, pid, arg: [], argCpu: empty(), res: [], resCpu: empty() };
}

/** One call, timed, with the CPU it took in the master and in each of the child's threads. */
async function timed(b: Build, run: () => Promise<unknown>, out: number[], cpu: Build['argCpu']): Promise<void> {
  const m0 = threadTimes('self');
  const c0 = threadTimes(b.pid);
  const t0 = now();
  await run();
  out.push(MiB(msSince(t0)));
  const m1 = threadTimes('self');
  const c1 = threadTimes(b.pid);
  cpu.master.push(cpuMs(m0, m1, 'main'));
  cpu.main.push(cpuMs(c0, c1, 'main'));
  // The dispatcher thread is not always named (a pre-started one is not): every other thread.
  cpu.worker.push(cpuMs(c0, c1, 'worker') + cpuMs(c0, c1, 'helpers'));
}

async function endToEnd(): Promise<void> {
  const paths = (process.env.BIGFRAME_BUILDS ?? 'dist/index.js').split(',').filter((p) => p !== '');
  const builds: Build[] = [];
  for (const p of paths) builds.push(await startBuild(p));
  const buf = Buffer.alloc(BIG, 0x5a);
  const arg = (b: Build) => async (): Promise<void> => {
    const n = await b.ctx.call('node:buffer', 'Buffer.byteLength', buf);
    if (n !== BIG) throw new Error(`byteLength ${String(n)}`);
  };
  const res = (b: Build) => async (): Promise<void> => {
    const r = (await b.ctx.call('node:buffer', 'Buffer.alloc', BIG, 1)) as Uint8Array;
    if (r.byteLength !== BIG) throw new Error(`result of ${r.byteLength} bytes`);
  };
  // Warm-up: one of each.
  for (const b of builds) {
    await arg(b)();
    await res(b)();
  }
  const count: number[] = [];
  const collect: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    count.push(...(await rawOneWayMiBs(BIG, 1, 'count')));
    collect.push(...(await rawOneWayMiBs(BIG, 1, 'collect')));
    for (const b of builds) await timed(b, arg(b), b.arg, b.argCpu);
    if (withResult) for (const b of builds) await timed(b, res(b), b.res, b.resCpu);
  }
  const c = median(count);
  console.log(`end to end, ${ROUNDS} alternated rounds, medians (CPU ms per 64 MiB call: master main thread / child main thread / child's other threads)`);
  console.log(`  raw one-way, counting peer:   ${fmt(c, 0)} MiB/s`);
  console.log(`  raw one-way, collecting peer: ${fmt(median(collect), 0)} MiB/s (${fmt((100 * median(collect)) / c, 0)}%)`);
  for (const b of builds) {
    const cpu = (x: Build['argCpu']): string => `${fmt(median(x.master))} / ${fmt(median(x.main))} / ${fmt(median(x.worker))}`;
    console.log(`  ${b.label}`);
    console.log(`    64 MiB argument: ${fmt(median(b.arg), 0)} MiB/s (${fmt((100 * median(b.arg)) / c, 0)}% of raw; runs ${b.arg.map((x) => fmt(x, 0)).join(' ')}), CPU ${cpu(b.argCpu)}`);
    if (withResult) console.log(`    64 MiB result:   ${fmt(median(b.res), 0)} MiB/s (${fmt((100 * median(b.res)) / c, 0)}% of raw; runs ${b.res.map((x) => fmt(x, 0)).join(' ')}), CPU ${cpu(b.resCpu)}`);
  }
  for (const b of builds) await b.router.shutdown();
}

// ---- part 2: stages ----

/** A peer that, for each byte it reads on fd 3, writes `frame` (a file of it: argv) to fd 4. */
const WRITER = [
  "const net=require('net');",
  'const i=new net.Socket({fd:3,readable:true,writable:false}),o=new net.Socket({fd:4,readable:false,writable:true});',
  'const n=Number(process.argv[1]);const f=Buffer.alloc(n,0x5a);',
  // A frame header: magic 0x7e1d? The caller sends the header bytes first (argv[2], hex).
  "const h=Buffer.from(process.argv[2],'hex');h.copy(f);",
  "i.on('data',d=>{for(let k=0;k<d.length;k++)o.write(f)});i.on('end',()=>process.exit(0));",
].join('');

interface Writer {
  to: Writable;
  from: Readable;
  stop(): void;
}

function startWriter(total: number): Writer {
  const header = new Uint8Array(HEADER_SIZE);
  writeHeader(header, 0, 1, 0, 0, 100, 0, total - HEADER_SIZE);
  const proc = spawn(process.execPath, ['-e', WRITER, String(total), Buffer.from(header).toString('hex')], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'],
  });
  return { to: proc.stdio[3] as Writable, from: proc.stdio[4] as Readable, stop: () => void (proc.stdio[3] as Writable).end() };
}

async function stages(): Promise<void> {
  const buf = Buffer.alloc(BIG, 0x5a);
  const total = HEADER_SIZE + 5 + BIG; // header + the frame's msgpack bin32 prefix + body: close enough
  const enc: number[] = [];
  const dec: number[] = [];
  const hop: number[] = [];
  const fault: number[] = [];

  const worker = new Worker("const{parentPort}=require('worker_threads');parentPort.on('message',m=>parentPort.postMessage(m.byteLength))", { eval: true });
  for (let i = 0; i <= ROUNDS; i++) {
    // Encode.
    let t0 = now();
    const pieces = encodeFrameGathered([null, 'node:buffer', 'Buffer.byteLength', [buf]], 'call');
    const e = msSince(t0);
    const frame = Array.isArray(pieces) ? Buffer.concat(pieces) : pieces;
    // Decode (the dispatcher decodes a frame's data).
    t0 = now();
    decode(frame.subarray(HEADER_SIZE));
    const d = msSince(t0);
    // Faulting a fresh 64 MiB buffer in (what any reader that keeps its bytes pays first).
    t0 = now();
    const fresh = new Uint8Array(BIG);
    for (let j = 0; j < BIG; j += 4096) fresh[j] = 1;
    const f = msSince(t0);
    // Hop: a whole frame transferred to a worker, until its answer.
    t0 = now();
    await new Promise<void>((r) => {
      worker.once('message', () => r());
      worker.postMessage(frame, [frame.buffer as ArrayBuffer]);
    });
    const h = msSince(t0);
    if (i > 0) {
      enc.push(e);
      dec.push(d);
      hop.push(h);
      fault.push(f);
    }
  }
  await worker.terminate();

  // Read + assembly: a bare 'data' counter, a Stream on the Readable, a Stream that took the
  // socket's handle over (reads land in the frame's own buffer), alternated.
  const readers: { name: string; w: Writer; ms: number[]; cpu: number[]; done: (() => void) | null }[] = [];
  for (const name of ['bare counter', 'Stream on the Readable', 'Stream reading the handle']) {
    const w = startWriter(total);
    const r = { name, w, ms: [] as number[], cpu: [] as number[], done: null as (() => void) | null };
    const events = { onFrame: () => r.done?.(), onClose: () => undefined };
    if (name === 'bare counter') {
      let got = 0;
      w.from.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= total) {
          got -= total;
          r.done?.();
        }
      });
    } else if (name === 'Stream on the Readable') {
      new Stream('writer', 1, w.from, w.to, BIG + 1024, events);
    } else {
      new Stream('writer', 1, { socket: w.from as Socket }, w.to, BIG + 1024, events);
    }
    readers.push(r);
  }
  for (let i = 0; i <= ROUNDS; i++) {
    for (const r of readers) {
      const c0 = threadTimes('self');
      const t0 = now();
      await new Promise<void>((done) => {
        r.done = done;
        r.w.to.write(Buffer.of(1));
      });
      const ms = msSince(t0);
      const c1 = threadTimes('self');
      if (i > 0) {
        r.ms.push(ms);
        r.cpu.push(cpuMs(c0, c1, 'main'));
      }
    }
  }
  for (const r of readers) r.w.stop();

  console.log(`stages of a 64 MiB argument, ${ROUNDS} rounds, medians (ms; MiB/s)`);
  console.log(`  master encode (gathered):            ${fmt(median(enc), 2)} ms`);
  for (const r of readers) {
    console.log(`  read, ${r.name.padEnd(26)} ${fmt(median(r.ms))} ms (${fmt(MiB(median(r.ms)), 0)} MiB/s), CPU ${fmt(median(r.cpu))} ms (runs ${r.cpu.map((x) => fmt(x)).join(' ')})`);
  }
  console.log(`  faulting in a fresh 64 MiB buffer:   ${fmt(median(fault))} ms (${fmt(MiB(median(fault)), 0)} MiB/s)`);
  console.log(`  hop to a worker (transfer) + answer: ${fmt(median(hop), 2)} ms`);
  console.log(`  decode:                              ${fmt(median(dec), 2)} ms`);
}

// --end-to-end or --stages: only that part.
if (!process.argv.includes('--stages')) await endToEnd();
if (!process.argv.includes('--end-to-end')) await stages();
