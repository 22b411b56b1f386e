// tendril's codec speaks standard MessagePack: cross-checked against msgpackr (a widely used
// implementation) for every standard type, in both directions.
import fc from 'fast-check';
import { assertProperty } from './support/fc.js';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../src/core/wire/codec.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint', useBigIntExtension: false } as ConstructorParameters<typeof Packr>[0]);

// Standard msgpack values whose JS meaning is the same in both libraries.
const standard = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
    fc.double({ noNaN: true }).filter((d) => !Object.is(d, -0) && !Number.isInteger(d)),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 5 }),
  ),
}));

/** Plain comparable form: bytes as { bin: [...] } whatever their class (Buffer or Uint8Array). */
function norm(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bin: [...v] };
  if (Array.isArray(v)) return v.map(norm);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}

describe('codec interoperates with msgpackr', () => {
  it('what tendril encodes, msgpackr decodes to the same value', () => {
    assertProperty(fc.property(standard.value, (v) => {
      expect(norm(packr.unpack(encode(v)))).toEqual(norm(v));
    }), { numRuns: 500 });
  });

  it('what msgpackr encodes, tendril decodes to the same value', () => {
    assertProperty(fc.property(standard.value, (v) => {
      expect(norm(decode(packr.pack(v)))).toEqual(norm(v));
    }), { numRuns: 500 });
  });

  it('dates use the standard timestamp extension both ways', () => {
    assertProperty(fc.property(fc.date({ noInvalidDate: true, min: new Date(-1e13), max: new Date(1e14) }), (d) => {
      expect((packr.unpack(encode(d)) as Date).getTime()).toBe(d.getTime());
      expect((decode(packr.pack(d)) as Date).getTime()).toBe(d.getTime());
    }));
  });

  it('64-bit integers are bigints in both', () => {
    assertProperty(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), (n) => {
      expect(BigInt(packr.unpack(encode(n)) as bigint)).toBe(n);
    }));
  });
});

describe('large values', () => {
  it('a message over 1 MiB round-trips byte-exact (the scratch buffer is released after it)', () => {
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const text = 'x'.repeat(2 * 1024 * 1024);
    const back = decode(encode({ big, text })) as { big: Uint8Array; text: string };
    expect(Buffer.compare(back.big, big)).toBe(0);
    expect(back.text).toBe(text);
    // And the writer still works for a small message right after.
    expect(decode(encode([1, 'a']))).toEqual([1, 'a']);
  });
});
