// The copy msgpackr writes when checkValue() said a value needs one (value-scan.ts): what
// msgpackr cannot write exactly by itself is swapped for a box that its extension writes
// (packer.ts), and the containers on the way to it are copied (only those). Plain data never
// comes here.
import { isOddKey, MAX_U64, MIN_I64 } from './value-scan.js';
import { WIRE_REF, type HasWireRef, type WireRef } from './msgpack-ext.js';
import { fromOtherRealm } from './other-realm.js';

/** A Map: its entries, flat (`[k1, v1, k2, v2...]`), already boxed. */
export class MapBox {
  constructor(readonly entries: unknown[]) {}
}
/** A Set whose values needed boxing. */
export class SetBox {
  constructor(readonly values: unknown[]) {}
}
/** An object with an own "__proto__" key or a key starting with U+FEFF: its entries, flat. */
export class ExactObject {
  constructor(readonly entries: unknown[]) {}
}
/** A Context or Sender reference. */
export class RefBox {
  constructor(readonly ref: WireRef) {}
}
/** A bigint beyond 64 bits. */
export class BigBox {
  constructor(readonly n: bigint) {}
}
/** A string that starts with U+FEFF. */
export class BomString {
  constructor(readonly s: string) {}
}
/** -0 (msgpackr writes it as 0). */
export class NegZero {}
const NEG_ZERO = new NegZero();

/** `v` with every part msgpackr cannot write exactly swapped for its box (containers copied). */
export function boxed(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
      return v.charCodeAt(0) === 0xfeff ? new BomString(v) : v;
    case 'number':
      return v === 0 && 1 / v < 0 ? NEG_ZERO : v;
    case 'bigint':
      return v > MAX_U64 || v < MIN_I64 ? new BigBox(v) : v;
    case 'object':
      return v === null ? v : boxObject(v);
    default:
      return v;
  }
}

function boxObject(o: object): unknown {
  if (o instanceof Uint8Array) return o;
  if (Array.isArray(o)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < o.length; i++) {
      const x: unknown = o[i];
      const y = boxed(x);
      if (y !== x && out === null) out = o.slice(0, i);
      if (out !== null) out[i] = y;
    }
    return out ?? o;
  }
  const proto = Object.getPrototypeOf(o) as object | null;
  if (proto === Object.prototype || proto === null) {
    return WIRE_REF in o ? new RefBox((o as HasWireRef)[WIRE_REF]()) : boxProps(o as Record<string, unknown>);
  }
  // References, dates, regexps and errors are written by their extensions (errors box their content).
  if (WIRE_REF in o || o instanceof Date || o instanceof RegExp || o instanceof Error) return o;
  if (o instanceof Map) {
    const entries: unknown[] = [];
    for (const [k, val] of o) entries.push(boxed(k), boxed(val));
    return new MapBox(entries);
  }
  if (o instanceof Set) {
    const values: unknown[] = [];
    let same = true;
    for (const val of o) {
      const y = boxed(val);
      if (y !== val) same = false;
      values.push(y);
    }
    return same ? o : new SetBox(values);
  }
  const foreign = fromOtherRealm(o, proto);
  if (foreign !== undefined) return boxed(foreign);
  return boxProps(o as Record<string, unknown>);
}

function boxProps(o: Record<string, unknown>): unknown {
  const keys = Object.keys(o);
  if (keys.some(isOddKey)) {
    const entries: unknown[] = [];
    for (const k of keys) entries.push(boxed(k), boxed(o[k]));
    return new ExactObject(entries);
  }
  let out: Record<string, unknown> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = o[k];
    const y = boxed(x);
    if (y !== x && out === null) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = o[keys[j]!];
    }
    if (out !== null) out[k] = y;
  }
  return out ?? o;
}
