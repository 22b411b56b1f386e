// What a decoder may hand out (tendril's closed set), checked on every fuzzed result.
import { CallError } from '../../src/core/errors.js';
import {
  EXT_BIGINT, EXT_BOM_STRING, EXT_CALL_ERROR, EXT_ERROR, EXT_EXACT_OBJECT, EXT_MAP, EXT_REF, EXT_REGEXP, EXT_SET, EXT_TIMESTAMP, EXT_UNDEFINED,
} from '../../src/core/wire/msgpack-ext.js';
import { DecodedContext, DecodedSender, ERROR_BASES, ownValue, protoOf } from '../support/codec-values.js';

export const EXT_TYPES_TENDRIL = [EXT_UNDEFINED, EXT_MAP, EXT_SET, EXT_EXACT_OBJECT, EXT_REF, EXT_ERROR, EXT_CALL_ERROR, EXT_BIGINT, EXT_REGEXP, EXT_BOM_STRING, EXT_TIMESTAMP];

const ALLOWED: unknown[] = [Date, Map, Set, RegExp, CallError, DecodedContext, DecodedSender, ...ERROR_BASES];

/** What in `v` is outside the closed set of decoded types, or null. */
export function forbidden(v: unknown, seen = new Set<unknown>()): string | null {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v !== 'object' || v === null || seen.has(v)) return null;
  seen.add(v);
  const proto = protoOf(v);
  if (v instanceof Uint8Array) return proto === Uint8Array.prototype || proto === Buffer.prototype ? null : 'a Uint8Array subclass';
  const all = (xs: Iterable<unknown>): string | null => {
    for (const x of xs) {
      const f = forbidden(x, seen);
      if (f) return f;
    }
    return null;
  };
  if (Array.isArray(v)) return proto === Array.prototype ? all(v) : 'an array with a foreign prototype';
  if (proto === Object.prototype) {
    if (Reflect.ownKeys(v).some((k) => typeof k === 'symbol')) return 'a symbol key';
    return all(Object.keys(v).map((k) => ownValue(v, k)));
  }
  const cls = (proto as { constructor?: unknown } | null)?.constructor;
  if (!ALLOWED.includes(cls)) return `an instance of ${(cls as { name?: string } | undefined)?.name ?? 'a null-prototype object'}`;
  if (v instanceof Map) return all([...v].flat());
  if (v instanceof Set) return all(v);
  if (v instanceof Error && !(v instanceof CallError)) {
    for (const k of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, k)!;
      if (typeof k === 'symbol' || !('value' in d)) return `an error with ${typeof k === 'symbol' ? 'a symbol key' : `an accessor ${k}`}`;
      const f = forbidden(d.value, seen);
      if (f) return f;
    }
  }
  return null;
}
