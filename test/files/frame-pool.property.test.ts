// The reuse of big frames' buffers (src/core/wire/frame-pool.ts), as the master's get uses it:
// frames split across reads at random points come out of the parser byte for byte whatever
// buffers earlier frames gave back (a consumer that recycles each frame once it has read it,
// in any order, never sees a frame overwritten, and buffers are reused); only buffers the pool
// handed out are taken back, once each.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameParser } from '../../src/core/wire/frame-parser.js';
import { POOLED_MIN, dropFreeFrames, freeFrameBytes, recycleFrame, takeFrame } from '../../src/core/wire/frame-pool.js';
import { encodeFrame, HEADER_SIZE } from '../../src/core/wire/protocol.js';
import { assertProperty } from '../support/fc.js';

/** A frame's payload: `n` bytes from `seed`, distinct for each frame. */
function payload(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

describe('frame pool: big frames assembled into reused buffers', () => {
  afterEach(() => dropFreeFrames());

  it('frames split at random points are byte-exact while consumers recycle earlier frames', () => {
    // Two sizes at and above the pooled minimum (so buffers of both are reused), and small ones.
    const size = fc.constantFrom(POOLED_MIN - HEADER_SIZE, POOLED_MIN + 100, 0, 40);
    assertProperty(
      fc.property(
        fc.array(size, { minLength: 1, maxLength: 14 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        // After each frame, how many of the frames held (oldest first, by this index) to recycle.
        fc.array(fc.tuple(fc.nat({ max: 3 }), fc.nat()), { maxLength: 14 }),
        (sizes, cutSeeds, recycling) => {
          const sent = sizes.map((n, i) => encodeFrame(1, 2, 3, 4, 5, payload(n, i)));
          const stream = Buffer.concat(sent);
          const cuts = [0, ...cutSeeds.map((s) => s % (stream.byteLength + 1)).sort((a, b) => a - b), stream.byteLength];
          const held: { frame: Uint8Array; copy: Buffer }[] = [];
          const got: Uint8Array[] = [];
          let k = 0;
          const parser = new FrameParser(1 << 20, (frame) => {
            // Every frame still held is intact: nobody assembled another frame into it.
            for (const h of held) expect(Buffer.from(h.frame).equals(h.copy)).toBe(true);
            got.push(Buffer.from(frame));
            held.push({ frame, copy: Buffer.from(frame) });
            const [n, at] = recycling[k++ % Math.max(1, recycling.length)] ?? [0, 0];
            for (let j = 0; j < n && held.length > 0; j++) recycleFrame(held.splice(at % held.length, 1)[0]!.frame);
          });
          for (let i = 0; i + 1 < cuts.length; i++) parser.push(stream.subarray(cuts[i], cuts[i + 1]));
          expect(got.length).toBe(sent.length);
          got.forEach((f, i) => expect(Buffer.from(f).equals(Buffer.from(sent[i]!))).toBe(true));
        },
      ),
    );
  });

  it('reuses a buffer given back for the next frame of its size, and only then', () => {
    const a = takeFrame(POOLED_MIN);
    recycleFrame(a);
    expect(freeFrameBytes()).toBe(POOLED_MIN);
    expect(takeFrame(POOLED_MIN + 1).buffer).not.toBe(a.buffer); // another size: a new one
    expect(takeFrame(POOLED_MIN).buffer).toBe(a.buffer);
    expect(freeFrameBytes()).toBe(0);
  });

  it('takes back only its own buffers, once each until handed out again', () => {
    const foreign = new Uint8Array(POOLED_MIN);
    recycleFrame(foreign);
    expect(freeFrameBytes()).toBe(0);
    const a = takeFrame(POOLED_MIN);
    recycleFrame(a.subarray(100)); // a view of it stands for it
    recycleFrame(a);
    expect(freeFrameBytes()).toBe(POOLED_MIN);
    const b = takeFrame(POOLED_MIN);
    const c = takeFrame(POOLED_MIN);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer); // not handed out twice
    const small = takeFrame(POOLED_MIN - 1);
    recycleFrame(small);
    expect(freeFrameBytes()).toBe(0);
  });
});
