// Fuzz of the wire codec (issue 15, "Fuzz"): random and mutated bytes through decode(), random
// values through encode(). Only the documented errors come out: decode throws a TypeError
// (`malformed message: ...`, an extension tendril does not accept, a reference without a
// router), encode throws a TypeError naming the path; no other exception, no hang, nothing
// instantiated outside tendril's closed set, Object.prototype untouched. Whatever decodes
// can be sent again. Inputs: FUZZ_RUNS (budget.ts), 1e5 in all by default.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallError } from '../../src/core/errors.js';
import { decode, encode } from '../../src/core/wire/codec.js';
import { EXT_TYPES_TENDRIL, forbidden } from './decoded.js';
import { hooks, prototypeSnapshot, supported } from '../support/codec-values.js';
import { assertProperty } from '../support/fc.js';
import { runs, timeoutFor } from './budget.js';

let before: string[] = [];
beforeAll(() => {
  before = prototypeSnapshot();
});
afterAll(() => {
  expect(prototypeSnapshot()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

/** Decodes and checks the outcome; the bound is only there to catch a hang. */
function decodeChecked(b: Uint8Array, withHooks: boolean): void {
  const started = performance.now();
  let value: unknown;
  let ok = false;
  try {
    value = decode(b, withHooks ? hooks : null);
    ok = true;
  } catch (e) {
    if (!(e instanceof TypeError)) throw new Error(`decoding ${hex(b)} threw ${String(e)}, not a TypeError`, { cause: e });
  }
  const took = performance.now() - started;
  if (took > 2000) throw new Error(`decoding ${b.byteLength} bytes took ${took.toFixed(0)} ms`);
  if (!ok) return;
  const f = forbidden(value);
  if (f) throw new Error(`decoding ${hex(b)} produced ${f}`);
  // What was received can be sent on (depth, types): encode never fails on it but with a TypeError.
  try {
    encode(value);
  } catch (e) {
    if (!(e instanceof TypeError)) throw new Error(`re-encoding the decoded ${hex(b)} threw ${String(e)}`, { cause: e });
  }
}

const hex = (b: Uint8Array): string => (b.byteLength > 64 ? `${Buffer.from(b.subarray(0, 64)).toString('hex')}... (${b.byteLength} bytes)` : Buffer.from(b).toString('hex'));

const EXT_HEADS = [0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xc7, 0xc8, 0xc9];
const MSGPACKR_TYPES = [0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78];
/** Bytes that open structures, lengths and extensions: where decoders go wrong. */
const interesting = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EXT_HEADS, ...EXT_TYPES_TENDRIL, ...MSGPACKR_TYPES, 0x90, 0x91, 0x92, 0x9f, 0x80, 0x81, 0x8f, 0xdc, 0xdd, 0xde, 0xdf, 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb, 0xa9, 0xbf, 0xc0, 0xc1, 0xca, 0xcb, 0xcf, 0xd3, 0xff, 0x00, 0x7f, 0xe0) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

/** A msgpack-shaped stream: containers, extension markers and scalars, lengths mostly honest. */
const tokens: fc.Arbitrary<number[]> = fc.letrec<{ v: number[] }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    fc.array(interesting, { maxLength: 6 }),
    fc.tuple(fc.constantFrom(...EXT_TYPES_TENDRIL), tie('v')).map(([t, v]) => [0xd4, t, 0, ...v]),
    fc.array(tie('v'), { maxLength: 5 }).map((xs) => [0x90 | xs.length, ...xs.flat()]),
    fc.array(fc.tuple(fc.string({ maxLength: 10 }), tie('v')), { maxLength: 4 }).map((es) => [
      0x80 | es.length,
      ...es.flatMap(([k, v]) => [0xa0 | Math.min(Buffer.byteLength(k), 31), ...Buffer.from(k).subarray(0, 31), ...v]),
    ]),
    fc.string({ maxLength: 20 }).map((s) => [0xd9, Buffer.byteLength(s), ...Buffer.from(s)]),
  ),
})).v;

/** Valid encodings to mutate: sampled once (generating values is what costs, not decoding). */
const samples = fc.sample(supported, { numRuns: 400, seed: 42 }).map((v) => encode(v));

/** A valid encoding with bytes flipped, inserted, removed, duplicated or cut off. */
const mutated = fc
  .tuple(
    fc.constantFrom(...samples),
    fc.array(
      fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'cut', 'dup', 'xor')),
      { minLength: 1, maxLength: 5 },
    ),
  )
  .map(([encoded, edits]) => {
    const b = [...encoded];
    for (const [at, len, byte, op] of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (op === 'set') b[i] = byte;
      else if (op === 'xor') b[i] = (b[i] ?? 0) ^ (1 << (byte & 7));
      else if (op === 'insert') b.splice(i, 0, byte);
      else if (op === 'delete') b.splice(i, 1 + (len % 4));
      else if (op === 'dup') b.splice(i, 0, ...b.slice(i, i + 1 + (len % 16)));
      else b.length = i;
    }
    return Uint8Array.from(b);
  });

describe('codec fuzz', () => {
  const random = runs(0.2);
  it(`random bytes (${random}): a value of the closed set or a TypeError`, () => {
    assertProperty(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 96 }), fc.array(interesting, { maxLength: 64 }).map((a) => Uint8Array.from(a))), fc.boolean(), (b, h) =>
        decodeChecked(b, h),
      ),
      { numRuns: random },
    );
  }, timeoutFor(random));

  const shaped = runs(0.15);
  it(`msgpack-shaped streams with tendril's and msgpackr's extensions (${shaped})`, () => {
    assertProperty(fc.property(tokens, fc.boolean(), (t, h) => decodeChecked(Uint8Array.from(t), h)), { numRuns: shaped });
  }, timeoutFor(shaped));

  const mutations = runs(0.15);
  it(`mutated valid encodings (${mutations})`, () => {
    assertProperty(fc.property(mutated, fc.boolean(), (b, h) => decodeChecked(b, h)), { numRuns: mutations });
  }, timeoutFor(mutations));

  const values = runs(0.05);
  it(`encode of anything (${values}): bytes that decode to the same kinds, or a TypeError naming the path`, () => {
    assertProperty(
      fc.property(fc.anything({ withMap: true, withSet: true, withBigInt: true, withDate: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true }), (v) => {
        let b: Uint8Array;
        try {
          b = encode(v, 'args');
        } catch (e) {
          expect(e).toBeInstanceOf(TypeError);
          expect((e as Error).message).toMatch(/^cannot send args/);
          return;
        }
        const back = decode(b);
        expect(forbidden(back)).toBe(null);
        expect(encode(back)).toEqual(b);
      }),
      { numRuns: values },
    );
  }, timeoutFor(values));

  it('big announced lengths and deep nesting fail fast, as TypeErrors', () => {
    for (const h of ['ddffffffff', 'dfffffffff', 'c6ffffffff', 'dbffffffff', 'c9ffffffff40', 'd4400091'.repeat(4000) + '01', '91'.repeat(200_000) + '01', '81a161'.repeat(50_000) + 'c0']) {
      decodeChecked(Buffer.from(h, 'hex'), true);
      expect(() => decode(Buffer.from(h, 'hex'))).toThrow(TypeError);
    }
    // A CallError chain from a hostile peer ends where the bytes do.
    expect(decode(encode(new CallError('E', 'm', '', null)))).toBeInstanceOf(CallError);
  });
});
