// Physical limits measured on this machine, in the same run as the tendril figures: what
// Node itself costs with no tendril code at all. The peer process gets its channel on fds
// 3/4 exactly like a tendril child (spawn 'pipe' = a socketpair on Linux, read through a
// net.Socket), so the only difference left is tendril's own work.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { msSince, now, rssKiB, sleep } from './stats.js';

/**
 * Peer: echoes fd 3 to fd 4 ('echo'); counts bytes and answers 1 byte per N received
 * ('count N'); or copies each N bytes into one fresh N-byte Buffer before answering
 * ('collect N': what any receiver of an N-byte argument must at least do).
 */
const PEER = [
  "const net=require('net');",
  'const i=new net.Socket({fd:3,readable:true,writable:false}),o=new net.Socket({fd:4,readable:false,writable:true});',
  "const mode=process.argv[1],n=Number(process.argv[2]||0);let got=0,buf=null;",
  "if(mode==='echo')i.on('data',d=>o.write(d));",
  "else if(mode==='count')i.on('data',d=>{got+=d.length;while(n>0&&got>=n){got-=n;o.write(Buffer.of(1))}});",
  "else i.on('data',d=>{let a=0;while(a<d.length){if(!buf){buf=Buffer.allocUnsafe(n);got=0}const k=Math.min(n-got,d.length-a);d.copy(buf,got,a,a+k);got+=k;a+=k;if(got===n){buf=null;o.write(Buffer.of(1))}}});",
  "i.on('end',()=>process.exit(0));",
].join('');

interface Peer {
  proc: ChildProcess;
  toPeer: Writable;
  fromPeer: Readable;
}

function startPeer(mode: 'echo' | 'count' | 'collect', n = 0): Peer {
  const proc = spawn(process.execPath, ['-e', PEER, mode, String(n)], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'],
  });
  return { proc, toPeer: proc.stdio[3] as Writable, fromPeer: proc.stdio[4] as Readable };
}

async function stopPeer(p: Peer): Promise<void> {
  const exited = new Promise<void>((r) => (p.proc.exitCode !== null ? r() : p.proc.once('exit', () => r())));
  p.toPeer.end();
  const t = setTimeout(() => p.proc.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(t);
}

/** Reads until `bytes` more bytes arrived on `r`. */
function receive(r: Readable, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    let got = 0;
    const on = (d: Buffer): void => {
      got += d.length;
      if (got >= bytes) {
        r.off('data', on);
        resolve();
      }
    };
    r.on('data', on);
  });
}

/** Wall time of a bare `node -e ''`, spawn to exit, in ms. */
export async function bareSpawnMs(runs: number, warmup = 2): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = now();
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      p.once('error', reject);
      p.once('exit', () => resolve());
    });
    if (i >= warmup) out.push(msSince(t0));
  }
  return out;
}

/** A child that echoes its pipe: 1-byte round trips, measured in blocks (to interleave with tendril's). */
export class EchoPeer {
  private readonly peer = startPeer('echo');
  readonly pid = this.peer.proc.pid!;

  /** `count` sequential 1-byte round trips, each in microseconds. */
  roundTripsUs(count: number): Promise<number[]> {
    const { toPeer, fromPeer } = this.peer;
    const out: number[] = [];
    const one = Buffer.of(42);
    return new Promise((resolve) => {
      let t0 = now();
      const on = (): void => {
        out.push(Number(now() - t0) / 1e3);
        if (out.length === count) {
          fromPeer.off('data', on);
          resolve(out);
          return;
        }
        t0 = now();
        toPeer.write(one);
      };
      fromPeer.on('data', on);
      t0 = now();
      toPeer.write(one);
    });
  }

  stop(): Promise<void> {
    return stopPeer(this.peer);
  }
}

/** Small messages echoed in batches (one write per batch, as tendril does): messages/s. */
export async function rawPipelinedPerSec(total: number, batch: number, msgBytes: number): Promise<number> {
  const p = startPeer('echo');
  const chunk = Buffer.alloc(batch * msgBytes, 7);
  const run = async (n: number): Promise<number> => {
    const t0 = now();
    for (let done = 0; done < n; done += batch) {
      const got = receive(p.fromPeer, chunk.length);
      p.toPeer.write(chunk);
      await got;
    }
    return n / (msSince(t0) / 1e3);
  };
  await run(Math.min(total, 20 * batch));
  const rate = await run(total);
  await stopPeer(p);
  return rate;
}

