// The decoder: msgpack-check.ts vets the bytes, then a private msgpackr Unpackr builds the
// value, with tendril's extensions read here. It instantiates nothing but plain data, Map,
// Set, Date, Uint8Array (views of the input, no copy), bigint, built-in Error classes,
// RegExp, CallError, and the Context/Sender references the router's hooks make; a
// "__proto__" key stays an own data property (extension 0x43; a plain map with one is
// rewritten to it first, as msgpackr would rename the key).
import { addExtension, Unpackr } from 'msgpackr/pack';
import { CallError, type RemoteContextInfo } from '../errors.js';
import { makeError } from './error-value.js';
import { checkMessage, exactObjects } from './msgpack-check.js';
import {
  EXT_BIGINT, EXT_BOM_STRING, EXT_CALL_ERROR, EXT_ERROR, EXT_EXACT_OBJECT, EXT_MAP, EXT_REF, EXT_REGEXP, EXT_SET,
} from './msgpack-ext.js';

/** How decoded references become live objects in the decoding context. */
export interface DecodeHooks {
  context(id: number, name: string): unknown;
  sender(contextId: number, contextName: string, handle: number): unknown;
}

const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'bigint',
  copyBuffers: false,
  moreTypes: false,
  structuredClone: false,
} as ConstructorParameters<typeof Unpackr>[0]);

// ignoreBOM: a string that starts with U+FEFF is data, not a byte order mark to drop.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
let hooks: DecodeHooks | null = null;

function invalid(what: string): never {
  throw new TypeError(`malformed message: ${what}`);
}

/** A decoded msgpack map (the only objects with Object.prototype msgpackr makes). */
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

const read = (type: number, fn: (v: unknown) => unknown): void =>
  addExtension({ type, read: fn } as Parameters<typeof addExtension>[0]);

read(EXT_MAP, (e) => {
  if (!Array.isArray(e) || e.length % 2) invalid('Map entries');
  const m = new Map<unknown, unknown>();
  for (let i = 0; i < e.length; i += 2) m.set(e[i], e[i + 1]);
  return m;
});
read(EXT_SET, (v) => {
  if (!Array.isArray(v)) invalid('Set values');
  return new Set(v);
});
read(EXT_EXACT_OBJECT, (e) => {
  if (!Array.isArray(e) || e.length % 2) invalid('object entries');
  const o: Record<string, unknown> = {};
  for (let i = 0; i < e.length; i += 2) {
    const k: unknown = e[i];
    if (typeof k !== 'string') invalid('an object key that is not a string');
    Object.defineProperty(o, k, { value: e[i + 1], enumerable: true, writable: true, configurable: true });
  }
  return o;
});
read(EXT_BIGINT, (bytes) => {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < 2) invalid('bigint');
  const mag = BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1).toString('hex')}`);
  return bytes[0] ? -mag : mag;
});
read(EXT_BOM_STRING, (bytes) => {
  if (!(bytes instanceof Uint8Array)) invalid('string');
  return utf8.decode(bytes);
});
read(EXT_REF, (a) => {
  if (!Array.isArray(a)) invalid('reference');
  if (!hooks) throw new TypeError('a Context or Sender can only be decoded by a router');
  if (a[0] === 0) return hooks.context(Number(a[1]), String(a[2]));
  return hooks.sender(Number(a[1]), String(a[2]), Number(a[3]));
});
read(EXT_CALL_ERROR, (a) => {
  if (!Array.isArray(a)) invalid('CallError');
  const ctx: RemoteContextInfo | null = a[3] == null ? null : { id: Number(a[3]), name: String(a[4]) };
  const [code, props, cause] = [a[5], a[6] ?? {}, a[7] ?? undefined];
  if (code != null && typeof code !== 'string' && typeof code !== 'number') invalid('CallError code');
  if (!isRecord(props) || (cause !== undefined && !(cause instanceof CallError))) invalid('CallError');
  return new CallError(String(a[0]), String(a[1]), String(a[2]), ctx, { code: code ?? undefined, remoteProps: props, cause });
});
read(EXT_ERROR, (a) => {
  if (!Array.isArray(a) || a.length !== 4 || typeof a[0] !== 'string' || typeof a[1] !== 'string') invalid('Error');
  if (!isRecord(a[2]) || !isRecord(a[3])) invalid('Error properties');
  return makeError(a[0], a[1], a[2], a[3]);
});
read(EXT_REGEXP, (a) => {
  if (!Array.isArray(a) || a.length !== 2 || typeof a[0] !== 'string' || typeof a[1] !== 'string') invalid('RegExp');
  try {
    return new RegExp(a[0], a[1]);
  } catch {
    return invalid('RegExp source or flags');
  }
});

// Messages of one chunk share its memory: msgpackr reads each as a range of one Buffer over
// it (with the DataView it keeps there), not a Buffer and a DataView per message (issue 12).
// Only small memory is kept between calls: a big frame's is not held on to.
const WHOLE_MAX = 1 << 20;
let wholeMemory: ArrayBufferLike | null = null;
let whole: Buffer | null = null;
const range = { start: 0, end: 0 };

/** A Buffer over all the memory of `bytes`. */
function wholeOf(bytes: Uint8Array): Buffer {
  const memory = bytes.buffer;
  if (memory === wholeMemory) return whole!;
  const b = Buffer.from(memory, 0, memory.byteLength);
  if (memory.byteLength <= WHOLE_MAX) {
    wholeMemory = memory;
    whole = b;
  }
  return b;
}

/** Decodes one message; binaries are Buffer views of `bytes`. */
export function unpack(bytes: Uint8Array, h: DecodeHooks | null): unknown {
  const protoMaps = checkMessage(bytes);
  // A Buffer of our own: msgpackr caches a DataView on its input (a `dataView` property the
  // caller's bytes must not get), and bins are Buffer views of it.
  let src: Uint8Array;
  if (protoMaps === null) {
    src = wholeOf(bytes);
    range.start = bytes.byteOffset;
    range.end = bytes.byteOffset + bytes.byteLength;
  } else {
    src = exactObjects(bytes, protoMaps);
    range.start = 0;
    range.end = src.byteLength;
  }
  const saved = hooks;
  hooks = h;
  try {
    return unpackr.unpack(src, range);
  } catch (e) {
    throw e instanceof RangeError && /call stack/i.test(e.message) ? new TypeError(`malformed message: nested too deep for the stack left`) : e;
  } finally {
    hooks = saved;
  }
}
