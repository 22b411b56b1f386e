// The pieces of a chunk's trip (chunk-protocol.ts): the chunk size and window chosen for a
// router's maxMessageSize, and the pre-encoded frame a source reads a chunk into, which must
// decode to exactly those bytes with the core's codec and header size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK_OVERHEAD, CHUNK_SIZE, FRAME_HEADER, WINDOW, chunkFrame, chunking } from '../../src/files/chunk-protocol.js';
import { decode } from '../../src/core/wire/codec.js';
import { HEADER_SIZE, DEFAULT_MAX_MESSAGE_SIZE } from '../../src/core/wire/protocol.js';
import { assertProperty } from '../support/fc.js';

describe('files: chunking', () => {
  it("the frame header size is the core's", () => {
    expect(FRAME_HEADER).toBe(HEADER_SIZE);
  });

  it('uses CHUNK_SIZE and WINDOW under the default maxMessageSize', () => {
    expect(chunking(DEFAULT_MAX_MESSAGE_SIZE)).toEqual({ chunk: CHUNK_SIZE, window: WINDOW });
  });

  it('keeps a chunk and its overhead within any maxMessageSize, the window within 64', () => {
    assertProperty(
      fc.property(fc.integer({ min: CHUNK_OVERHEAD + 1, max: 2 * CHUNK_SIZE }), (max) => {
        const { chunk, window } = chunking(max);
        expect(chunk + CHUNK_OVERHEAD).toBeLessThanOrEqual(max);
        expect(chunk).toBeGreaterThan(0);
        expect(chunk).toBeLessThanOrEqual(CHUNK_SIZE);
        expect(window).toBeGreaterThanOrEqual(WINDOW);
        expect(window).toBeLessThanOrEqual(64);
        // A smaller chunk does not hold more bytes in flight than the default does.
        expect(chunk * window).toBeLessThanOrEqual(CHUNK_SIZE * WINDOW + chunk);
      }),
    );
  });

  it('a chunk frame decodes to the bytes read into it, whatever their length', () => {
    const lengths = [0, 1, 255, 256, 65535, 65536, 300_001];
    for (const length of lengths) {
      const { frame, data } = chunkFrame(length);
      for (let i = 0; i < length; i++) data[i] = (i * 31 + 7) & 0xff;
      expect(data.byteLength).toBe(length);
      // It owns its whole buffer (a transfer between threads moves it, no copy).
      expect(frame.byteOffset).toBe(0);
      expect(frame.buffer.byteLength).toBe(frame.byteLength);
      const v = decode(frame.subarray(HEADER_SIZE));
      expect(v).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(v as Uint8Array).equals(data)).toBe(true);
    }
  });
});
