// Values for the codec's property tests (test/codec*.property.test.ts): references and the
// hooks that decode them, an exact structural comparison of what was sent with what arrived,
// and arbitraries for every supported kind of value. Errors must arrive as real instances of
// their built-in class with the same own properties; class instances arrive as their own
// enumerable data.
import { types } from 'node:util';
import fc from 'fast-check';
import { decode, encode, WIRE_REF, type DecodeHooks, type WireRef } from '../../src/core/wire/codec.js';
import { CallError } from '../../src/core/errors.js';

/** Stands in for a live Context or Sender on the sending side. */
export class TestRef {
  constructor(readonly ref: WireRef) {}
  [WIRE_REF](): WireRef {
    return this.ref;
  }
}

/** What the hooks build on the decoding side. */
export class DecodedContext {
  constructor(
    readonly id: number,
    readonly name: string,
  ) {}
}
export class DecodedSender {
  constructor(
    readonly contextId: number,
    readonly contextName: string,
    readonly handle: number,
  ) {}
}

export const hooks: DecodeHooks = {
  context: (id, name) => new DecodedContext(id, name),
  sender: (contextId, contextName, handle) => new DecodedSender(contextId, contextName, handle),
};

export const protoOf = (v: object): unknown => Object.getPrototypeOf(v);
const isPlainObject = (v: object): boolean => protoOf(v) === Object.prototype || protoOf(v) === null;
export const ownValue = (o: object, k: string): unknown => Object.getOwnPropertyDescriptor(o, k)?.value;

/**
 * Compares what was sent (`a`) with what was decoded (`b`). Numbers compare with Object.is (so
 * -0 and NaN must survive), containers element by element in iteration order, plain objects by
 * their own keys in order and must decode with Object.prototype. Returns where they differ, or
 * null when they are the same.
 */
export function difference(a: unknown, b: unknown, at = '$'): string | null {
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
    if (!Object.is(a.code, b.code)) return `${at}.code: sent ${show(a.code)}, got ${show(b.code)}`;
    if ((a.cause === undefined) !== (b.cause === undefined)) return `${at}.cause: sent ${show(a.cause)}, got ${show(b.cause)}`;
    return (
      difference(a.context ? { ...a.context } : null, b.context ? { ...b.context } : null, `${at}.context`) ??
      difference(a.remoteProps, b.remoteProps, `${at}.remoteProps`) ??
      (a.cause === undefined ? null : difference(a.cause, b.cause, `${at}.cause`))
    );
  }
  if (a instanceof Error) return errorDifference(a, b, at);
  if (a instanceof RegExp) {
    if (!(b instanceof RegExp) || protoOf(b) !== RegExp.prototype) return `${at}: sent RegExp, got ${show(b)}`;
    return a.source === b.source && a.flags === b.flags ? null : `${at}: ${String(a)} became ${String(b)}`;
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
  if (isPlainObject(a) || DATA_CLASSES.some((c) => a instanceof c)) {
    // A class instance must arrive as its own enumerable data, like a plain object.
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

/** The built-in error classes, and what an error must arrive as: the nearest of them. */
export const ERROR_BASES = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError];
const HIDDEN = ['message', 'stack', 'cause', 'errors'];

/** An Error must arrive as a real instance of its built-in base, with the same own properties. */
function errorDifference(a: Error, b: unknown, at: string): string | null {
  if (!(b instanceof Error) || !types.isNativeError(b)) return `${at}: sent ${show(a)}, got ${show(b)}`;
  if (protoOf(b) !== nearestBase(a)) return `${at}: ${show(a)} arrived as ${show(b)}`;
  if (!Object.getOwnPropertyDescriptor(a, 'name')?.enumerable && !Object.is(a.name, b.name)) return `${at}.name: ${show(a.name)} became ${show(b.name)}`;
  for (const k of HIDDEN) {
    const da = Object.getOwnPropertyDescriptor(a, k);
    const db = Object.getOwnPropertyDescriptor(b, k);
    if (da?.enumerable) continue;
    if (da === undefined) {
      if (db !== undefined) return `${at}: ${k} appeared`;
      continue;
    }
    if (db === undefined || db.enumerable) return `${at}: hidden ${k} became ${db ? 'enumerable' : 'absent'}`;
    const d = difference(da.value, db.value, `${at}.${k}`);
    if (d) return d;
  }
  const known = new Set([...Object.keys(a), ...HIDDEN.filter((k) => Object.getOwnPropertyDescriptor(a, k)), 'name']);
  const extra = Object.getOwnPropertyNames(b).filter((k) => !known.has(k));
  if (extra.length > 0 || Object.getOwnPropertySymbols(b).length > 0) return `${at}: decoded error has extra ${extra.join(', ')}`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return `${at}: error keys ${JSON.stringify(ka)} became ${JSON.stringify(kb)}`;
  for (const k of ka) {
    const d = difference(ownValue(a, k), ownValue(b, k), `${at}[${JSON.stringify(k)}]`);
    if (d) return d;
  }
  return null;
}

/** The prototype of the built-in error class nearest to `e` in its prototype chain. */
function nearestBase(e: Error): object {
  for (let p = protoOf(e) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (ERROR_BASES.some((c) => c.prototype === p)) return p;
  }
  return Error.prototype;
}

export function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object' || v === null) return String(v);
  return `object(${(protoOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null prototype'})`;
}

