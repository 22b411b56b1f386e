// Property test for FrameParser's `allocate` option (src/core/wire/frame-parser.ts), as a
// child's broker uses it: a frame split across reads is assembled in the buffer `allocate`
// made (shared memory for big ones: src/core/links/prefault.ts), read into directly or through
// a reused buffer; frames wholly inside one read never ask for one. Sizes cluster around page
// boundaries, where a prefault's last touch lands.
import fc from 'fast-check';
import { assertProperty } from './support/fc.js';
import { describe, expect, it } from 'vitest';
import { FrameParser } from '../src/core/wire/frame-parser.js';
import { HEADER_SIZE, encodeFrame } from '../src/core/wire/protocol.js';

const PAGE = 4096;
/** A body length whose whole frame is k pages, give or take a byte or two. */
const aroundPages = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: -2, max: 2 })).map(([k, d]) => Math.max(0, k * PAGE + d - HEADER_SIZE));
const bodyLength = fc.oneof(aroundPages, fc.nat({ max: 3 * PAGE }));

describe('FrameParser allocate', () => {
  it('frames split across reads land whole in the buffers allocate made, exact and in order', () => {
    assertProperty(
      fc.property(
        fc.array(bodyLength, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 3 * PAGE }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (lengths, sizes, direct) => {
          const frames = lengths.map((n, k) => encodeFrame(k + 1, 2, 3, 100 + k, 0, Uint8Array.from({ length: n }, (_, i) => (i * 13 + k + 1) & 0xff)));
          const made = new Set<ArrayBufferLike>();
          const got: Uint8Array[] = [];
          const parser = new FrameParser(16 * PAGE, (f) => got.push(f), {
            copyFrames: true,
            allocate: (total) => {
              const b = new Uint8Array(new SharedArrayBuffer(total));
              made.add(b.buffer);
              return b;
            },
          });
          const stream = Buffer.concat(frames);
          const scratch = new Uint8Array(3 * PAGE);
          const cuts: number[] = [];
          let at = 0;
          let i = 0;
          while (at < stream.byteLength) {
            const want = sizes[i++ % sizes.length]!;
            const target = direct ? parser.directTarget(1) : null;
            const into = target ?? scratch;
            const n = Math.min(want, into.byteLength, stream.byteLength - at);
            into.set(stream.subarray(at, at + n));
            at += n;
            if (target !== null) parser.filledDirectly(n);
            else {
              parser.push(scratch.subarray(0, n));
              scratch.fill(0xee);
            }
            cuts.push(at);
          }
          expect(got.map((f) => f.byteLength)).toEqual(frames.map((f) => f.byteLength));
          got.forEach((f, k) => expect(Buffer.compare(f, frames[k]!)).toBe(0));
          // A frame a read ended inside of was assembled in a buffer of allocate's, all of it;
          // frames wholly inside a read are views of one copy of that read's run (copyFrames),
          // never of allocate's buffers.
          let start = 0;
          got.forEach((f, k) => {
            const end = start + f.byteLength;
            const split = cuts.some((c) => c > start && c < end);
            expect(made.has(f.buffer)).toBe(split);
            if (split) expect(f.byteLength).toBe(f.buffer.byteLength);
            start = end;
          });
          expect(made.size).toBeLessThanOrEqual(frames.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
