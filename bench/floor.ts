// The floor for calls: the least RPC that does what a tendril call does physically (a pipe to a
// child, a hop to a worker thread there, msgpackr frames, a pending-call table), with no
// routing, validation or lifecycle. Printed beside tendril in the same run (issue 12):
// round trip p50/p99, pipelined with 1,000 and 20,000 calls in flight, and tendril via one
// intermediate. `node --import tsx bench/floor.ts` runs it alone; bench/run.ts runs it too.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';
import { Packr } from 'msgpackr';
import { EchoPeer } from './limits.js';
import { perOp, threadTimes } from './cpu.js';
import { median, now, quantile } from './stats.js';
import { Router, type Context } from './tendril.js';

const MSGPACKR = createRequire(import.meta.url).resolve('msgpackr');

// The child: fd 3 in, fd 4 out; the main thread splits whole frames off each chunk and hands
// them to the worker in one postMessage; the worker answers each call and posts its replies
// back in one message per batch; the main thread writes them, gathered once per turn.
const CHILD = `
const net = require('net'), { Worker } = require('worker_threads');
const inp = new net.Socket({ fd: 3, readable: true, writable: false });
const out = new net.Socket({ fd: 4, readable: false, writable: true });
const w = new Worker(${JSON.stringify(`
const { parentPort } = require('worker_threads'), os = require('os');
const { Packr } = require(${JSON.stringify(MSGPACKR)}); const p = new Packr({ useRecords: false });
parentPort.on('message', (u) => {
  const b = Buffer.from(u.buffer, u.byteOffset, u.byteLength); const outs = []; let at = 0, n = 0;
  while (at < b.length) {
    const len = b.readUInt32BE(at); const [id, mod, fn, args] = p.unpack(b.subarray(at + 4, at + 4 + len)); at += 4 + len;
    const body = p.pack([id, os[fn].apply(os, args)]); const h = Buffer.allocUnsafe(4); h.writeUInt32BE(body.length);
    outs.push(h, body); n += 4 + body.length;
  }
  const r = Buffer.concat(outs, n); parentPort.postMessage(r, [r.buffer]);
});`)}, { eval: true });
let rest = null, q = [], qn = 0, sched = false;
const flush = () => { sched = false; const b = Buffer.concat(q, qn); q = []; qn = 0; out.write(b); };
w.on('message', (b) => { q.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength)); qn += b.byteLength; if (!sched) { sched = true; setImmediate(flush); } });
inp.on('data', (d) => {
  if (rest) { d = Buffer.concat([rest, d]); rest = null; }
  let at = 0; while (at + 4 <= d.length && at + 4 + d.readUInt32BE(at) <= d.length) at += 4 + d.readUInt32BE(at);
  if (at < d.length) rest = Buffer.from(d.subarray(at));
  if (at > 0) { const b = Buffer.allocUnsafe(at); d.copy(b, 0, 0, at); w.postMessage(b, [b.buffer]); }
});
inp.on('end', () => process.exit(0));`;

/** The parent side of the floor RPC: one pending-call table, writes gathered per turn. */
export class FloorRpc {
  private readonly proc: ChildProcess;
  private readonly toChild: Writable;
  private readonly packr = new Packr({ useRecords: false });
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private q: Buffer[] = [];
  private qn = 0;
  private scheduled = false;
  private rest: Buffer | null = null;
  readonly pid: number;

  constructor() {
    this.proc = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'] });
    this.pid = this.proc.pid!;
    this.toChild = this.proc.stdio[3] as Writable;
    (this.proc.stdio[4] as Readable).on('data', (d: Buffer) => this.onData(d));
    // A benchmark must not hang on a dead floor: its pending calls fail.
    this.proc.once('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`the floor RPC child exited (${code})`));
      this.pending.clear();
    });
  }

  /** Calls `os[fn]()` in the child's worker. */
  call(fn: string): Promise<unknown> {
    const id = this.nextId++;
    const body = this.packr.pack([id, 'node:os', fn, []]);
    const h = Buffer.allocUnsafe(4);
    h.writeUInt32BE(body.length);
    this.q.push(h, body);
    this.qn += 4 + body.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const b = Buffer.concat(this.q, this.qn);
    this.q = [];
    this.qn = 0;
    this.toChild.write(b);
  };

  private onData(d: Buffer): void {
    if (this.rest) {
      d = Buffer.concat([this.rest, d]);
      this.rest = null;
    }
    let at = 0;
    while (at + 4 <= d.length) {
      const len = d.readUInt32BE(at);
      if (at + 4 + len > d.length) break;
      const [id, value] = this.packr.unpack(d.subarray(at + 4, at + 4 + len)) as [number, unknown];
      at += 4 + len;
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.resolve(value);
    }
    if (at < d.length) this.rest = Buffer.from(d.subarray(at));
  }

  stop(): Promise<void> {
    const exited = new Promise<void>((r) => (this.proc.exitCode !== null ? r() : this.proc.once('exit', () => r())));
    this.toChild.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
    return exited.finally(() => clearTimeout(t));
  }
}