export function expectRoundTrip(value: unknown): void {
  const decoded = decode(encode(value), hooks);
  const d = difference(value, decoded);
  if (d) throw new Error(`round trip changed the value at ${d}`);
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

export const u32 = fc.nat({ max: 0xffffffff });

/** Object keys, with the names that have a meaning on Object.prototype over-represented. */
export const objectKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'toJSON', 'valueOf', 'hasOwnProperty', '0', '1', '-0', ''),
  // accessors on the prototypes of Uint8Array, Buffer, Map and Set
  fc.constantFrom('length', 'byteLength', 'byteOffset', 'buffer', 'parent', 'offset', 'size'),
);

/** Builds an object from entries with defineProperty, so a "__proto__" key becomes an own key. */
export function objectFrom(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

export const bigints = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 63n) - 1n, -(2n ** 64n), 2n ** 128n),
);

export const numbers = fc.oneof(
  fc.double(), // includes -0, NaN, ±Infinity, subnormals
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 64),
);

export const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  // a view into a larger buffer: only the viewed bytes may travel
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.nat()).map(([a, i, j]) => {
    const from = i % a.length;
    return a.subarray(from, from + (j % (a.length - from + 1)));
  }),
);

export const contextRef = fc.record({ id: u32, name: fc.string({ unit: 'binary', maxLength: 12 }) }).map(
  ({ id, name }) => new TestRef({ kind: 'context', id, name }),
);
export const senderRef = fc
  .record({ contextId: u32, contextName: fc.string({ unit: 'binary', maxLength: 12 }), handle: u32 })
  .map(({ contextId, contextName, handle }) => new TestRef({ kind: 'sender', contextId, contextName, handle }));

/** Values a CallError's remoteProps hold (what a thrown error's own properties could be). */
const propValue = fc.oneof(
  fc.constantFrom(undefined, null, true),
  numbers,
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.date({ noInvalidDate: true }),
  fc.array(fc.integer(), { maxLength: 3 }),
);

const oneCallError = (cause: CallError | undefined) =>
  fc
    .record({
      type: fc.string({ unit: 'binary', maxLength: 12 }),
      message: fc.string({ unit: 'binary', maxLength: 30 }),
      stack: fc.string({ unit: 'binary', maxLength: 60 }),
      context: fc.option(fc.record({ id: u32, name: fc.string({ unit: 'binary', maxLength: 12 }) }), { nil: null }),
      code: fc.option(fc.oneof(fc.constantFrom('ENOENT', 'EACCES', 'ERR_INVALID_ARG_TYPE'), fc.string({ maxLength: 8 }), fc.integer()), { nil: undefined }),
      props: fc.array(fc.tuple(objectKey, propValue), { maxLength: 4 }),
    })
    .map(({ type, message, stack, context, code, props }) =>
      new CallError(type, message, stack, context, { code, remoteProps: objectFrom(props), cause }),
    );

/** CallErrors with a code, other properties and a chain of up to three causes. */
export const callError: fc.Arbitrary<CallError> = fc
  .nat({ max: 3 })
  .chain((depth) => {
    let arb: fc.Arbitrary<CallError | undefined> = fc.constant(undefined);
    for (let i = 0; i < depth; i++) arb = arb.chain((cause) => oneCallError(cause));
    return arb.chain((cause) => oneCallError(cause));
  });

/** Classes whose instances travel as their own enumerable data. */
export class Point {
  constructor(
    public x: unknown = 0,
    public y: unknown = 0,
  ) {}
  get norm(): number {
    return 1;
  }
  moved(): Point {
    return new Point(this.x, this.y);
  }
}
export class Point3 extends Point {
  z: unknown = 0;
}
export class Bag {
  readonly #secret = 'never sent';
  static kind = 'bag';
  items: unknown[] = [];
  peek(): string {
    return this.#secret;
  }
}
export const DATA_CLASSES = [Point, Point3, Bag];

/** An instance of one of DATA_CLASSES with these own enumerable entries, and one hidden one. */
function instanceFrom(which: number, entries: [string, unknown][]): object {
  const o = which === 0 ? new Point(1, 'y') : which === 1 ? new Point3() : new Bag();
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(o, 'notEnumerable', { value: () => 'stays behind', enumerable: false });
  return o;
}

