// Property tests for src/core/wire/codec.ts: exact round trips of every supported value, TypeErrors
// that name the path of an unsupported value, and a decoder that survives hostile bytes without
// instantiating anything outside tendril's closed set of types.
import fc from 'fast-check';
import { assertProperty } from './support/fc.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, WIRE_REF, type DecodeHooks, type WireRef } from '../src/core/wire/codec.js';
import { CallError } from '../src/core/errors.js';

// ---------------------------------------------------------------------------------------------
// Helpers: references, hooks and an exact structural comparison

/** Stands in for a live Context or Sender on the sending side. */
class TestRef {
  constructor(readonly ref: WireRef) {}
  [WIRE_REF](): WireRef {
    return this.ref;
  }
}

/** What the hooks build on the decoding side. */
class DecodedContext {
  constructor(
    readonly id: number,
    readonly name: string,
  ) {}
}
class DecodedSender {
  constructor(
    readonly contextId: number,
    readonly contextName: string,
    readonly handle: number,
  ) {}
}

const hooks: DecodeHooks = {
  context: (id, name) => new DecodedContext(id, name),
  sender: (contextId, contextName, handle) => new DecodedSender(contextId, contextName, handle),
};

const protoOf = (v: object): unknown => Object.getPrototypeOf(v);
const isPlainObject = (v: object): boolean => protoOf(v) === Object.prototype || protoOf(v) === null;
const ownValue = (o: object, k: string): unknown => Object.getOwnPropertyDescriptor(o, k)?.value;

/**
 * Compares what was sent (`a`) with what was decoded (`b`). Numbers compare with Object.is (so
 * -0 and NaN must survive), containers element by element in iteration order, plain objects by
 * their own keys in order and must decode with Object.prototype. Returns where they differ, or
 * null when they are the same.
 */