/** Sequential round trips of `call`, each in microseconds. */
async function roundTripsUs(call: () => Promise<unknown>, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await call();
    out.push(Number(now() - t0) / 1e3);
  }
  return out;
}

/** `total` calls issued `inFlight` at a time, each batch awaited: calls/s. */
async function pipelined(call: () => Promise<unknown>, total: number, inFlight: number): Promise<number> {
  const t0 = now();
  const batch: Promise<unknown>[] = new Array(inFlight);
  for (let done = 0; done < total; done += inFlight) {
    for (let j = 0; j < inFlight; j++) batch[j] = call();
    await Promise.all(batch);
  }
  return total / (Number(now() - t0) / 1e9);
}

/** One figure of the floor table. */
export interface FloorRow {
  what: string;
  tendril: number;
  floor: number;
  /** The limit the target names (raw echo for round trips, the floor RPC for rates). */
  limit: number;
  limitName: string;
  unit: 'us' | '/s';
  /** Ratio tendril / limit and its target: `<=` for times, `>=` for rates. */
  target: number;
  /** Rates only: the absolute target too. */
  absolute?: number;
}

const ROUNDS = Number(process.env.FLOOR_ROUNDS ?? 5);
/** CPU us per call (all threads, from /proc: insensitive to other load), pipelined 1,000 in flight, median of rounds. */
export const floorCpu: string[] = [];
const cpuOf = (pid: number | 'self', run: () => Promise<number>, calls: number): Promise<[number, number]> => {
  const a = threadTimes(pid);
  const s0 = threadTimes('self');
  return run().then(() => {
    const sum = (r: Record<string, number>): number => Object.values(r).reduce((x, y) => x + y, 0);
    return [sum(perOp(s0, threadTimes('self'), calls).run), sum(perOp(a, threadTimes(pid), calls).run)];
  });
};
const RTT_BLOCK = 400;
const PIPE_TOTAL = 40_000;

/**
 * Every figure in alternating blocks (tendril, its floor and the raw echo take turns, so
 * drift and other load hit all alike); medians of the blocks' figures.
 */
