// Property tests for src/core/wire/frame-parser.ts: whatever the chunking, valid frames come out
// byte for byte and in order; hostile bytes end in a ProtocolError at the exact header that is
// wrong (before anything is allocated for it), and a failed parser stays failed.
import fc from 'fast-check';
import { assertProperty } from './support/fc.js';
import { describe, expect, it } from 'vitest';
import { FrameParser, ProtocolError } from '../src/core/wire/frame-parser.js';
import {
  encodeFrame,
  frameAuth,
  frameDst,
  frameHandle,
  frameLength,
  frameMagic,
  frameReplyTo,
  frameSrc,
  HEADER_SIZE,
  IS_DEAD,
  MAGIC,
  NO_REPLY,
  OFF_LENGTH,
} from '../src/core/wire/protocol.js';

// ---------------------------------------------------------------------------------------------
// Helpers

const u32 = fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff));

interface FrameSpec {
  dst: number;
  src: number;
  auth: number;
  handle: number;
  replyTo: number;
  data: Uint8Array;
}

const frameSpec = (maxData: number): fc.Arbitrary<FrameSpec> =>
  fc.record({
    dst: u32,
    src: u32,
    auth: u32,
    handle: u32,
    replyTo: fc.oneof(u32, fc.constantFrom(NO_REPLY, IS_DEAD)),
    data: fc.oneof(
      { weight: 4, arbitrary: fc.uint8Array({ maxLength: Math.min(maxData, 200) }) },
      { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
      { weight: 1, arbitrary: fc.nat({ max: maxData }).map((n) => new Uint8Array(n).fill(0xa5)) },
    ),
  });

const build = (f: FrameSpec): Uint8Array => encodeFrame(f.dst, f.src, f.auth, f.handle, f.replyTo, f.data);

function concat(parts: Uint8Array[], offset = 0): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  // place the stream at an offset inside a larger buffer: chunks then have a non-zero byteOffset
  const big = new Uint8Array(offset + total + 5);
  let at = offset;
  for (const p of parts) {
    big.set(p, at);
    at += p.byteLength;
  }
  return big.subarray(offset, offset + total);
}

/** Cut seeds become cut points; repeated points make empty chunks, which must be harmless. */
const chunking = fc.record({
  oneByte: fc.boolean(),
  seeds: fc.array(fc.nat(), { maxLength: 40 }),
  asBuffer: fc.boolean(),
  offset: fc.nat({ max: 7 }),
});

function split(stream: Uint8Array, how: { oneByte: boolean; seeds: number[]; asBuffer: boolean }): Uint8Array[] {
  const cuts = how.oneByte
    ? Array.from({ length: stream.byteLength + 1 }, (_, i) => i)
    : [0, ...how.seeds.map((s) => s % (stream.byteLength + 1)).sort((a, b) => a - b), stream.byteLength];
  const chunks: Uint8Array[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const c = stream.subarray(cuts[i], cuts[i + 1]);
    chunks.push(how.asBuffer ? Buffer.from(c.buffer, c.byteOffset, c.byteLength) : c);
  }
  return chunks;
}

const same = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function header(magic: number, length: number, fields: number[] = [1, 2, 3, 4, 5]): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE);
  const v = new DataView(h.buffer);
  v.setUint16(0, magic);
  fields.forEach((x, i) => v.setUint32(2 + 4 * i, x));
  v.setUint32(OFF_LENGTH, length);
  return h;
}

/**
 * Reference model of the stream: the frames it holds, and where it must fail. The parser can
 * judge a header only once all of it has arrived, so a bad header fails on its last byte.
 */
function model(stream: Uint8Array, max: number): { frames: Uint8Array[]; failAt: number | null; pending: number } {
  const frames: Uint8Array[] = [];
  const v = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  let p = 0;
  for (;;) {
    if (stream.byteLength - p < HEADER_SIZE) return { frames, failAt: null, pending: stream.byteLength - p };
    const length = v.getUint32(p + OFF_LENGTH);
    if (v.getUint16(p) !== MAGIC || length > max) return { frames, failAt: p + HEADER_SIZE - 1, pending: 0 };
    if (stream.byteLength - p < HEADER_SIZE + length) return { frames, failAt: null, pending: stream.byteLength - p };
    frames.push(stream.subarray(p, p + HEADER_SIZE + length));
    p += HEADER_SIZE + length;
  }
}