function difference(a: unknown, b: unknown, at = '$'): string | null {
  if (typeof a !== 'object' || a === null) {
    return Object.is(a, b) ? null : `${at}: sent ${show(a)}, got ${show(b)}`;
  }
  if (typeof b !== 'object' || b === null) return `${at}: sent an object, got ${show(b)}`;
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array)) return `${at}: sent Uint8Array, got ${show(b)}`;
    if (protoOf(b) !== Uint8Array.prototype && protoOf(b) !== Buffer.prototype) return `${at}: got ${show(b)}`;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
      ? null
      : `${at}: bytes differ`;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || protoOf(b) !== Array.prototype) return `${at}: sent array, got ${show(b)}`;
    if (a.length !== b.length) return `${at}: length ${a.length} became ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a instanceof Date) {
    if (!(b instanceof Date)) return `${at}: sent Date, got ${show(b)}`;
    return Object.is(a.getTime(), b.getTime()) ? null : `${at}: ${a.toISOString()} became ${b.getTime()}`;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || protoOf(b) !== Map.prototype) return `${at}: sent Map, got ${show(b)}`;
    if (a.size !== b.size) return `${at}: size ${a.size} became ${b.size}`;
    const ea = [...a];
    const eb = [...b];
    for (let i = 0; i < ea.length; i++) {
      const d = difference(ea[i]![0], eb[i]![0], `${at}.<key ${i}>`) ?? difference(ea[i]![1], eb[i]![1], `${at}.<value ${i}>`);
      if (d) return d;
    }
    return null;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || protoOf(b) !== Set.prototype) return `${at}: sent Set, got ${show(b)}`;
    if (a.size !== b.size) return `${at}: size ${a.size} became ${b.size}`;
    const va = [...a];
    const vb = [...b];
    for (let i = 0; i < va.length; i++) {
      const d = difference(va[i], vb[i], `${at}.<${i}>`);
      if (d) return d;
    }
    return null;
  }
  if (a instanceof CallError) {
    if (!(b instanceof CallError)) return `${at}: sent CallError, got ${show(b)}`;
    if (a.remoteType !== b.remoteType || a.remoteMessage !== b.remoteMessage || a.remoteStack !== b.remoteStack) {
      return `${at}: CallError fields differ`;
    }
    if (b.message !== `${a.remoteType}: ${a.remoteMessage}`) return `${at}: CallError message ${b.message}`;
    return difference(a.context ? { ...a.context } : null, b.context ? { ...b.context } : null, `${at}.context`);
  }
  if (a instanceof TestRef) {
    const r = a.ref;
    if (r.kind === 'context') {
      if (!(b instanceof DecodedContext)) return `${at}: sent a context reference, got ${show(b)}`;
      return b.id === r.id && b.name === r.name ? null : `${at}: context reference differs`;
    }
    if (!(b instanceof DecodedSender)) return `${at}: sent a sender reference, got ${show(b)}`;
    return b.contextId === r.contextId && b.contextName === r.contextName && b.handle === r.handle
      ? null
      : `${at}: sender reference differs`;
  }
  if (isPlainObject(a)) {
    if (protoOf(b) !== Object.prototype) return `${at}: decoded object has prototype ${show(protoOf(b))}`;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) {
      return `${at}: keys ${JSON.stringify(ka)} became ${JSON.stringify(kb)}`;
    }
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(b, k)) return `${at}: key ${JSON.stringify(k)} is not an own property`;
      const d = difference(ownValue(a, k), ownValue(b, k), `${at}[${JSON.stringify(k)}]`);
      if (d) return d;
    }
    return null;
  }
  return `${at}: the test sent an unexpected ${show(a)}`;
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object' || v === null) return String(v);
  return `object(${(protoOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null prototype'})`;
}

function expectRoundTrip(value: unknown): void {
  const decoded = decode(encode(value), hooks);
  const d = difference(value, decoded);
  if (d) throw new Error(`round trip changed the value at ${d}`);
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const u32 = fc.nat({ max: 0xffffffff });

/** Object keys, with the names that have a meaning on Object.prototype over-represented. */
const objectKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'toJSON', 'valueOf', 'hasOwnProperty', '0', '1', '-0', ''),
  // accessors on the prototypes of Uint8Array, Buffer, Map and Set
  fc.constantFrom('length', 'byteLength', 'byteOffset', 'buffer', 'parent', 'offset', 'size'),
);

/** Builds an object from entries with defineProperty, so a "__proto__" key becomes an own key. */
function objectFrom(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const bigints = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 63n) - 1n, -(2n ** 64n), 2n ** 128n),
);

const numbers = fc.oneof(
  fc.double(), // includes -0, NaN, ±Infinity, subnormals
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 64),
);

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  // a view into a larger buffer: only the viewed bytes may travel
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.nat()).map(([a, i, j]) => {
    const from = i % a.length;
    return a.subarray(from, from + (j % (a.length - from + 1)));
  }),
);

const contextRef = fc.record({ id: u32, name: fc.string({ unit: 'binary', maxLength: 12 }) }).map(
  ({ id, name }) => new TestRef({ kind: 'context', id, name }),
);
const senderRef = fc
  .record({ contextId: u32, contextName: fc.string({ unit: 'binary', maxLength: 12 }), handle: u32 })
  .map(({ contextId, contextName, handle }) => new TestRef({ kind: 'sender', contextId, contextName, handle }));

const callError = fc
  .record({
    type: fc.string({ unit: 'binary', maxLength: 12 }),
    message: fc.string({ unit: 'binary', maxLength: 30 }),
    stack: fc.string({ unit: 'binary', maxLength: 60 }),
    context: fc.option(fc.record({ id: u32, name: fc.string({ unit: 'binary', maxLength: 12 }) }), { nil: null }),
  })
  .map(({ type, message, stack, context }) => new CallError(type, message, stack, context));

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, true, false),
  numbers,
  bigints,
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ maxLength: 300 }), // long enough for msgpackr's other string paths
  bytes,
  fc.date({ noInvalidDate: true }),
  contextRef,
  senderRef,
  callError,
);