export async function measureFloor(): Promise<FloorRow[]> {
  const router = new Router({ printLogs: false });
  const floor = new FloorRpc();
  const echo = new EchoPeer();
  try {
    const ctx = await router.local({ name: 'floor-bench' });
    const mid = await router.local({ name: 'floor-mid' });
    const far: Context = await router.local({ name: 'floor-far', via: mid });
    const tCall = (): Promise<unknown> => ctx.callAsync('node:os', 'uptime').get().then((m) => m.decode());
    const tRtt = (): Promise<unknown> => ctx.call('node:os', 'uptime');
    const vRtt = (): Promise<unknown> => far.call('node:os', 'uptime');
    const fCall = (): Promise<unknown> => floor.call('uptime');
    const eRtt = (): Promise<unknown> => echo.roundTripsUs(1);
    // Warm-up: JIT tiering and heap growth on every side.
    for (const c of [tCall, fCall]) await pipelined(c, 20_000, 1000);
    for (const c of [tRtt, vRtt, fCall, eRtt]) await roundTripsUs(c, 300);
    const rtt = { t: [] as number[], v: [] as number[], f: [] as number[], e: [] as number[] };
    const rate = { t1: [] as number[], f1: [] as number[], t20: [] as number[], f20: [] as number[] };
    const cpu = { t: [] as [number, number][], f: [] as [number, number][] };
    const childPid = router.childPids().get(ctx.id)!;
    for (let r = 0; r < ROUNDS; r++) {
      rtt.e.push(...(await echo.roundTripsUs(RTT_BLOCK)));
      rtt.t.push(...(await roundTripsUs(tRtt, RTT_BLOCK)));
      rtt.f.push(...(await roundTripsUs(fCall, RTT_BLOCK)));
      rtt.v.push(...(await roundTripsUs(vRtt, RTT_BLOCK)));
      cpu.t.push(await cpuOf(childPid, async () => rate.t1.push(await pipelined(tCall, PIPE_TOTAL, 1000)), PIPE_TOTAL));
      cpu.f.push(await cpuOf(floor.pid, async () => rate.f1.push(await pipelined(fCall, PIPE_TOTAL, 1000)), PIPE_TOTAL));
      rate.t20.push(await pipelined(tCall, PIPE_TOTAL, 20_000));
      rate.f20.push(await pipelined(fCall, PIPE_TOTAL, 20_000));
    }
    const m = (xs: [number, number][], i: 0 | 1): string => median(xs.map((x) => x[i])).toFixed(1);
    floorCpu.push(`CPU us per call, pipelined 1,000 in flight (median of rounds): tendril master ${m(cpu.t, 0)} + child ${m(cpu.t, 1)}; floor RPC master ${m(cpu.f, 0)} + child ${m(cpu.f, 1)}`);
    const e50 = quantile(rtt.e, 0.5);
    const e99 = quantile(rtt.e, 0.99);
    return [
      { what: 'round trip p50', tendril: quantile(rtt.t, 0.5), floor: quantile(rtt.f, 0.5), limit: e50, limitName: 'raw echo', unit: 'us', target: 2 },
      { what: 'round trip p99', tendril: quantile(rtt.t, 0.99), floor: quantile(rtt.f, 0.99), limit: e99, limitName: 'raw echo', unit: 'us', target: 2 },
      { what: 'round trip p50, via one intermediate', tendril: quantile(rtt.v, 0.5), floor: quantile(rtt.f, 0.5), limit: e50, limitName: 'raw echo', unit: 'us', target: 3 },
      { what: 'pipelined, 1,000 in flight', tendril: median(rate.t1), floor: median(rate.f1), limit: median(rate.f1), limitName: 'floor RPC', unit: '/s', target: 0.8, absolute: 200_000 },
      { what: 'pipelined, 20,000 in flight', tendril: median(rate.t20), floor: median(rate.f20), limit: median(rate.f20), limitName: 'floor RPC', unit: '/s', target: 0.8, absolute: 150_000 },
    ];
  } finally {
    await echo.stop();
    await floor.stop();
    await router.shutdown();
  }
}

const num = (x: number, unit: FloorRow['unit']): string => (unit === 'us' ? x.toFixed(1) : `${(x / 1000).toFixed(1)}k`);

/** The floor table: each figure beside its limit, as a ratio, with the target. */
export function floorTable(rows: FloorRow[]): string[] {
  const lines = [`figure | tendril | floor RPC | limit | ratio | target | result`];
  for (const r of rows) {
    const ratio = r.tendril / r.limit;
    const timeLike = r.unit === 'us';
    const pass = timeLike ? ratio <= r.target : ratio >= r.target && r.tendril >= (r.absolute ?? 0);
    const target = timeLike ? `<= ${r.target}x ${r.limitName}` : `>= ${r.target}x floor and >= ${num(r.absolute ?? 0, r.unit)}/s`;
    lines.push(
      `${r.what} | ${num(r.tendril, r.unit)}${r.unit === 'us' ? ' us' : '/s'} | ${num(r.floor, r.unit)} | ${num(r.limit, r.unit)} ${r.limitName} | ${ratio.toFixed(2)}x | ${target} | ${pass ? 'PASS' : 'MISS'}`,
    );
  }
  return lines;
}

/** Measures and prints the floor table (bench/run.ts). */
export async function benchFloor(): Promise<void> {
  process.stderr.write('  floor RPC beside tendril...\n');
  const rows = await measureFloor();
  console.log(`\nissue 12: tendril beside the floor RPC (msgpackr over a pipe + a worker hop, no routing), ${ROUNDS} alternating rounds, medians`);
  for (const l of floorTable(rows)) console.log(`  ${l}`);
  for (const l of floorCpu) console.log(`  ${l}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchFloor();
  process.exit(0);
}