/** User subclasses of the built-in errors: they arrive as their base with the same name. */
class AppError extends RangeError {}
class NamedError extends Error {
  override name = 'NamedError';
}
class ProtoNamedError extends TypeError {}
Object.defineProperty(ProtoNamedError.prototype, 'name', { value: 'ProtoNamedError', enumerable: false, writable: true, configurable: true });
const ERROR_CLASSES: (new (message?: string, options?: { cause: unknown }) => Error)[] = [
  ...ERROR_BASES.filter((c) => c !== AggregateError) as (new (message?: string) => Error)[],
  AppError, NamedError, ProtoNamedError,
];

interface ErrorShape {
  cls: number;
  aggregate: unknown[] | null;
  message: string | null;
  cause: { value: unknown } | null;
  stack: string | null | 'keep';
  props: [string, unknown][];
}

function errorFrom(shape: ErrorShape): Error {
  const options = shape.cause ? { cause: shape.cause.value } : undefined;
  const message = shape.message ?? undefined;
  // Two frames are enough (formatting stacks through the test runner's source maps is slow).
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 2;
  const e = shape.aggregate
    ? new AggregateError(shape.aggregate, message, options)
    : new ERROR_CLASSES[shape.cls % ERROR_CLASSES.length]!(message, options);
  Error.stackTraceLimit = limit;
  // V8 formats the stack on first read: before the props below can make the message unprintable.
  void e.stack;
  if (shape.stack === null) delete e.stack;
  else if (shape.stack !== 'keep') Object.defineProperty(e, 'stack', { value: shape.stack, enumerable: false, writable: true, configurable: true });
  for (const [k, v] of shape.props) Object.defineProperty(e, k, { value: v, enumerable: true, writable: true, configurable: true });
  return e;
}

const errorKey = fc.oneof(objectKey, fc.constantFrom('code', 'errno', 'syscall', 'path', 'name', 'message', 'stack', 'cause', 'errors'));

/** RegExps of any source (escaped) and flags, and a few with syntax worth keeping. */
export const regexp = fc.oneof(
  fc
    .tuple(fc.string({ maxLength: 12 }), fc.subarray(['d', 'g', 'i', 'm', 's', 'u', 'y']))
    .map(([src, flags]) => new RegExp(src.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), flags.join(''))),
  fc.constantFrom(/(?<year>\d{4})-(?<m>\d\d)/u, /^[^/]+\/$/gim, new RegExp(''), new RegExp('\\p{L}+', 'v'), /a|b|/y),
);

export const leaf: fc.Arbitrary<unknown> = fc.oneof(
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
  regexp,
);

export const { value: supported, error: errorValue, instance: classInstance } = fc.letrec<{
  value: unknown;
  array: unknown[];
  object: Record<string, unknown>;
  map: Map<unknown, unknown>;
  set: Set<unknown>;
  error: Error;
  instance: object;
}>((tie) => ({
  // Errors and instances are rarer than the other containers: each of them is costly to build.
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    ...[leaf, tie('array'), tie('object'), tie('map'), tie('set')].map((arbitrary) => ({ arbitrary, weight: 4 })),
    { arbitrary: tie('error'), weight: 1 },
    { arbitrary: tie('instance'), weight: 1 },
  ),
  error: fc
    .record({
      cls: fc.nat(),
      aggregate: fc.option(fc.array(tie('value'), { maxLength: 2 }), { nil: null, freq: 6 }),
      message: fc.option(fc.string({ unit: 'binary', maxLength: 20 }), { nil: null, freq: 4 }),
      cause: fc.option(fc.record({ value: tie('value') }), { nil: null }),
      stack: fc.oneof(fc.constant<'keep'>('keep'), fc.constant(null), fc.string({ maxLength: 40 })),
      props: fc.array(fc.tuple(errorKey, tie('value')), { maxLength: 3 }),
    })
    .map(errorFrom),
  instance: fc.tuple(fc.nat({ max: 2 }), fc.array(fc.tuple(objectKey, tie('value')), { maxLength: 3 })).map(([w, e]) => instanceFrom(w, e)),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc
    .array(fc.tuple(objectKey, tie('value')), { maxLength: 5 })
    .map(objectFrom),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 5 }).map((e) => new Map(e)),
  set: fc.array(tie('value'), { maxLength: 5 }).map((v) => new Set(v)),
}));


/** The own keys of the prototypes a hostile message could try to reach, to compare before and after. */
export function prototypeSnapshot(): string[] {
  return [Object.prototype, Array.prototype, Map.prototype, Set.prototype, RegExp.prototype, Function.prototype, ...ERROR_BASES.map((c) => c.prototype)].flatMap(
    (p, i) => Reflect.ownKeys(p).map((k) => `${i}:${String(k)}`),
  );
}
