// Big frames (issue 12) on a local child's pipes: the master writes a big argument gathered
// from the caller's buffer, the child reads it straight into the frame's own buffer, and the
// master reads a child's channel itself too (Stream taking the socket's handle over); in the
// child a big frame's buffer is shared memory the dispatcher faults in (links/prefault.ts). Bytes
// arrive exact both ways; a process dying in the middle of a big frame settles the call.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ChannelError } from '../../src/index.js';
import { Stream } from '../../src/core/links/stream.js';
import { HEADER_SIZE, encodeFrame } from '../../src/core/wire/protocol.js';
import { runInChild, runWithGlobals, withRouter } from '../support/router.js';
import { waitGone } from '../support/processes.js';
import { supportedNodeBinaries } from '../support/node-versions.js';

const MiB = 2 ** 20;

describe('big frames to and from a local child', () => {
  const fx = withRouter({ printLogs: false });

  it('a 64 MiB argument arrives byte-exact', async () => {
    const ctx = await fx.local({ name: 'big-arg' });
    const big = Buffer.alloc(64 * MiB, 'tendril big frame!');
    big.writeUInt32BE(0xdeadbeef, big.length - 4);
    expect(await ctx.call('node:zlib', 'crc32', big)).toBe(crc32(big));
  }, 60_000);

  it('a big argument is read into shared memory the dispatcher faulted in; returned as it is, it comes back byte-exact', async () => {
    const ctx = await fx.local({ name: 'big-echo' });
    // Past the 32 MiB at which a frame's buffer is shared, around page boundaries.
    for (const n of [32 * MiB + 4095, 32 * MiB + 4097, 40 * MiB]) {
      const arg = Buffer.alloc(n, `echo ${n} `);
      const got = (await runWithGlobals(ctx, "[Object.prototype.toString.call(b.buffer) === '[object SharedArrayBuffer]', b]", { b: arg })) as [boolean, Uint8Array];
      expect(got[0]).toBe(true);
      expect(got[1].byteLength).toBe(n);
      expect(Buffer.compare(got[1], arg)).toBe(0);
    }
    // A smaller argument is not shared memory.
    expect(await runWithGlobals(ctx, "Object.prototype.toString.call(b.buffer) === '[object SharedArrayBuffer]'", { b: Buffer.alloc(2 * MiB, 1) })).toBe(false);
  }, 60_000);

  it('a big argument for a grandchild, read into shared memory by its parent, is forwarded byte-exact', async () => {
    const a = await fx.local({ name: 'big-via' });
    const g = await fx.router.local({ name: 'big-grandchild', via: a });
    const big = Buffer.alloc(33 * MiB + 3, 'to the grandchild');
    expect(await g.call('node:zlib', 'crc32', big)).toBe(crc32(big));
  }, 60_000);

  it('on every supported Node, a big argument read into shared memory is exact, and so is its echo', async () => {
    const big = Buffer.alloc(40 * MiB + 1, 'each node ');
    expect(supportedNodeBinaries().length).toBeGreaterThan(0);
    for (const { version, path } of supportedNodeBinaries()) {
      const ctx = await fx.local({ name: `big-node${version.split('.')[0]}`, nodePath: path });
      expect(await ctx.call('node:buffer', 'Buffer.byteLength', big)).toBe(big.byteLength);
      const [kind, back] = (await runWithGlobals(ctx, '[Object.prototype.toString.call(b.buffer), b]', { b: big })) as [string, Uint8Array];
      expect(kind).toBe('[object SharedArrayBuffer]');
      expect(Buffer.compare(back, big)).toBe(0);
      await ctx.shutdown({ wait: true });
    }
  }, 120_000);

  it('big arguments one after another: their shared memory is collected (the child stays far below their sum)', async () => {
    const ctx = await fx.local({ name: 'big-many' });
    const pid = fx.pidOf(ctx);
    const big = Buffer.alloc(64 * MiB, 7);
    for (let i = 0; i < 16; i++) expect(await ctx.call('node:buffer', 'Buffer.byteLength', big)).toBe(64 * MiB);
    // 16 x 64 MiB = 1 GiB if none were freed (V8 does not count shared memory by itself).
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    expect(rssKiB).toBeLessThan(600 * 1024);
  }, 60_000);

  it('a 64 MiB result arrives byte-exact', async () => {
    const ctx = await fx.local({ name: 'big-result' });
    const back = (await ctx.call('node:buffer', 'Buffer.alloc', 64 * MiB, 'a result of odd period')) as Uint8Array;
    expect(back.byteLength).toBe(64 * MiB);
    expect(crc32(back)).toBe(crc32(Buffer.alloc(64 * MiB, 'a result of odd period')));
  }, 60_000);

  it('a child killed while a big argument is on its way: the call settles with a ChannelError', async () => {
    const ctx = await fx.local({ name: 'killed-reading' });
    const pid = fx.pidOf(ctx);
    const call = ctx.call('node:zlib', 'crc32', Buffer.alloc(100 * MiB, 1)).catch((e: unknown) => e);
    // The write has begun (100 MiB do not fit in a pipe; maxMessageSize is 128 MiB): the child dies with the frame half read.
    process.kill(pid, 'SIGKILL');
    expect(await call).toBeInstanceOf(ChannelError);
    await ctx.whenDead();
    await waitGone(pid, 5000);
  }, 60_000);

  it('a child dying while it sends a big result: the call settles with a ChannelError', async () => {
    const ctx = await fx.local({ name: 'killed-writing' });
    const pid = fx.pidOf(ctx);
    // It kills itself as soon as its thread is free after returning 100 MiB: the broker is then
    // writing that frame, the master inside it.
    const call = runInChild(ctx, "setTimeout(() => process.kill(process.pid, 'SIGKILL'), 0); Buffer.alloc(100 * 1024 * 1024, 3)").catch((e: unknown) => e);
    const got = await call;
    // Should the whole result make it out first, it is exact; either way the call settled.
    if (!(got instanceof ChannelError)) expect((got as Uint8Array).byteLength).toBe(100 * MiB);
    await ctx.whenDead();
    await waitGone(pid, 5000);
  }, 60_000);
});

