// Serialization of call arguments, results and messages: msgpack (msgpackr) plus a closed set
// of extension types. Encoding first walks the value: anything outside the supported set is a
// TypeError naming where it was found, raised before a byte is sent. The walk also swaps the
// few values msgpack cannot carry exactly (Map, Set, -0, an own "__proto__" key, Context,
// Sender, CallError) for boxes with their own extension type, copying a container only when
// something inside it was swapped, so plain data is packed without a copy.
import { Packr, addExtension } from 'msgpackr';
import { CallError, type RemoteContextInfo } from './errors.js';

/** Objects that travel as references (Context, Sender) implement this. */
export const WIRE_REF = Symbol.for('tendril.wireRef');
export type WireRef =
  | { kind: 'context'; id: number; name: string }
  | { kind: 'sender'; contextId: number; contextName: string; handle: number };
interface HasWireRef {
  [WIRE_REF](): WireRef;
}

/** How decoded references become live objects in the decoding context. */
export interface DecodeHooks {
  context(id: number, name: string): unknown;
  sender(contextId: number, contextName: string, handle: number): unknown;
}

const EXT_MAP = 0x40;
const EXT_SET = 0x41;
const EXT_NEG_ZERO = 0x42 + 0x10; // 0x52: 0x42 is msgpackr's bigint extension
const EXT_PROTO_OBJECT = 0x43;
const EXT_CONTEXT = 0x44;
const EXT_SENDER = 0x45;
const EXT_CALL_ERROR = 0x46;

class MapBox {
  constructor(readonly entries: unknown[]) {}
}
class SetBox {
  constructor(readonly values: unknown[]) {}
}
class NegZero {}
const NEG_ZERO = new NegZero();
class ProtoObjectBox {
  constructor(readonly entries: unknown[]) {}
}
class RefBox {
  constructor(readonly ref: WireRef) {}
}
class CallErrorBox {
  constructor(readonly error: CallError) {}
}

let hooks: DecodeHooks | null = null;

function unsupported(type: number): never {
  throw new TypeError(`message uses msgpack extension type ${type}, which tendril does not accept`);
}
// msgpackr decodes some extensions by default (Error, RegExp, typed arrays, structured
// clones, Set, string bundles). Only our own closed set may instantiate anything.
for (const type of [0x62, 0x65, 0x69, 0x70, 0x73, 0x74, 0x78]) {
  addExtension({ type, unpack: () => unsupported(type) } as never);
}
addExtension({ Class: MapBox, type: EXT_MAP, write: (b: MapBox) => b.entries, read: (e: unknown[]) => {
  const m = new Map();
  for (let i = 0; i + 1 < e.length; i += 2) m.set(e[i], e[i + 1]);
  return m;
} });
addExtension({ Class: SetBox, type: EXT_SET, write: (b: SetBox) => b.values, read: (v: unknown[]) => new Set(v) });
addExtension({ Class: NegZero, type: EXT_NEG_ZERO, pack: () => new Uint8Array(0), unpack: () => -0 } as never);
addExtension({ Class: ProtoObjectBox, type: EXT_PROTO_OBJECT, write: (b: ProtoObjectBox) => b.entries, read: (e: unknown[]) => {
  const o: Record<string, unknown> = {};
  for (let i = 0; i + 1 < e.length; i += 2) {
    Object.defineProperty(o, String(e[i]), { value: e[i + 1], enumerable: true, writable: true, configurable: true });
  }
  return o;
} });
addExtension({ Class: RefBox, type: EXT_CONTEXT, write: (b: RefBox) => {
  const r = b.ref;
  return r.kind === 'context' ? [0, r.id, r.name] : [1, r.contextId, r.contextName, r.handle];
}, read: (a: unknown[]) => {
  if (!hooks) throw new TypeError('a Context or Sender can only be decoded by a router');
  if (a[0] === 0) return hooks.context(Number(a[1]), String(a[2]));
  return hooks.sender(Number(a[1]), String(a[2]), Number(a[3]));
} });
addExtension({ Class: CallErrorBox, type: EXT_CALL_ERROR, write: (b: CallErrorBox) => {
  const e = b.error;
  return [e.remoteType, e.remoteMessage, e.remoteStack, e.context ? e.context.id : null, e.context ? e.context.name : null];
}, read: (a: unknown[]) => {
  const ctx: RemoteContextInfo | null = a[3] == null ? null : { id: Number(a[3]), name: String(a[4]) };
  return new CallError(String(a[0]), String(a[1]), String(a[2]), ctx);
} });
void EXT_SENDER;

const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  useBigIntExtension: true,
  int64AsType: 'bigint',
  copyBuffers: false,
  useToJSON: false, // an own `toJSON` data key must stay data (functions never get here)
} as ConstructorParameters<typeof Packr>[0]);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  const t = typeof v;
  if (t !== 'object') return t;
  const proto = Object.getPrototypeOf(v);
  return proto?.constructor?.name || 'object';
}

function fail(path: string, v: unknown): never {
  throw new TypeError(
    `cannot send ${path}: ${typeName(v)} (only plain data, arrays, Map, Set, Date, Uint8Array, bigint, Context and Sender can cross contexts)`,
  );
}