// ---------------------------------------------------------------------------------------------

describe('FrameParser', () => {
  it('any chunking of valid frames yields exactly the same frames, in order', () => {
    const max = 1024;
    assertProperty(
      fc.property(fc.array(frameSpec(max), { maxLength: 12 }), chunking, (specs, how) => {
        const frames = specs.map(build);
        const stream = concat(frames, how.offset);
        const got: Uint8Array[] = [];
        const parser = new FrameParser(max, (f) => got.push(f));
        let fed = 0;
        for (const chunk of split(stream, how)) {
          parser.push(chunk);
          fed += chunk.byteLength;
          // nothing is held back beyond the incomplete frame at the end
          const complete = model(stream.subarray(0, fed), max);
          expect(got.length).toBe(complete.frames.length);
          expect(parser.pending).toBe(complete.pending);
        }
        // compared after all pushes: frames handed out earlier were not overwritten since
        expect(got.length).toBe(frames.length);
        got.forEach((f, i) => {
          if (!same(f, frames[i]!)) throw new Error(`frame ${i} differs: ${hex(f)} != ${hex(frames[i]!)}`);
          const s = specs[i]!;
          expect([frameMagic(f), frameDst(f), frameSrc(f), frameAuth(f), frameHandle(f), frameReplyTo(f), frameLength(f)]).toEqual([
            MAGIC, s.dst, s.src, s.auth, s.handle, s.replyTo, s.data.byteLength,
          ]);
          expect(same(f.subarray(HEADER_SIZE), s.data)).toBe(true);
        });
        expect(parser.pending).toBe(0);
      }),
      { numRuns: 400 },
    );
  });

  it('a frame of exactly maxMessageSize bytes of data passes, one more byte fails on the header', () => {
    assertProperty(
      fc.property(fc.nat({ max: 2000 }), chunking, (max, how) => {
        const ok = encodeFrame(1, 2, 3, 4, 5, new Uint8Array(max).fill(7));
        const got: Uint8Array[] = [];
        const parser = new FrameParser(max, (f) => got.push(f));
        for (const c of split(concat([ok], how.offset), how)) parser.push(c);
        expect(got.length).toBe(1);
        expect(same(got[0]!, ok)).toBe(true);
        // one byte over the limit: refused as soon as the header is complete, no data needed
        expect(() => parser.push(header(MAGIC, max + 1))).toThrow(ProtocolError);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes: frames exactly as the model says, then a ProtocolError on the bad header', () => {
    const segment = (max: number): fc.Arbitrary<Uint8Array> =>
      fc.oneof(
        { weight: 5, arbitrary: frameSpec(max).map(build) },
        {
          // a header that may lie: wrong magic, or a length above the limit, or a short body
          weight: 2,
          arbitrary: fc
            .record({
              magic: fc.oneof({ weight: 3, arbitrary: fc.constant(MAGIC) }, { weight: 1, arbitrary: fc.nat({ max: 0xffff }) }),
              length: fc.oneof(
                fc.nat({ max: max + 3 }),
                fc.constantFrom(max, max + 1, 0x7fffffff, 0x80000000, 0xffffffff),
                fc.nat({ max: 0xffffffff }),
              ),
              body: fc.uint8Array({ maxLength: 64 }),
            })
            .map(({ magic, length, body }) => concat([header(magic, length), body])),
        },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
      );
    const scenario = fc
      .nat({ max: 300 })
      .chain((max) => fc.record({ max: fc.constant(max), segments: fc.array(segment(max), { maxLength: 8 }), how: chunking }));
    assertProperty(
      fc.property(scenario, ({ max, segments, how }) => {
        const stream = concat(segments, how.offset);
        const expected = model(stream, max);
        const got: Uint8Array[] = [];
        const parser = new FrameParser(max, (f) => got.push(f));
        const chunks = split(stream, how);
        let fed = 0;
        let failed: { error: unknown; start: number; end: number } | null = null;
        for (const chunk of chunks) {
          const start = fed;
          fed += chunk.byteLength;
          if (failed) {
            // after a ProtocolError every push fails, even of an empty chunk, and delivers nothing
            const before = got.length;
            expect(() => parser.push(chunk)).toThrow(ProtocolError);
            expect(got.length).toBe(before);
            continue;
          }
          try {
            parser.push(chunk);
          } catch (error) {
            failed = { error, start, end: fed };
          }
        }
        for (const f of got) expect(f.byteLength).toBeLessThanOrEqual(HEADER_SIZE + max);
        expect(got.length).toBe(expected.frames.length);
        got.forEach((f, i) => expect(same(f, expected.frames[i]!)).toBe(true));
        if (expected.failAt === null) {
          expect(failed).toBe(null);
          expect(parser.pending).toBe(expected.pending);
        } else {
          expect(failed).not.toBe(null);
          expect(failed!.error).toBeInstanceOf(ProtocolError);
          // it failed in the chunk that completed the bad header, not later (no data was awaited)
          expect(failed!.start <= expected.failAt && expected.failAt < failed!.end).toBe(true);
          expect(() => parser.push(new Uint8Array(0))).toThrow(ProtocolError);
          expect(() => parser.push(encodeFrame(1, 2, 3, 4, 0, new Uint8Array(1)))).toThrow(ProtocolError);
          expect(parser.pending).toBe(0);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('pure random bytes only ever fail with ProtocolError', () => {
    assertProperty(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 1 << 20 }), chunking, (bytes, max, how) => {
        const parser = new FrameParser(max, () => {});
        for (const c of split(bytes, how)) {
          try {
            parser.push(c);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a header announcing 4 GiB with a 1 MiB limit throws on the header itself', () => {
    const max = 1 << 20;
    const before = process.memoryUsage().arrayBuffers;
    for (const length of [0xffffffff, 0x80000000, max + 1]) {
      // whole header in one push
      const p1 = new FrameParser(max, () => expect.unreachable());
      expect(() => p1.push(header(MAGIC, length))).toThrow(ProtocolError);
      expect(() => p1.push(header(MAGIC, 0))).toThrow(ProtocolError);

      // one byte at a time: the 26th byte is the one that fails
      const p2 = new FrameParser(max, () => expect.unreachable());
      const h = header(MAGIC, length);
      for (let i = 0; i < HEADER_SIZE - 1; i++) p2.push(h.subarray(i, i + 1));
      expect(p2.pending).toBe(HEADER_SIZE - 1);
      expect(() => p2.push(h.subarray(HEADER_SIZE - 1))).toThrow(/exceeds maxMessageSize/);
      expect(() => p2.push(new Uint8Array(0))).toThrow(ProtocolError);

      // after a valid frame in the same chunk: the valid one is delivered first
      const got: Uint8Array[] = [];
      const p3 = new FrameParser(max, (f) => got.push(f));
      expect(() => p3.push(concat([encodeFrame(1, 0, 0, 9, 0, Uint8Array.of(1, 2)), header(MAGIC, length)]))).toThrow(ProtocolError);
      expect(got.length).toBe(1);
    }
    // nothing near the announced size was allocated
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(max);
  });

  it('a wrong magic or protocol version is a ProtocolError naming the magic', () => {
    assertProperty(
      fc.property(fc.nat({ max: 0xffff }).filter((m) => m !== MAGIC), (magic) => {
        const p = new FrameParser(1024, () => expect.unreachable());
        expect(() => p.push(header(magic, 0))).toThrow(`magic 0x${magic.toString(16).padStart(4, '0')}`);
      }),
      { numRuns: 200 },
    );
    // the same marker with another version byte is refused too
    const p = new FrameParser(1024, () => {});
    expect(() => p.push(header((MAGIC & 0xff00) | ((MAGIC + 1) & 0xff), 0))).toThrow(ProtocolError);
  });
});