const { value: supported } = fc.letrec<{
  value: unknown;
  array: unknown[];
  object: Record<string, unknown>;
  map: Map<unknown, unknown>;
  set: Set<unknown>;
}>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leaf, tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc
    .array(fc.tuple(objectKey, tie('value')), { maxLength: 5 })
    .map(objectFrom),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 5 }).map((e) => new Map(e)),
  set: fc.array(tie('value'), { maxLength: 5 }).map((v) => new Set(v)),
}));

// ---------------------------------------------------------------------------------------------
// Object.prototype must never change, whatever is decoded.

let prototypeKeys: string[] = [];
const snapshot = (): string[] =>
  [Object.prototype, Array.prototype, Map.prototype, Set.prototype].flatMap((p, i) =>
    Reflect.ownKeys(p).map((k) => `${i}:${String(k)}`),
  );
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

  it('CallError round-trips remoteType, remoteMessage, remoteStack and context', () => {
    assertProperty(
      fc.property(callError, (e) => {
        const got = decode(encode(e));
        expect(got).toBeInstanceOf(CallError);
        const c = got as CallError;
        expect([c.remoteType, c.remoteMessage, c.remoteStack, c.context]).toEqual([e.remoteType, e.remoteMessage, e.remoteStack, e.context]);
        expect(c.message).toBe(`${e.remoteType}: ${e.remoteMessage}`);
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

class Socket {
  fd = 3;
}
class Connection {}

/** Values encode must refuse, with the type name the message must give. */
const unsupported: fc.Arbitrary<{ make: () => unknown; type: string }> = fc.constantFrom(
  { make: () => () => 1, type: 'function' },
  { make: () => async function named() {}, type: 'function' },
  { make: () => class Foo {}, type: 'function' },
  { make: () => Symbol('s'), type: 'symbol' },
  { make: () => Symbol.for('tendril.wireRef'), type: 'symbol' },
  { make: () => new Socket(), type: 'Socket' },
  { make: () => new Connection(), type: 'Connection' },
  { make: () => /re/g, type: 'RegExp' },
  { make: () => new Error('boom'), type: 'Error' },
  { make: () => new RangeError('boom'), type: 'RangeError' },
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
const EXT_TYPES = [0x00, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x52, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0xff];
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

const ALLOWED_CLASSES: unknown[] = [Date, Map, Set, CallError, DecodedContext, DecodedSender];


/** Everything a decoder may hand out: returns what is not, or null. */
function forbidden(v: unknown, seen = new Set<unknown>()): string | null {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v !== 'object' || v === null) return null;
  if (seen.has(v)) return null;
  seen.add(v);
  const proto = protoOf(v);
  if (v instanceof Uint8Array) return proto === Uint8Array.prototype || proto === Buffer.prototype ? null : 'a Uint8Array subclass';
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) return 'an array with a foreign prototype';
    for (const x of v) {
      const f = forbidden(x, seen);
      if (f) return f;
    }
    return null;
  }
  if (proto === Object.prototype) {
    for (const k of Reflect.ownKeys(v)) {
      if (typeof k === 'symbol') return 'a symbol key';
      const f = forbidden(ownValue(v, k), seen);
      if (f) return f;
    }
    return null;
  }
  const cls = (proto as { constructor?: unknown } | null)?.constructor;
  if (!ALLOWED_CLASSES.includes(cls)) return `an instance of ${(cls as { name?: string } | undefined)?.name ?? 'a null-prototype object'}`;
  if (v instanceof Map) {
    for (const [k, x] of v) {
      const f = forbidden(k, seen) ?? forbidden(x, seen);
      if (f) return f;
    }
  }
  if (v instanceof Set) {
    for (const x of v) {
      const f = forbidden(x, seen);
      if (f) return f;
    }
  }
  return null;
}

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