const isIdent = /^[A-Za-z_$][\w$]*$/;
const child = (path: string, key: string): string =>
  isIdent.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/** Validates `v` and returns it, or a copy in which unsupported-by-msgpack values are boxed. */
function prepare(v: unknown, path: string, stack: unknown[]): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return v;
    case 'number':
      return v === 0 && 1 / v < 0 ? NEG_ZERO : v;
    case 'function':
    case 'symbol':
      return fail(path, v);
  }
  if (v === null) return v;
  const o = v as object;
  if (o instanceof Uint8Array) return o;
  if (Array.isArray(o)) return prepareList(o, path, stack, true);
  if (stack.includes(o)) throw new TypeError(`cannot send ${path}: the value contains a cycle`);
  if (WIRE_REF in o) return new RefBox((o as HasWireRef)[WIRE_REF]());
  const proto = Object.getPrototypeOf(o);
  if (proto === Object.prototype || proto === null) return prepareObject(o as Record<string, unknown>, path, stack);
  if (o instanceof Date) return o;
  if (o instanceof Map) {
    stack.push(o);
    const entries: unknown[] = [];
    let i = 0;
    for (const [k, val] of o) {
      entries.push(prepare(k, `${path}.<key ${i}>`, stack), prepare(val, `${path}.get(${keyLabel(k, i)})`, stack));
      i++;
    }
    stack.pop();
    return new MapBox(entries);
  }
  if (o instanceof Set) {
    stack.push(o);
    const values = prepareList([...o], path, stack, false) as unknown[];
    stack.pop();
    return new SetBox(values);
  }
  if (o instanceof CallError) return new CallErrorBox(o);
  const foreign = fromOtherRealm(o, proto);
  if (foreign !== undefined) return prepare(foreign, path, stack);
  return fail(path, v);
}

/**
 * Values made in another realm (vm.runInNewContext) have their own Object, Map, Date...:
 * recognised by their built-in tag and re-made here, so they travel like local ones.
 */
function fromOtherRealm(o: object, proto: object): unknown {
  const tag = Object.prototype.toString.call(o);
  switch (tag) {
    case '[object Object]': {
      const base = Object.getPrototypeOf(proto) as object | null;
      const ctor = (proto as { constructor?: { name?: string } }).constructor;
      if (base !== null || ctor?.name !== 'Object') return undefined;
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(o)) Object.defineProperty(copy, k, { value: (o as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
      return copy;
    }
    case '[object Map]':
      return new Map(o as Map<unknown, unknown>);
    case '[object Set]':
      return new Set(o as Set<unknown>);
    case '[object Date]':
      return new Date((o as Date).getTime());
    case '[object Uint8Array]': {
      const view = o as Uint8Array;
      return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    }
    default:
      return undefined;
  }
}

function keyLabel(k: unknown, i: number): string {
  return typeof k === 'string' ? JSON.stringify(k) : typeof k === 'number' ? String(k) : `<key ${i}>`;
}

function prepareList(a: unknown[], path: string, stack: unknown[], keep: boolean): unknown {
  if (stack.includes(a)) throw new TypeError(`cannot send ${path}: the value contains a cycle`);
  stack.push(a);
  let out: unknown[] | null = keep ? null : a;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = prepare(x, `${path}[${i}]`, stack);
    if (y !== x && out === null) out = a.slice(0, i);
    if (out !== null && out !== a) out[i] = y;
    else if (out === a) a[i] = y; // `a` is already our own copy
  }
  stack.pop();
  return out ?? a;
}

function prepareObject(o: Record<string, unknown>, path: string, stack: unknown[]): unknown {
  stack.push(o);
  const keys = Object.keys(o);
  let out: Record<string, unknown> | null = null;
  let protoKey = false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k === '__proto__') protoKey = true;
    const x = o[k];
    const y = prepare(x, child(path, k), stack);
    if (y !== x && out === null) {
      out = {};
      // An own "__proto__" key goes through ProtoObjectBox below; assigning it would set the prototype.
      for (let j = 0; j < i; j++) if (keys[j] !== '__proto__') out[keys[j]!] = o[keys[j]!];
    }
    if (out !== null && k !== '__proto__') out[k] = y;
  }
  stack.pop();
  if (protoKey) {
    const src = out ?? o;
    const entries: unknown[] = [];
    for (const k of keys) entries.push(k, k === '__proto__' ? prepare(o[k], child(path, k), []) : src[k]);
    return new ProtoObjectBox(entries);
  }
  return out ?? o;
}

/** Encodes a value; throws TypeError naming the first unsupported part (`path` is its root). */
export function encode(value: unknown, path = 'value'): Uint8Array {
  const prepared = prepare(value, path, []);
  return packr.pack(prepared);
}

/** Decodes bytes produced by `encode`; references are turned into live objects by `h`. */
export function decode(bytes: Uint8Array, h: DecodeHooks | null = null): unknown {
  if (bytes.byteLength === 0) return undefined;
  const saved = hooks;
  hooks = h;
  try {
    return packr.unpack(bytes);
  } finally {
    hooks = saved;
  }
}
