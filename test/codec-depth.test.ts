// Deep values (issue 15 defect 7): one depth limit, MAX_DEPTH (500 containers), enforced on
// encode and on decode with a TypeError naming the path; never a bare RangeError, in the
// master or in a child (before: the encoder overflowed the stack at ~1,560 objects / ~2,120
// arrays and the decoder's own limit, 5,000, was never reached).
import { describe, expect, it } from 'vitest';
import { CallError } from '../src/index.js';
import { decode, encode, MAX_DEPTH } from '../src/core/wire/codec.js';
import { rejectionOf } from './support/errors.js';
import { withRouter } from './support/router.js';

/** A value nested `n` containers deep, each made by `wrap`. */
function nest(n: number, wrap: (inner: unknown) => unknown): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < n; i++) v = wrap(v);
  return v;
}

const kinds: { name: string; wrap: (inner: unknown) => unknown; step: string }[] = [
  { name: 'arrays', wrap: (x) => [x], step: '[0]' },
  { name: 'objects', wrap: (x) => ({ a: x }), step: '.a' },
  { name: 'Maps', wrap: (x) => new Map([['k', x]]), step: '.get("k")' },
  { name: 'Sets', wrap: (x) => new Set([x]), step: '[0]' },
  { name: 'class instances', wrap: (x) => new (class Box { constructor(readonly v: unknown) {} })(x), step: '.v' },
  { name: 'errors (cause)', wrap: (x) => new Error('e', { cause: x }), step: '.cause' },
  { name: 'objects with an own __proto__', wrap: (x) => Object.defineProperty({}, '__proto__', { value: x, enumerable: true }), step: '.__proto__' },
];

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('deep values: one limit, MAX_DEPTH containers, on both sides', () => {
  it('is 500', () => {
    expect(MAX_DEPTH).toBe(500);
  });

  for (const k of kinds) {
    it(`${k.name}: ${MAX_DEPTH} levels round-trip, one more is a TypeError naming the path`, () => {
      const ok = nest(MAX_DEPTH, k.wrap);
      expect(decode(encode(ok))).toEqual(ok);
      const e = errorOf(() => encode(nest(MAX_DEPTH + 1, k.wrap), 'args'));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe(`cannot send args${k.step.repeat(MAX_DEPTH)}: nested deeper than ${MAX_DEPTH} levels`);
    });
  }

  it('far deeper values (10^5 levels) are the same TypeError, never a RangeError', () => {
    // (Before the limit the encoder overflowed the stack: a bare RangeError.)
    for (const k of kinds.slice(0, 3)) {
      const e = errorOf(() => encode(nest(100_000, k.wrap), 'result'));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(/^cannot send result.*: nested deeper than 500 levels$/);
    }
  });

  it('a cycle is still named as a cycle, where it closes', () => {
    const o: Record<string, unknown> = { a: [1] };
    (o.a as unknown[]).push({ b: o });
    expect(() => encode(o, 'args')).toThrow('cannot send args.a[1].b: the value contains a cycle');
  });

  it('decoding: bytes nested deeper than the limit are a TypeError naming the path; at the limit they decode', () => {
    const arrays = (n: number): Uint8Array => Uint8Array.from([...Array<number>(n).fill(0x91), 0x01]);
    expect(decode(arrays(MAX_DEPTH))).toEqual(JSON.parse(`${'['.repeat(MAX_DEPTH)}1${']'.repeat(MAX_DEPTH)}`));
    for (const n of [MAX_DEPTH + 1, 5000, 100_000]) {
      const e = errorOf(() => decode(arrays(n)));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe(`malformed message: value${'[0]'.repeat(MAX_DEPTH)}: nested deeper than ${MAX_DEPTH} levels`);
    }
    // Maps nest through their extension: the marker is the level, its entry list is not.
    const maps = (n: number): Uint8Array => Uint8Array.from([...Array<number[]>(n).fill([0xd4, 0x40, 0x00, 0x92, 0xa1, 0x6b]).flat(), 0x01]);
    expect(decode(maps(MAX_DEPTH))).toBeInstanceOf(Map);
    expect(() => decode(maps(MAX_DEPTH + 1))).toThrow(TypeError);
    // Plain maps: the path names the keys.
    const objects = Uint8Array.from([...Array<number[]>(MAX_DEPTH + 1).fill([0x81, 0xa1, 0x61]).flat(), 0x01]);
    expect(() => decode(objects)).toThrow(`malformed message: value${'.a'.repeat(MAX_DEPTH)}: nested deeper than ${MAX_DEPTH} levels`);
  });
});

describe('deep values between real processes', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('an argument over the limit is a TypeError at the sender; a result over it is a CallError naming the path; the context lives on', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(ctx.call('node:util', 'inspect', nest(MAX_DEPTH + 1, (x) => ({ a: x }))));
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/^cannot send args\[0\](\.a)+: nested deeper than 500 levels$/);
    // vm.runInNewContext builds the deep value in the child (another realm's arrays).
    const deep = `${'['.repeat(MAX_DEPTH + 1)}1${']'.repeat(MAX_DEPTH + 1)}`;
    const remote = await rejectionOf(ctx.call('node:vm', 'runInNewContext', deep));
    expect(remote).toBeInstanceOf(CallError);
    expect((remote as CallError).remoteMessage).toMatch(/^cannot send result(\[0\])+: nested deeper than 500 levels$/);
    // At the limit it travels, and the context still answers.
    const atLimit = `${'['.repeat(MAX_DEPTH)}1${']'.repeat(MAX_DEPTH)}`;
    expect(await ctx.call('node:vm', 'runInNewContext', atLimit)).toEqual(JSON.parse(atLimit));
    expect(await ctx.call('node:path', 'basename', '/a/b')).toBe('b');
  }, 60_000);
});
