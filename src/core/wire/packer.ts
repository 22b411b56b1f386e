// The encoder: a private msgpackr Packr, with tendril's closed set of extension types
// registered on msgpackr's extension list. That list is msgpackr's own (module-wide): the
// child payload and the master package bundle their own copy of msgpackr (scripts/build.mjs),
// so a user's msgpackr never sees these extensions. The catch-all (Class Object, registered
// first, so checked after every other of ours and before msgpackr's built-ins) makes sure
// msgpackr's own Error/RegExp/Set/typed-array encodings are never written.
import { addExtension, Packr, RESERVE_START_SPACE } from 'msgpackr/pack';
import { CallError } from '../errors.js';
import { errorBase, errorName, hiddenEntries } from './error-value.js';
import {
  EXT_BIGINT, EXT_BOM_STRING, EXT_CALL_ERROR, EXT_ERROR, EXT_EXACT_OBJECT, EXT_MAP, EXT_REF, EXT_REGEXP, EXT_SET,
  EXT_TIMESTAMP, GATHER_MIN, WIRE_REF, type HasWireRef,
} from './msgpack-ext.js';
import { BigBox, BomString, boxed, ExactObject, MapBox, NegZero, RefBox, SetBox } from './value-box.js';
import { bigBinary, canTravel, checkValue, isOddKey, stackError } from './value-scan.js';

type Alloc = (size: number) => { target: Uint8Array; targetView: DataView; position: number };
interface Ext {
  Class: abstract new (...args: never[]) => unknown;
  type?: number;
  write?(v: never): unknown;
  pack?(v: never, alloc: Alloc, pack: (v: unknown) => void): void;
}
/**
 * msgpackr wants a type for an extension that writes its own bytes, and registers it for
 * decoding too: those get this one, which the byte check refuses (never read).
 */
const WRITE_ONLY = 0x3f;
const register = (e: Ext): void =>
  addExtension({ ...(e.pack ? { type: WRITE_ONLY } : {}), ...e } as unknown as Parameters<typeof addExtension>[0]);

const packr = new Packr({
  useRecords: false,
  variableMapSize: true, // smallest map headers, and no 65535-key limit
  useToJSON: false, // an own `toJSON` data key stays data
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
} as ConstructorParameters<typeof Packr>[0]);

// --- gathered writes: large binaries are left out of msgpackr's buffer -----------------------
let gathering = false;
let rootTarget: Uint8Array | null = null;
let rootStart = 0;
let reserved = 0;
const holes: Uint8Array[] = [];
const holeAt: number[] = [];

/** The value of a gathered encode, so that its start in msgpackr's buffer is known. */
class GatherRoot {
  constructor(readonly value: unknown) {}
}

