// With copyFrames (a reused read buffer), the whole frames of one chunk are copied out together
// (issue 12): they must survive the chunk being overwritten, and a bad header after them must
// still come after them.
import { describe, expect, it } from 'vitest';
import { FrameParser, ProtocolError } from '../src/core/wire/frame-parser.js';
import { encodeFrame } from '../src/core/wire/protocol.js';

const frames = [1, 2, 3].map((k) => encodeFrame(k, 2, 3, 100 + k, 0, new Uint8Array([k, k, k, k])));
const chunkOf = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.byteLength) - p.byteLength);
  return out;
};

describe('FrameParser copyFrames, several frames in one chunk', () => {
  it('hands out copies that stay intact when the chunk is reused', () => {
    const chunk = chunkOf(frames);
    const got: Uint8Array[] = [];
    new FrameParser(100, (f) => got.push(f), { copyFrames: true }).push(chunk);
    chunk.fill(0);
    expect(got.map((f) => [...f])).toEqual(frames.map((f) => [...f]));
    for (const f of got) expect(f.buffer).not.toBe(chunk.buffer);
  });

  it('hands out the frames before a bad header, then throws ProtocolError', () => {
    const bad = new Uint8Array(frames[0]!.byteLength).fill(0xee);
    const got: Uint8Array[] = [];
    const parser = new FrameParser(100, (f) => got.push(f), { copyFrames: true });
    expect(() => parser.push(chunkOf([frames[0]!, frames[1]!, bad]))).toThrow(ProtocolError);
    expect(got.map((f) => [...f])).toEqual([[...frames[0]!], [...frames[1]!]]);
  });

  it('keeps a trailing partial frame for the next chunk', () => {
    const chunk = chunkOf(frames);
    const cut = chunk.byteLength - 3;
    const got: Uint8Array[] = [];
    const parser = new FrameParser(100, (f) => got.push(f), { copyFrames: true });
    const scratch = new Uint8Array(chunk.byteLength);
    scratch.set(chunk.subarray(0, cut));
    parser.push(scratch.subarray(0, cut));
    scratch.fill(0);
    parser.push(chunk.subarray(cut));
    expect(got.map((f) => [...f])).toEqual(frames.map((f) => [...f]));
  });
});