/** A process that echoes its fd 3 to its fd 4, and exits once fd 3 ends. */
function echo(): { proc: ReturnType<typeof spawn>; to: Writable; from: Readable } {
  const code = [
    "const net=require('net');",
    'const i=new net.Socket({fd:3,readable:true,writable:false}),o=new net.Socket({fd:4,readable:false,writable:true});',
    "i.on('data',d=>o.write(d));i.on('end',()=>o.end(()=>process.exit(0)));",
  ].join('');
  const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'] });
  return { proc, to: proc.stdio[3] as Writable, from: proc.stdio[4] as Readable };
}

describe('a Stream that takes a socket over', () => {
  it('hands out the bytes the socket buffered first, then what it reads itself, exact and in order; the process still closes', async () => {
    const bodies = [new Uint8Array(10).fill(1), new Uint8Array(3 * MiB).map((_, i) => i * 7), new Uint8Array(0), new Uint8Array(70_000).fill(9)];
    const frames = bodies.map((b, i) => encodeFrame(1, 0, 0, 100 + i, 0, b));
    const w = echo();
    for (const f of frames) w.to.write(f);
    w.to.end();
    // Some bytes already read through the Readable and put back (as after a launch's READY line).
    const [first] = (await once(w.from, 'data')) as [Buffer];
    w.from.pause();
    w.from.unshift(first);
    const got: Uint8Array[] = [];
    let closed: (r: string) => void = () => undefined;
    const reason = new Promise<string>((r) => (closed = r));
    const stream = new Stream('writer', 1, { socket: w.from as Socket }, new PassThrough(), 8 * MiB, {
      onFrame: (f) => got.push(Uint8Array.from(f)),
      onClose: (_s, why) => closed(why),
    });
    expect(await reason).toBe('writer disconnected');
    expect(stream.inputEnded).toBe(true);
    expect(got.map((f) => f.byteLength)).toEqual(frames.map((f) => f.byteLength));
    got.forEach((f, i) => expect(Buffer.compare(f, frames[i]!)).toBe(0));
    expect(got.every((f) => f.byteLength >= HEADER_SIZE)).toBe(true);
    // A ChildProcess closes once all its stdio did: the socket given up is closed too.
    await once(w.proc, 'close');
  }, 30_000);
});