// msgpackr checks extensions newest first, one instanceof each (slow: megamorphic), so the
// most frequent classes are registered last. Registered first, checked last of ours: anything
// else that is an object, a reference or a class instance that travels as its own enumerable
// data (checkValue refused the rest).
register({
  Class: Object,
  write: (o: object) => (WIRE_REF in o ? new RefBox((o as HasWireRef)[WIRE_REF]()) : o),
});
register({
  Class: Error,
  pack(e: Error, alloc: Alloc, pack: (v: unknown) => void) {
    const base = errorBase(e);
    const props = Object.keys(e).map((k): [string, unknown] => [k, (e as unknown as Record<string, unknown>)[k]]);
    const hidden = named(hiddenEntries(e));
    const own = named(props);
    head(alloc, EXT_ERROR, 4);
    pack(base);
    pack(errorName(e, base));
    pack(hidden);
    pack(own);
  },
});
register({
  Class: CallError,
  type: EXT_CALL_ERROR,
  write(o: CallError) {
    // Its props come from whatever was thrown: those that cannot travel are left out, never refused.
    const props = Object.keys(o.remoteProps)
      .filter((k) => canTravel(o.remoteProps[k]))
      .map((k): [string, unknown] => [k, o.remoteProps[k]]);
    const c = o.context;
    return boxed([o.remoteType, o.remoteMessage, o.remoteStack, c ? c.id : null, c ? c.name : null, o.code ?? null, entriesObject(props), o.cause ?? null]);
  },
});
register({ Class: RegExp, type: EXT_REGEXP, write: (r: RegExp) => [r.source, r.flags] });
register({ Class: RefBox, type: EXT_REF, write: ({ ref: r }: RefBox) => (r.kind === 'context' ? [0, r.id, r.name] : [1, r.contextId, r.contextName, r.handle]) });
register({ Class: BigBox, type: EXT_BIGINT, write: (b: BigBox) => bigintBytes(b.n) });
register({ Class: BomString, type: EXT_BOM_STRING, write: (b: BomString) => Buffer.from(b.s, 'utf8') });
register({
  Class: NegZero,
  pack(_: NegZero, alloc: Alloc) {
    const { target, position } = alloc(9);
    target[position] = 0xcb;
    target[position + 1] = 0x80;
    target.fill(0, position + 2, position + 9);
  },
});
register({
  Class: GatherRoot,
  pack(root: GatherRoot, alloc: Alloc, pack: (v: unknown) => void) {
    const { target, position } = alloc(0);
    rootTarget = target;
    rootStart = position - reserved;
    pack(root.value);
  },
});
// Containers write their marker and list themselves (not as `write` results): one msgpackr
// frame less per level, so that MAX_DEPTH levels fit the stack. msgpackr's `alloc` may be
// called once per extension.
register({ Class: SetBox, pack: (b: SetBox, alloc: Alloc, pack: (v: unknown) => void) => list(alloc, pack, EXT_SET, b.values.length, b.values) });
register({ Class: MapBox, pack: (b: MapBox, alloc: Alloc, pack: (v: unknown) => void) => list(alloc, pack, EXT_MAP, b.entries.length, b.entries) });
register({
  Class: ExactObject,
  pack: (b: ExactObject, alloc: Alloc, pack: (v: unknown) => void) => list(alloc, pack, EXT_EXACT_OBJECT, b.entries.length, b.entries),
});
register({ Class: Set, pack: (s: Set<unknown>, alloc: Alloc, pack: (v: unknown) => void) => list(alloc, pack, EXT_SET, s.size, s) });
register({ Class: Date, pack: writeDate });
register({ Class: Uint8Array, pack: writeBin });

/** `d4 <type> 00` then the header of an array of `n` items. */
function head(alloc: Alloc, type: number, n: number): void {
  const size = n < 16 ? 1 : n < 0x10000 ? 3 : 5;
  const { target, targetView, position } = alloc(3 + size);
  target[position] = 0xd4;
  target[position + 1] = type;
  target[position + 2] = 0;
  if (n < 16) target[position + 3] = 0x90 | n;
  else if (n < 0x10000) (target[position + 3] = 0xdc), targetView.setUint16(position + 4, n);
  else (target[position + 3] = 0xdd), targetView.setUint32(position + 4, n);
}

function list(alloc: Alloc, pack: (v: unknown) => void, type: number, n: number, items: Iterable<unknown>): void {
  head(alloc, type, n);
  for (const x of items) pack(x);
}

/** An error's map of named values (boxed here: an error's content is not boxed beforehand). */
function named(list: [string, unknown][]): unknown {
  return list.some(([k]) => isOddKey(k))
    ? new ExactObject(list.flatMap(([k, v]) => [boxed(k), boxed(v)]))
    : entriesObject(list.map(([k, v]) => [k, boxed(v)]));
}

/** A map of named values, every key an own data property (`__proto__` included). */
function entriesObject(list: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of list) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** A bigint beyond 64 bits: a sign byte then the magnitude, big-endian. */
function bigintBytes(n: bigint): Uint8Array {
  const neg = n < 0n;
  let hex = (neg ? -n : n).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const out = Buffer.alloc(1 + hex.length / 2);
  out[0] = neg ? 1 : 0;
  out.write(hex, 1, 'hex');
  return out;
}