/**
 * MiB/s of `bytes` written in one write to a child that counts them (or, with 'collect',
 * gathers them into one fresh Buffer) and acks with 1 byte: the one-way transfer a big call
 * argument makes (runs: one value per run, after a warm-up).
 */
export async function rawOneWayMiBs(bytes: number, runs: number, mode: 'count' | 'collect' = 'count'): Promise<number[]> {
  const p = startPeer(mode, bytes);
  const buf = Buffer.alloc(bytes, 0x5a);
  const out: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t0 = now();
    const ack = receive(p.fromPeer, 1);
    p.toPeer.write(buf);
    await ack;
    if (i > 0) out.push(bytes / 2 ** 20 / (msSince(t0) / 1e3));
  }
  await stopPeer(p);
  return out;
}

/** MiB/s of `bytes` echoed back through a child (both directions share the pipe's CPU). */
export async function rawEchoMiBs(bytes: number, runs: number): Promise<number[]> {
  const p = startPeer('echo');
  const buf = Buffer.alloc(bytes, 0x5a);
  const out: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t0 = now();
    const back = receive(p.fromPeer, bytes);
    p.toPeer.write(buf);
    await back;
    if (i > 0) out.push(bytes / 2 ** 20 / (msSince(t0) / 1e3));
  }
  await stopPeer(p);
  return out;
}

/** RSS (KiB) of a bare `node -e 'setInterval(()=>{},1000)'` once it has settled. */
export function bareRssKiB(): Promise<number> {
  return idleRssKiB('setInterval(()=>{},1000)');
}

/** VmRSS (KiB) of `node -e code` 400 ms after its start (the code must keep it alive). */
async function idleRssKiB(code: string): Promise<number> {
  const p = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  await sleep(400);
  const kib = await rssKiB(p.pid!);
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGKILL');
  await exited;
  return kib;
}


/**
 * The least a child with the design's two threads can do (DESIGN.md: the broker never runs
 * user code, a worker thread does): node starts, starts one worker from source, the worker
 * posts one message, the main thread takes it and exits. No tendril code at all.
 */
const TWO_THREADS =
  "const{Worker}=require('worker_threads');new Worker(\"require('worker_threads').parentPort.postMessage(1)\",{eval:true}).once('message',()=>process.exit(0))";

/** Wall time of node + one worker that posts a message, spawn to exit, in ms. */
export async function twoThreadSpawnMs(runs: number, warmup = 2): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = now();
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, ['-e', TWO_THREADS], { stdio: 'ignore' });
      p.once('error', reject);
      p.once('exit', () => resolve());
    });
    if (i >= warmup) out.push(msSince(t0));
  }
  return out;
}

/** RSS (KiB) of an idle node holding one idle worker thread (what the dispatcher thread costs before any code). */
export function twoThreadRssKiB(): Promise<number> {
  return idleRssKiB("const{Worker}=require('worker_threads');new Worker(\"require('worker_threads').parentPort.postMessage(1);setInterval(()=>{},1000)\",{eval:true});setInterval(()=>{},1000)");
}

/** CPU ms (user + system, all threads) of one bare `node -e ''` and of one node + worker, from the children's rusage. */
export async function startCpuMs(kind: 'bare' | 'two-threads', runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    // /usr/bin/time is not everywhere: the child reports its own rusage on exit.
    const report = "process.on('exit',()=>{const u=process.resourceUsage();require('fs').writeSync(1,String((u.userCPUTime+u.systemCPUTime)/1000))});";
    const code = kind === 'bare' ? report : report + TWO_THREADS;
    const ms = await new Promise<number>((resolve, reject) => {
      const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
      let s = '';
      p.stdout!.on('data', (d: Buffer) => (s += d));
      p.once('error', reject);
      p.once('close', () => resolve(Number(s)));
    });
    out.push(ms);
  }
  return out;
}
