// Messages that are views into one larger memory (a chunk of frames) decode to their own
// values only: the decoder reads ranges of one Buffer over the memory (issue 12), so the bytes
// around a message, other messages of the chunk and a later change of memory must not leak in.
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../src/core/wire/codec.js';

/** The messages of `values` one after the other in one memory, with `gap` bytes of 0xc1 between: views of it. */
function chunk(values: unknown[], gap: number, size = 0): Uint8Array[] {
  const parts = values.map((v) => encode(v));
  const total = parts.reduce((n, p) => n + p.byteLength + gap, gap);
  const memory = new Uint8Array(Math.max(total, size)).fill(0xc1); // 0xc1: never used by msgpack
  const views: Uint8Array[] = [];
  let at = gap;
  for (const p of parts) {
    memory.set(p, at);
    views.push(memory.subarray(at, at + p.byteLength));
    at += p.byteLength + gap;
  }
  return views;
}

describe('decoding messages that share memory', () => {
  const values: unknown[] = [[null, 'node:os', 'uptime', []], 'x'.repeat(300), { a: 1, b: [2, 3] }, 42, Buffer.from([1, 2, 3])];

  for (const gap of [0, 3]) {
    it(`gives each message its own value, in any order (gap ${gap})`, () => {
      const views = chunk(values, gap);
      for (const i of [2, 0, 4, 1, 3, 0]) expect(decode(views[i]!)).toEqual(values[i]);
    });
  }

  it('gives a binary as a view of exactly its bytes', () => {
    const [view] = chunk([Buffer.from([7, 8, 9])], 5);
    const bin = decode(view!) as Uint8Array;
    expect([...bin]).toEqual([7, 8, 9]);
    expect(bin.buffer).toBe(view!.buffer);
  });

  it('refuses a message cut short even when its memory goes on', () => {
    const [view] = chunk(['a longer string'], 0, 64);
    expect(() => decode(view!.subarray(0, view!.byteLength - 2))).toThrow();
  });

  it('reads the memory as it is now, when it was reused for other messages', () => {
    const memory = new Uint8Array(32);
    const a = encode('first');
    const b = encode([1, 2]);
    memory.set(a, 4);
    expect(decode(memory.subarray(4, 4 + a.byteLength))).toBe('first');
    memory.set(b, 4);
    expect(decode(memory.subarray(4, 4 + b.byteLength))).toEqual([1, 2]);
  });

  it('decodes a message in a big memory (not kept) and then one in a small one', () => {
    const [big] = chunk([{ k: 'v' }], 1, 2 << 20);
    const [small] = chunk(['s'], 2);
    expect(decode(big!)).toEqual({ k: 'v' });
    expect(decode(small!)).toBe('s');
    expect(decode(big!)).toEqual({ k: 'v' });
  });
});
