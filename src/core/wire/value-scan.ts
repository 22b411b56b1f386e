// The one check every value gets before msgpackr writes it: a read-only walk, no allocation
// on plain data, that refuses what cannot travel (a TypeError naming the path: a function, a
// symbol, a handle, a cycle, nesting deeper than MAX_DEPTH) and says whether the value holds
// something msgpackr cannot write exactly by itself (a Map, -0, a bigint beyond 64 bits, an
// own "__proto__" key, a leading U+FEFF, another realm's object, a literal reference): then
// value-box.ts makes the copy that msgpackr writes. Cycles are not searched for on the fast
// path: a cycle runs past MAX_DEPTH, and only then a second walk with the ancestors looks
// for where it closes.
import { CallError } from '../errors.js';
import { isRefusedInstance } from './class-instance.js';
import { hiddenEntries } from './error-value.js';
import { GATHER_MIN, MAX_DEPTH, WIRE_REF } from './msgpack-ext.js';
import { fromOtherRealm } from './other-realm.js';
import { keyPath, typeName, Unsupported } from './unsupported-value.js';

export const MAX_U64 = 0xffffffffffffffffn;
export const MIN_I64 = -0x8000000000000000n;

/** Containers being walked, only during the walk that looks for a cycle. */
let ancestors: object[] | null = null;
/** Whether the value last checked holds a binary of GATHER_MIN bytes or more. */
export let bigBinary = false;
/** Whether Object.prototype has enumerable keys (someone added some): then for-in would see them. */
let inherited = false;
const hasEnumerable = (o: object): boolean => {
  for (const _ in o) return true;
  return false;
};

/** Whether an object key must go through the exact-object extension. */
export const isOddKey = (k: string): boolean => k === '__proto__' || k.charCodeAt(0) === 0xfeff;

/**
 * Validates `value` (root `root` in messages) and returns whether it needs the boxed copy;
 * throws a TypeError naming the first unsupported part.
 */
export function checkValue(value: unknown, root: string): boolean {
  inherited = hasEnumerable(Object.prototype);
  bigBinary = false;
  try {
    return scan(value, 0);
  } catch (e) {
    if (!(e instanceof Unsupported)) throw stackError(e, root);
    let found = e;
    if (e.what === 'deep') {
      // A cycle, or really that deep: the walk with ancestors tells which, and where.
      ancestors = [];
      try {
        scan(value, 0);
      } catch (again) {
        if (again instanceof Unsupported) found = again;
      } finally {
        ancestors = null;
      }
    }
    throw unsupportedError(found, root);
  }
}

/** Whether `value` can travel (as an error's property must to be sent), without the path. */
export function canTravel(value: unknown): boolean {
  inherited = hasEnumerable(Object.prototype);
  try {
    scan(value, 0);
    return true;
  } catch {
    return false;
  }
}

export function unsupportedError(e: Unsupported, root: string): TypeError {
  if (e.what === 'cycle') return new TypeError(`cannot send ${root}${e.path}: the value contains a cycle`);
  if (e.what === 'deep') return new TypeError(`cannot send ${root}${e.path}: nested deeper than ${MAX_DEPTH} levels`);
  return new TypeError(
    `cannot send ${root}${e.path}: ${e.what} (only data crosses contexts; not functions, symbols, handles, streams or emitters)`,
  );
}

/** A stack overflow below the depth limit (the caller was already deep): a TypeError too. */
export function stackError(e: unknown, root: string): unknown {
  return e instanceof RangeError && /call stack/i.test(e.message)
    ? new TypeError(`cannot send ${root}: the value is nested too deep for the stack left (${e.message})`)
    : e;
}

function scan(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
      return v.charCodeAt(0) === 0xfeff;
    case 'number':
      return v === 0 && 1 / v < 0;
    case 'boolean':
    case 'undefined':
      return false;
    case 'bigint':
      return v > MAX_U64 || v < MIN_I64;
    case 'object':
      return v === null ? false : scanObject(v, depth + 1);
    default:
      throw new Unsupported(typeName(v), '');
  }
}

function enter(o: object, depth: number): void {
  if (depth > MAX_DEPTH) throw new Unsupported('deep', '');
  if (ancestors !== null) {
    if (ancestors.includes(o)) throw new Unsupported('cycle', '');
    ancestors.push(o);
  }
}

