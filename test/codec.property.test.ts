// Property tests for src/core/wire/codec.ts: exact round trips of every supported value, TypeErrors
// that name the path of an unsupported value, and a decoder that survives hostile bytes without
// instantiating anything outside tendril's closed set of types.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { assertProperty } from './support/fc.js';
import { forbidden } from './fuzz/decoded.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, WIRE_REF, type DecodeHooks, type WireRef } from '../src/core/wire/codec.js';
import { CallError } from '../src/core/errors.js';
import {
  callError, contextRef, DecodedContext, difference, expectRoundTrip, hooks, leaf, objectFrom,
  objectKey, prototypeSnapshot, senderRef, show, supported, TestRef,
} from './support/codec-values.js';

// ---------------------------------------------------------------------------------------------
// Object.prototype must never change, whatever is decoded.

let prototypeKeys: string[] = [];
const snapshot = prototypeSnapshot;
beforeAll(() => {
  prototypeKeys = snapshot();
});
afterEach(() => {
  expect(snapshot()).toEqual(prototypeKeys);
  expect(Object.getPrototypeOf(Object.prototype)).toBe(null);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

// ---------------------------------------------------------------------------------------------

describe('codec round trip', () => {
  it('every supported value round-trips exactly', () => {
    assertProperty(fc.property(supported, expectRoundTrip), { numRuns: 1500 });
  });

  it('numbers, bigints, strings, bytes and dates round-trip exactly at the top level', () => {
    assertProperty(fc.property(leaf, expectRoundTrip), { numRuns: 1500 });
  });

  it('edge values', () => {
    for (const v of [
      -0, NaN, Infinity, -Infinity, 0, 2 ** 53, -(2 ** 53), 2n ** 64n, -(2n ** 64n) - 1n, 2n ** 1000n, '', 'é😀\u{10ffff}',
      new Date(8.64e15), new Date(-8.64e15), new Date(-1), new Date(-1500), new Uint8Array(0),
      [-0, [-0]], { a: -0 }, new Map([[NaN, -0]]), new Set([-0, NaN]), new Map([[{ a: 1 }, new Set([[]])]]),
      // A leading U+FEFF is data, not a byte order mark (FC_SEED=-840845268 found it dropped).
      '\uFEFF', '\uFEFFa', `\uFEFF${'x'.repeat(300)}`, { '\uFEFFk': '\uFEFF' },
    ]) {
      expectRoundTrip(v);
    }
  });

  it('an own "__proto__" key stays data (JSON.parse and defineProperty)', () => {
    assertProperty(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 2 }), (inner, sibling) => {
        const text = `{"a":${JSON.stringify(sibling)},"__proto__":${JSON.stringify(inner)},"b":1}`;
        const sent = JSON.parse(text) as object;
        const got = decode(encode(sent)) as object;
        expect(difference(sent, got)).toBe(null);
        expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
        expect(Object.keys(got)).toEqual(['a', '__proto__', 'b']);
        expect(JSON.stringify(got)).toBe(JSON.stringify(sent));
      }),
      { numRuns: 300 },
    );
    const nested = objectFrom([['__proto__', objectFrom([['__proto__', { polluted: true }]])]]);
    expectRoundTrip({ x: [nested], m: new Map([[nested, nested]]) });
  });

  it('objects with a null prototype decode as plain objects with the same entries', () => {
    assertProperty(
      fc.property(fc.array(fc.tuple(objectKey, supported), { maxLength: 5 }), (entries) => {
        const sent = Object.create(null) as Record<string, unknown>;
        for (const [k, v] of entries) Object.defineProperty(sent, k, { value: v, enumerable: true, writable: true, configurable: true });
        const got = decode(encode(sent), hooks) as object;
        expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
        expect(difference(sent, got)).toBe(null);
      }),
      { numRuns: 200 },
    );
  });

  it('Context references decode through hooks.context, Sender references through hooks.sender', () => {
    assertProperty(
      fc.property(fc.oneof(contextRef, senderRef), fc.boolean(), (ref, nested) => {
        const calls: string[] = [];
        const spy: DecodeHooks = {
          context: (id, name) => (calls.push('context'), hooks.context(id, name)),
          sender: (c, n, h) => (calls.push('sender'), hooks.sender(c, n, h)),
        };
        const sent = nested ? { args: [1, ref] } : ref;
        const got = decode(encode(sent), spy);
        expect(difference(sent, got)).toBe(null);
        expect(calls).toEqual([ref.ref.kind]);
      }),
      { numRuns: 300 },
    );
    // Any object carrying the method travels as a reference, not only class instances.
    const literal = { [WIRE_REF]: (): WireRef => ({ kind: 'context', id: 7, name: 'web1' }) };
    expect(decode(encode([literal]), hooks)).toEqual([new DecodedContext(7, 'web1')]);
  });

  it('a reference without hooks fails to decode with a TypeError', () => {
    const bytes = encode(new TestRef({ kind: 'context', id: 1, name: 'a' }));
    expect(() => decode(bytes)).toThrow(TypeError);
    expect(() => decode(bytes, null)).toThrow(/router/);
  });

  it('CallError round-trips remoteType, remoteMessage, remoteStack, context, code, remoteProps and cause', () => {
    assertProperty(
      fc.property(callError, (e) => {
        const got = decode(encode(e));
        expect(got).toBeInstanceOf(CallError);
        const c = got as CallError;
        expect([c.remoteType, c.remoteMessage, c.remoteStack, c.context]).toEqual([e.remoteType, e.remoteMessage, e.remoteStack, e.context]);
        expect(c.message).toBe(`${e.remoteType}: ${e.remoteMessage}`);
        expect(c.code).toBe(e.code);
        expect(difference(e, c)).toBe(null);
        // The cause is a real `cause` (util.inspect and error tooling follow it), a CallError.
        expect(Object.prototype.hasOwnProperty.call(c, 'cause')).toBe(e.cause !== undefined);
        if (e.cause !== undefined) expect(c.cause).toBeInstanceOf(CallError);
      }),
      { numRuns: 300 },
    );
  });

  it('an own "__proto__" Uint8Array next to a "length" key and a boxed value round-trips', () => {
    // Regression: copying the object once set the copy's prototype to the Uint8Array.
    expectRoundTrip(objectFrom([['__proto__', new Uint8Array([1])], ['length', 1], ['x', -0]]));
  });

  it('an own "__proto__" Uint8Array next to a numeric key holding a Map round-trips', () => {
    // Regression: the Map was swallowed by the typed array prototype and sent as undefined.
    expectRoundTrip(objectFrom([['__proto__', new Uint8Array(0)], ['-0', new Map()]]));
  });

  it('own "constructor" and "toJSON" keys stay data', () => {
    expectRoundTrip({ constructor: 1, toJSON: 'x' });
    expectRoundTrip({ constructor: { toJSON: 2 }, toJSON: { a: -0 } });
    const bare = Object.create(null) as Record<string, unknown>;
    bare.toJSON = 'x';
    expect(decode(encode(bare))).toEqual({ toJSON: 'x' });
  });

  it('empty input decodes as undefined', () => {
    expect(decode(new Uint8Array(0))).toBe(undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Unsupported values at a random path

// Refused by the name of their class (a handle, socket, stream or emitter keeps its state out
// of its properties), whatever they hold.
class Socket {
  fd = 3;
}
class FakeHandle {
  id = 1;
}

/** Values encode must refuse, with the type name the message must give. */
const unsupported: fc.Arbitrary<{ make: () => unknown; type: string }> = fc.constantFrom(
  { make: () => () => 1, type: 'function' },
  { make: () => async function named() {}, type: 'function' },
  { make: () => class Foo {}, type: 'function' },
  { make: () => Symbol('s'), type: 'symbol' },
  { make: () => Symbol.for('tendril.wireRef'), type: 'symbol' },
  { make: () => new Socket(), type: 'Socket' },
  { make: () => new FakeHandle(), type: 'FakeHandle' },
  { make: () => new EventEmitter(), type: 'EventEmitter' },
  { make: () => new PassThrough(), type: 'PassThrough' },
  { make: () => new AbortController().signal, type: 'AbortSignal' },
  { make: () => new URL('http://example.com/'), type: 'URL' },
  { make: () => Object(1), type: 'Number' },
  { make: () => new WeakRef({}), type: 'WeakRef' },
  { make: () => (function* gen() {})(), type: 'Generator' },
  { make: () => (async function* agen() {})(), type: 'AsyncGenerator' },
  { make: () => new Map([[1, 2]]).entries(), type: 'Map Iterator' },
  { make: () => new Int16Array(2), type: 'Int16Array' },
  { make: () => new Float64Array(1), type: 'Float64Array' },
  { make: () => new Uint8ClampedArray(1), type: 'Uint8ClampedArray' },
  { make: () => new ArrayBuffer(4), type: 'ArrayBuffer' },
  { make: () => new DataView(new ArrayBuffer(4)), type: 'DataView' },
  { make: () => new WeakMap(), type: 'WeakMap' },
  { make: () => new WeakSet(), type: 'WeakSet' },
  { make: () => Promise.resolve(1), type: 'Promise' },
);

type Step =
  | { kind: 'array'; before: unknown[]; after: unknown[] }
  | { kind: 'object'; key: string; before: [string, unknown][]; after: [string, unknown][] }
  | { kind: 'mapValue'; key: unknown; before: [unknown, unknown][]; after: [unknown, unknown][] }
  | { kind: 'mapKey'; value: unknown; before: [unknown, unknown][]; after: [unknown, unknown][] }
  | { kind: 'set'; before: unknown[]; after: unknown[] };

const siblings = fc.array(supported, { maxLength: 3 });
const siblingEntries = fc.array(fc.tuple(objectKey, supported), { maxLength: 3 });
const siblingMapEntries = fc.array(fc.tuple(supported, supported), { maxLength: 3 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('array' as const), before: siblings, after: siblings }),
  fc.record({ kind: fc.constant('object' as const), key: objectKey, before: siblingEntries, after: siblingEntries }),
  fc.record({
    kind: fc.constant('mapValue' as const),
    key: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.double(), supported),
    before: siblingMapEntries,
    after: siblingMapEntries,
  }),
  fc.record({ kind: fc.constant('mapKey' as const), value: supported, before: siblingMapEntries, after: siblingMapEntries }),
  fc.record({ kind: fc.constant('set' as const), before: siblings, after: siblings }),
);

const sameValueZero = (a: unknown, b: unknown): boolean => a === b || (a !== a && b !== b);
const ident = /^[A-Za-z_$][\w$]*$/;

/**
 * Builds the structure described by `steps` (outermost first) with `hole` at the innermost
 * slot, and returns it with the path the codec must report for the hole.
 */
function place(
  steps: Step[],
  hole: (ancestors: object[]) => unknown,
  root: string,
): { value: unknown; path: string } {
  const ancestors: object[] = [];
  let path = root;
  const build = (level: number): unknown => {
    if (level === steps.length) return hole(ancestors);
    const s = steps[level]!;
    switch (s.kind) {
      case 'array': {
        const a: unknown[] = [];
        ancestors.push(a);
        path += `[${s.before.length}]`;
        a.push(...s.before, build(level + 1), ...s.after);
        return a;
      }
      case 'object': {
        const o: Record<string, unknown> = {};
        ancestors.push(o);
        path += ident.test(s.key) ? `.${s.key}` : `[${JSON.stringify(s.key)}]`;
        const define = (k: string, v: unknown) =>
          Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        for (const [k, v] of s.before) if (k !== s.key) define(k, v);
        define(s.key, build(level + 1));
        for (const [k, v] of s.after) if (k !== s.key) define(k, v);
        return o;
      }
      case 'mapValue': {
        const m = new Map<unknown, unknown>();
        ancestors.push(m);
        for (const [k, v] of s.before) if (!sameValueZero(k, s.key)) m.set(k, v);
        const i = m.size;
        m.set(s.key, undefined);
        const key = [...m.keys()][i]; // as the Map stores it (-0 becomes 0)
        const label = typeof key === 'string' ? JSON.stringify(key) : typeof key === 'number' ? String(key) : `<key ${i}>`;
        path += `.get(${label})`;
        m.set(s.key, build(level + 1));
        for (const [k, v] of s.after) if (!sameValueZero(k, s.key)) m.set(k, v);
        return m;
      }
      case 'mapKey': {
        const m = new Map<unknown, unknown>();
        ancestors.push(m);
        for (const [k, v] of s.before) m.set(k, v);
        path += `.<key ${m.size}>`;
        m.set(build(level + 1), s.value); // the hole (or a container holding it) is a fresh key
        for (const [k, v] of s.after) m.set(k, v);
        return m;
      }
      case 'set': {
        const set = new Set<unknown>();
        ancestors.push(set);
        for (const v of s.before) set.add(v);
        path += `[${set.size}]`;
        set.add(build(level + 1));
        for (const v of s.after) set.add(v);
        return set;
      }
    }
  };
  const value = build(0);
  return { value, path };
}

function encodeError(value: unknown, root: string): unknown {
  try {
    if (root === 'value') encode(value);
    else encode(value, root);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('codec refuses unsupported values', () => {
  it('names the path and the type, as in "args[1].conn: Socket"', () => {
    expect(() => encode([1, { conn: new Socket() }], 'args')).toThrow(TypeError);
    expect(() => encode([1, { conn: new Socket() }], 'args')).toThrow('args[1].conn: Socket');
  });

  it('an unsupported value anywhere in a supported structure is a TypeError naming its path', () => {
    assertProperty(
      fc.property(
        fc.array(step, { maxLength: 5 }),
        unsupported,
        fc.constantFrom('value', 'args', 'result'),
        (steps, bad, root) => {
          const { value, path } = place(steps, () => bad.make(), root);
          const e = encodeError(value, root);
          expect(e).toBeInstanceOf(TypeError);
          expect((e as TypeError).message).toContain(`${path}: ${bad.type}`);
        },
      ),
      { numRuns: 800 },
    );
  });

  it('a cycle anywhere is a TypeError naming the path where the cycle closes', () => {
    assertProperty(
      fc.property(fc.array(step, { minLength: 1, maxLength: 5 }), fc.nat(), fc.constantFrom('value', 'args'), (steps, pick, root) => {
        const { value, path } = place(steps, (ancestors) => ancestors[pick % ancestors.length], root);
        const e = encodeError(value, root);
        expect(e).toBeInstanceOf(TypeError);
        expect((e as TypeError).message).toContain(`${path}: the value contains a cycle`);
      }),
      { numRuns: 500 },
    );
  });

  it('shared (acyclic) references are fine', () => {
    const shared = { a: [1, 2] };
    const decoded = decode(encode([shared, shared, new Map([[shared, shared]])])) as unknown[];
    expect(decoded[0]).toEqual(shared);
    expect(decoded[1]).toEqual(shared);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile bytes

const EXT_HEADS = [0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xc7, 0xc8, 0xc9];
const EXT_TYPES = [0x00, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x52, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0xff];
/** Bytes that open msgpack structures with lengths, extensions and strings. */
const interestingByte = fc.oneof(
  fc.constantFrom(...EXT_HEADS, ...EXT_TYPES, 0x90, 0x91, 0x92, 0x80, 0x81, 0xdc, 0xdd, 0xde, 0xdf, 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb, 0xa9, 0xc0, 0xc1, 0xcb, 0xd3, 0xcf, 0xff, 0x00),
  fc.integer({ min: 0, max: 255 }),
);

/** A valid encoding with a few bytes flipped, inserted, removed or cut off. */
const mutatedEncoding = fc
  .tuple(supported, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'cut')), { minLength: 1, maxLength: 4 }))
  .map(([v, edits]) => {
    const b = [...encode(v)];
    for (const [at, byte, op] of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (op === 'set') b[i] = byte;
      else if (op === 'insert') b.splice(i, 0, byte);
      else if (op === 'delete') b.splice(i, 1);
      else b.length = i;
    }
    return Uint8Array.from(b);
  });

const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.array(interestingByte, { maxLength: 48 }).map((a) => Uint8Array.from(a)),
  fc.tuple(fc.constantFrom(...EXT_HEADS), fc.constantFrom(...EXT_TYPES), fc.array(interestingByte, { maxLength: 30 })).map(
    ([head, type, rest]) => {
      // a well-formed extension header (length byte(s) in the right place) followed by data
      const len = rest.length;
      const lenBytes = head === 0xc7 ? [len & 0xff] : head === 0xc8 ? [len >> 8, len & 0xff] : head === 0xc9 ? [0, 0, len >> 8, len & 0xff] : [];
      return Uint8Array.from([head, ...lenBytes, type, ...rest]);
    },
  ),
  mutatedEncoding,
);


function tryDecode(b: Uint8Array, h: DecodeHooks | null): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: decode(b, h) };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('decoding hostile bytes', () => {
  it('returns only supported types or throws', () => {
    assertProperty(
      fc.property(hostileBytes, fc.boolean(), (b, withHooks) => {
        const started = performance.now();
        const r = tryDecode(b, withHooks ? hooks : null);
        expect(performance.now() - started).toBeLessThan(2000);
        if (r.ok) {
          const f = forbidden(r.value);
          if (f) throw new Error(`decoding ${Buffer.from(b).toString('hex')} produced ${f}`);
        } else {
          expect(r.error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 4000 },
    );
  });

  it("msgpackr's own extensions (Error, RegExp, typed arrays, Set, structured clone, bundles) are refused", () => {
    const cases = [
      'd47800', // RegExp, fixext 1
      'd4780092a161a0', // RegExp with its [source, flags] data
      'd5780000', // RegExp, fixext 2
      'c7016500', // Error, ext 8
      'd4650093a54572726f72a178c0', // Error with [name, message, cause]
      'd47300', // Set through msgpackr's extension, not tendril's
      'd4730091c0',
      'd47401', // typed array
      'c703740100ff', // Int8Array [0, 0xff]
      'c7037410000000', // ArrayBuffer (type code 16)
      'c7037411000000', // DataView (type code 17)
      'c7090401aabbccdd00000000',
      'd66900000001', // structured clone id
      'd67000000001', // structured clone pointer
      'd6620000000a', // bundled strings
    ];
    for (const hex of cases) {
      const r = tryDecode(Buffer.from(hex, 'hex'), hooks);
      if (r.ok) throw new Error(`${hex} decoded as ${show(r.value)}`);
    }
    // whatever the data after the type byte, and in every extension form
    assertProperty(
      fc.property(
        fc.constantFrom(...EXT_HEADS),
        fc.constantFrom(0x62, 0x65, 0x69, 0x70, 0x73, 0x74, 0x78),
        fc.uint8Array({ minLength: 16, maxLength: 40 }),
        (head, type, rest) => {
          const fixed: Record<number, number> = { 0xd4: 1, 0xd5: 2, 0xd6: 4, 0xd7: 8, 0xd8: 16 };
          const size = fixed[head] ?? rest.length - 8;
          const lenBytes = head === 0xc7 ? [size] : head === 0xc8 ? [0, size] : head === 0xc9 ? [0, 0, 0, size] : [];
          const r = tryDecode(Uint8Array.from([head, ...lenBytes, type, ...rest]), hooks);
          expect(r.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('0xc1 (never valid msgpack) fails to decode, also inside containers', () => {
    // Regression: msgpackr returned its shared C1 placeholder object (scripts/msgpackr-patch.mjs).
    for (const hex of ['c1', '92c101', '81a161c1', 'd4410091c1']) {
      expect(tryDecode(Buffer.from(hex, 'hex'), hooks).ok).toBe(false);
    }
  });

  it('huge announced lengths fail fast without allocating', () => {
    for (const hex of ['ddffffffff', 'dfffffffff', 'c6ffffffff', 'dbffffffff', 'c9ffffffff40', 'c9ffffffff44', 'dc ffff', 'ddffffffff91']) {
      const started = performance.now();
      const r = tryDecode(Buffer.from(hex.replace(/ /g, ''), 'hex'), hooks);
      expect(r.ok).toBe(false);
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it('a "__proto__" key in any position never reaches a prototype', () => {
    const protoKey = Buffer.from('a95f5f70726f746f5f5f', 'hex'); // fixstr "__proto__"
    const pollute = Buffer.from('81a8706f6c6c75746564c3', 'hex'); // {polluted: true}
    const cases = [
      Buffer.concat([Buffer.from([0x81]), protoKey, pollute]), // plain msgpack map
      Buffer.concat([Buffer.from('d4430092', 'hex'), protoKey, pollute]), // tendril's own-__proto__ extension
      Buffer.concat([Buffer.from('91', 'hex'), Buffer.from([0x81]), protoKey, pollute]),
      Buffer.concat([Buffer.from('d4400092', 'hex'), protoKey, pollute]), // Map entries
    ];
    for (const b of cases) {
      const r = tryDecode(b, hooks);
      if (!r.ok) continue;
      expect(forbidden(r.value)).toBe(null);
      const first = Array.isArray(r.value) ? r.value[0] : r.value;
      if (first && typeof first === 'object' && !(first instanceof Map)) {
        expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
        expect((first as Record<string, unknown>).polluted).toBeUndefined();
      }
    }
  });
});
