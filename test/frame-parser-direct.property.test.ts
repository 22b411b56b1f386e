// Property tests for the direct-read side of src/core/wire/frame-parser.ts, as Stream uses it when it
// reads an fd itself: reads go into one reused buffer (frames must then be copies, never views
// of it), or, while a frame is being assembled, straight into that frame (directTarget /
// filledDirectly). Whatever the read sizes, the frames come out byte for byte and in order.
import fc from 'fast-check';
import { assertProperty } from './support/fc.js';
import { describe, expect, it } from 'vitest';
import { FrameParser, ProtocolError } from '../src/core/wire/frame-parser.js';
import { HEADER_SIZE, MAGIC, OFF_LENGTH, encodeFrame } from '../src/core/wire/protocol.js';

const frameData = (max: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: Math.min(max, 100) }) },
    { weight: 2, arbitrary: fc.nat({ max }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff)) },
  );

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/**
 * Feeds `stream` the way Stream.readFd does: before each read, the parser is asked for a direct
 * target; a read takes at most `sizes[i]` bytes (and never more than the buffer it reads into).
 * The reused buffer is scribbled over after every read, so a frame handed out as a view of it
 * would be caught.
 */
function feed(parser: FrameParser, stream: Uint8Array, sizes: number[], min: number, scratchSize: number): { direct: number } {
  const scratch = new Uint8Array(scratchSize);
  let at = 0;
  let i = 0;
  let direct = 0;
  while (at < stream.byteLength) {
    const want = Math.max(1, sizes[i++ % sizes.length]!);
    const target = parser.directTarget(min);
    if (target !== null) {
      const n = Math.min(want, target.byteLength, stream.byteLength - at);
      target.set(stream.subarray(at, at + n));
      at += n;
      direct += n;
      parser.filledDirectly(n);
    } else {
      const n = Math.min(want, scratch.byteLength, stream.byteLength - at);
      scratch.set(stream.subarray(at, at + n));
      at += n;
      parser.push(scratch.subarray(0, n));
      scratch.fill(0xee);
    }
  }
  return { direct };
}

describe('FrameParser direct reads', () => {
  it('frames come out intact and in order, whatever the read sizes and the direct-read threshold', () => {
    const max = 4096;
    assertProperty(
      fc.property(
        fc.array(frameData(max), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 2048 }),
        (datas, sizes, min, scratchSize) => {
          const frames = datas.map((d, k) => encodeFrame(k + 1, 2, 3, 1000 + k, 0, d));
          const got: Uint8Array[] = [];
          const parser = new FrameParser(max, (f) => got.push(f), { copyFrames: true });
          feed(parser, concat(frames), sizes, min, scratchSize);
          expect(got.length).toBe(frames.length);
          got.forEach((f, k) => expect(same(f, frames[k]!)).toBe(true));
          expect(parser.pending).toBe(0);
          expect(parser.directTarget(1)).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a big frame is read almost entirely in place: only its first read and a short tail go through the reused buffer', () => {
    const data = Uint8Array.from({ length: 1 << 20 }, (_, i) => i & 0xff);
    const frame = encodeFrame(1, 2, 3, 4, 5, data);
    const got: Uint8Array[] = [];
    const parser = new FrameParser(2 << 20, (f) => got.push(f), { copyFrames: true });
    const { direct } = feed(parser, frame, [65536], 65536, 65536);
    expect(got).toHaveLength(1);
    expect(same(got[0]!, frame)).toBe(true);
    // the first read finds the header; reads go in place while >= 64 KiB of the frame is to come
    expect(direct).toBeGreaterThan(frame.byteLength - 2 * 65536);
  });

  it('without copyFrames whole frames are views of the chunk; with it, buffers of their own', () => {
    const frame = encodeFrame(1, 2, 3, 4, 5, new Uint8Array([9, 8, 7]));
    for (const copyFrames of [false, true]) {
      const got: Uint8Array[] = [];
      new FrameParser(100, (f) => got.push(f), { copyFrames }).push(frame);
      expect(got[0]!.buffer === frame.buffer).toBe(!copyFrames);
      if (copyFrames) expect(got[0]!.byteLength).toBe(got[0]!.buffer.byteLength);
    }
  });

  it('direct reads are refused when no frame is being assembled, and after a failure', () => {
    const idle = new FrameParser(100, () => undefined);
    expect(idle.directTarget(1)).toBeNull();
    expect(() => idle.filledDirectly(1)).toThrow(ProtocolError);
    const parser = new FrameParser(100, () => undefined);
    // a header announcing 50 bytes, then 10 of them: 40 to come
    const h = new Uint8Array(HEADER_SIZE + 10);
    const v = new DataView(h.buffer);
    v.setUint16(0, MAGIC);
    v.setUint32(OFF_LENGTH, 50);
    parser.push(h);
    expect(parser.directTarget(41)).toBeNull();
    expect(parser.directTarget(40)?.byteLength).toBe(40);
    expect(() => parser.filledDirectly(41)).toThrow(ProtocolError);
    // a failed parser stays failed, whichever way it failed
    expect(idle.directTarget(1)).toBeNull();
    expect(() => idle.push(new Uint8Array(1))).toThrow(ProtocolError);
    expect(parser.directTarget(1)).toBeNull();
    expect(() => parser.push(new Uint8Array(1))).toThrow(ProtocolError);
  });
});