function leave(): void {
  if (ancestors !== null) ancestors.pop();
}

function scanObject(o: object, d: number): boolean {
  if (o instanceof Uint8Array) {
    if (o.byteLength >= GATHER_MIN) bigBinary = true;
    return false;
  }
  if (Array.isArray(o)) {
    enter(o, d);
    let box = false;
    let i = 0;
    try {
      for (const n = o.length; i < n; i++) if (scan(o[i], d)) box = true;
    } catch (e) {
      throw Unsupported.prefix(e, `[${i}]`);
    }
    leave();
    return box;
  }
  const proto = Object.getPrototypeOf(o) as object | null;
  if (proto === Object.prototype || proto === null) {
    return WIRE_REF in o ? true : inherited ? scanProps(o as Record<string, unknown>, d) : scanPlain(o as Record<string, unknown>, d);
  }
  if (WIRE_REF in o || o instanceof Date || o instanceof RegExp) return false;
  if (o instanceof Map) return scanMap(o, d);
  if (o instanceof Set) return scanSet(o, d);
  if (o instanceof CallError) {
    enter(o, d);
    try {
      scan(o.cause, d);
    } catch (e) {
      throw Unsupported.prefix(e, '.cause');
    }
    leave();
    return false; // its extension boxes what it writes
  }
  if (o instanceof Error) return scanError(o, d);
  const foreign = fromOtherRealm(o, proto);
  if (foreign !== undefined) {
    scan(foreign, d - 1);
    return true;
  }
  if (isRefusedInstance(o, proto)) throw new Unsupported(typeName(o), '');
  // Any other class instance: its own enumerable data, as structuredClone copies it.
  return scanProps(o as Record<string, unknown>, d);
}

/** scanProps() for a plain object when no inherited key can show: for-in, no key list. */
function scanPlain(o: Record<string, unknown>, d: number): boolean {
  enter(o, d);
  let box = false;
  let key = '';
  try {
    for (const k in o) {
      key = k;
      if (isOddKey(k)) box = true;
      if (scan(o[k], d)) box = true;
    }
  } catch (e) {
    throw Unsupported.prefix(e, keyPath(key));
  }
  leave();
  return box;
}

function scanProps(o: Record<string, unknown>, d: number): boolean {
  enter(o, d);
  const keys = Object.keys(o);
  let box = false;
  let k = '';
  try {
    for (let i = 0; i < keys.length; i++) {
      k = keys[i]!;
      if (isOddKey(k)) box = true;
      if (scan(o[k], d)) box = true;
    }
  } catch (e) {
    throw Unsupported.prefix(e, keyPath(k));
  }
  leave();
  return box;
}

function scanMap(m: Map<unknown, unknown>, d: number): true {
  enter(m, d);
  let i = 0;
  let onKey = true;
  let key: unknown;
  try {
    for (const [k, val] of m) {
      key = k;
      onKey = true;
      scan(k, d);
      onKey = false;
      scan(val, d);
      i++;
    }
  } catch (e) {
    const label = typeof key === 'string' ? JSON.stringify(key) : typeof key === 'number' ? String(key) : `<key ${i}>`;
    throw Unsupported.prefix(e, onKey ? `.<key ${i}>` : `.get(${label})`);
  }
  leave();
  return true; // msgpackr writes a Map as a plain map: always boxed
}

function scanSet(s: Set<unknown>, d: number): boolean {
  enter(s, d);
  let box = false;
  let i = 0;
  try {
    for (const val of s) {
      if (scan(val, d)) box = true;
      i++;
    }
  } catch (e) {
    throw Unsupported.prefix(e, `[${i}]`);
  }
  leave();
  return box;
}

function scanError(e: Error, d: number): false {
  enter(e, d);
  let k = '';
  try {
    for (const [key, v] of hiddenEntries(e)) {
      k = key;
      scan(v, d);
    }
    for (const key of Object.keys(e)) {
      k = key;
      scan((e as unknown as Record<string, unknown>)[key], d);
    }
  } catch (err) {
    throw Unsupported.prefix(err, keyPath(k));
  }
  leave();
  return false; // its extension boxes what it writes
}
