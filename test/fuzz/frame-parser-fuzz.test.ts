// Fuzz of the frame parser (issue 15, "Fuzz"): random bytes, valid frame streams and mutated
// ones, in random chunks, through push() and through directTarget()/filledDirectly() as a
// reader filling frames in place would. Only ProtocolError comes out, never another exception
// or a hang; a frame handed out always has the magic and a length within maxMessageSize; valid
// streams come out byte for byte; a failed parser stays failed. Inputs: FUZZ_RUNS (budget.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser, ProtocolError } from '../../src/core/wire/frame-parser.js';
import { encodeFrame, frameLength, frameMagic, HEADER_SIZE, MAGIC, OFF_LENGTH } from '../../src/core/wire/protocol.js';
import { assertProperty } from '../support/fc.js';
import { runs, timeoutFor } from './budget.js';

const u32 = fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff));
const frame = fc
  .tuple(u32, u32, u32, u32, u32, fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.nat({ max: 3000 }).map((n) => new Uint8Array(n).fill(0x5a))))
  .map(([d, s, a, h, r, data]) => encodeFrame(d, s, a, h, r, data));

/** How a stream is cut and fed: chunk sizes, and whether a reader fills frames in place. */
const feeding = fc.record({
  sizes: fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 6000 })), { minLength: 1, maxLength: 30 }),
  direct: fc.array(fc.boolean(), { maxLength: 30 }),
});

const sameFrames = (a: Uint8Array[], b: Uint8Array[]): boolean =>
  a.length === b.length && a.every((f, i) => Buffer.compare(f, b[i]!) === 0);

/**
 * Feeds `stream` to a parser limited to `max`, the way `how` says; returns the frames handed
 * out and the error that ended it (a ProtocolError, or a test failure for anything else).
 */
function feed(stream: Uint8Array, max: number, how: { sizes: number[]; direct: boolean[] }): { frames: Uint8Array[]; failed: boolean } {
  const frames: Uint8Array[] = [];
  const parser = new FrameParser(max, (f) => {
    // Copied: a frame inside a chunk is a view of it.
    frames.push(f.slice());
    // Plain checks (expect() is slow at this rate).
    if (frameMagic(f) !== MAGIC || f.byteLength !== HEADER_SIZE + frameLength(f) || frameLength(f) > max) {
      throw new Error(`a bad frame was handed out: ${Buffer.from(f.subarray(0, HEADER_SIZE)).toString('hex')} (${f.byteLength} bytes)`);
    }
  });
  let at = 0;
  let i = 0;
  const started = performance.now();
  try {
    while (at < stream.byteLength) {
      // An empty chunk now and then (harmless), else at least one byte.
      const want = how.sizes[i % how.sizes.length]!;
      const size = Math.min(want === 0 && i % 2 === 1 ? 1 : want, stream.byteLength - at);
      const target = how.direct[i % Math.max(1, how.direct.length)] ? parser.directTarget(1) : null;
      if (target !== null && size > 0) {
        // A reader filling the frame being assembled in place.
        const n = Math.min(size, target.byteLength);
        target.set(stream.subarray(at, at + n));
        at += n;
        parser.filledDirectly(n);
      } else {
        parser.push(stream.subarray(at, at + size));
        at += size;
      }
      i++;
      if (i > 2 * stream.byteLength + 10) throw new Error('no progress');
    }
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    // A failed parser stays failed.
    expect(() => parser.push(encodeFrame(1, 2, 3, 4, 0, new Uint8Array(1)))).toThrow(ProtocolError);
    expect(parser.directTarget(1)).toBe(null);
    return { frames, failed: true };
  }
  expect(performance.now() - started).toBeLessThan(5000);
  return { frames, failed: false };
}

describe('frame parser fuzz', () => {
  const random = runs(0.15);
  it(`random bytes in random chunks (${random}): frames with the magic, or a ProtocolError`, () => {
    const head = fc.tuple(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 64 })).map(([len, rest]) => {
      const h = new Uint8Array(HEADER_SIZE);
      h[0] = MAGIC >> 8;
      h[1] = MAGIC & 0xff;
      new DataView(h.buffer).setUint32(OFF_LENGTH, len % 256);
      return Buffer.concat([h, rest]);
    });
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.array(head, { maxLength: 6 }).map((hs) => Buffer.concat(hs)));
    assertProperty(
      fc.property(bytes, fc.constantFrom(0, 16, 200, 1 << 20), feeding, (b, max, how) => {
        feed(b, max, how);
      }),
      { numRuns: random },
    );
  }, timeoutFor(random));

  const valid = runs(0.15);
  it(`valid streams (${valid}): the frames come out byte for byte and in order, however they are cut`, () => {
    assertProperty(
      fc.property(fc.array(frame, { maxLength: 8 }), feeding, (frames, how) => {
        const got = feed(Buffer.concat(frames), 1 << 20, how);
        expect(got.failed).toBe(false);
        expect(sameFrames(got.frames, frames)).toBe(true);
      }),
      { numRuns: valid },
    );
  }, timeoutFor(valid));

  const mutated = runs(0.15);
  it(`mutated streams (${mutated}): the frames before the damage intact, then frames or a ProtocolError`, () => {
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'cut')), { minLength: 1, maxLength: 4 });
    assertProperty(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 6 }), edits, feeding, (frames, changes, how) => {
        const b = [...Buffer.concat(frames)];
        let first = b.length;
        for (const [at, byte, op] of changes) {
          const i = b.length === 0 ? 0 : at % b.length;
          first = Math.min(first, i);
          if (op === 'set') b[i] = byte;
          else if (op === 'insert') b.splice(i, 0, byte);
          else if (op === 'delete') b.splice(i, 1);
          else b.length = i;
        }
        const got = feed(Uint8Array.from(b), 1 << 20, how);
        // Every frame that ends before the first damaged byte is handed out unchanged.
        let end = 0;
        const intact = frames.filter((f) => (end += f.byteLength) <= first);
        expect(sameFrames(got.frames.slice(0, intact.length), intact)).toBe(true);
      }),
      { numRuns: mutated },
    );
  }, timeoutFor(mutated));
});