/** msgpack timestamp (ext -1): 64-bit form when it fits, else 96-bit; an invalid date is d4 ff 00. */
function writeDate(d: Date, alloc: Alloc): void {
  const ms = d.getTime();
  if (Number.isNaN(ms)) {
    const { target, position } = alloc(3);
    target[position] = 0xd4;
    target[position + 1] = EXT_TIMESTAMP;
    target[position + 2] = 0;
    return;
  }
  const sec = Math.floor(ms / 1000);
  const nsec = (ms - sec * 1000) * 1e6;
  if (sec >= 0 && sec < 0x400000000) {
    const { target, targetView, position } = alloc(10);
    target[position] = 0xd7;
    target[position + 1] = EXT_TIMESTAMP;
    targetView.setUint32(position + 2, nsec * 4 + Math.floor(sec / 0x100000000));
    targetView.setUint32(position + 6, sec >>> 0);
    return;
  }
  const { target, targetView, position } = alloc(15);
  target[position] = 0xc7;
  target[position + 1] = 12;
  target[position + 2] = EXT_TIMESTAMP;
  targetView.setUint32(position + 3, nsec);
  targetView.setBigInt64(position + 7, BigInt(sec));
}

/** bin; in a gathered encode a large one is left out, to be written from the caller's buffer. */
function writeBin(b: Uint8Array, alloc: Alloc): void {
  const len = b.byteLength;
  // (Without a GatherRoot, the start is not known: copied. checkValue sees every large one.)
  const left = gathering && rootTarget !== null && len >= GATHER_MIN;
  const head = len < 0x100 ? 2 : len < 0x10000 ? 3 : 5;
  const { target, targetView, position } = alloc(head + (left ? 0 : len));
  if (len < 0x100) {
    target[position] = 0xc4;
    target[position + 1] = len;
  } else if (len < 0x10000) {
    target[position] = 0xc5;
    targetView.setUint16(position + 1, len);
  } else {
    target[position] = 0xc6;
    targetView.setUint32(position + 1, len);
  }
  const at = position + head;
  if (!left) {
    target.set(b, at);
    return;
  }
  holes.push(b);
  // Offsets within the message: msgpackr moves a growing message to the start of a new buffer.
  holeAt.push(target === rootTarget ? at - rootStart : at);
}

function run(value: unknown, root: string, reserve: number, gather: boolean): Uint8Array {
  const v = checkValue(value, root) ? boxed(value) : value;
  let out: Uint8Array;
  try {
    // Only a message with a large binary needs to know where it starts.
    const w = gather && bigBinary ? new GatherRoot(v) : v;
    out = reserve > 0 ? packr.pack(w, RESERVE_START_SPACE | reserve) : packr.pack(w);
  } catch (e) {
    throw stackError(e, root);
  }
  // A loop, not fill(): Buffer#fill's argument checks cost more than 26 stores (issue 12).
  for (let i = 0; i < reserve; i++) out[i] = 0;
  // Do not keep a huge buffer alive after one big message (msgpackr keeps writing into it).
  if (out.buffer.byteLength > 1 << 20) packr.useBuffer(Buffer.allocUnsafeSlow(8192));
  return out;
}

/** Encodes `value` after `reserve` zeroed bytes; throws TypeError naming the first unsupported part. */
export function pack(value: unknown, root: string, reserve: number): Uint8Array {
  return run(value, root, reserve, false);
}

/** pack(), but binaries of GATHER_MIN bytes or more are not copied: the pieces of the message. */
export function packGathered(value: unknown, root: string, reserve: number): Uint8Array | Uint8Array[] {
  gathering = true;
  reserved = reserve;
  try {
    const out = run(value, root, reserve, true);
    if (holes.length === 0) return out;
    const pieces: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i < holes.length; i++) {
      pieces.push(out.subarray(from, holeAt[i]), holes[i]!);
      from = holeAt[i]!;
    }
    pieces.push(out.subarray(from));
    return pieces;
  } finally {
    gathering = false;
    rootTarget = null;
    // Only when used: setting an array's length is a runtime call, on every message otherwise.
    if (holes.length !== 0) {
      holes.length = 0;
      holeAt.length = 0;
    }
  }
}
