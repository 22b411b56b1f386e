// Values made in another realm (vm.runInNewContext) have their own Object, Map, Date...:
// the writer does not recognise them by prototype, so they are recognised by their built-in
// tag and re-made here, to travel like local ones.
import { errorBase, errorName, hiddenEntries, makeError } from './error-value.js';

/** A same-realm copy of `o` (with prototype `proto`), or undefined when it is none of the known kinds. */
export function fromOtherRealm(o: object, proto: object | null): unknown {
  switch (Object.prototype.toString.call(o)) {
    case '[object Object]': {
      const base = proto === null ? null : (Object.getPrototypeOf(proto) as object | null);
      const ctor = (proto as { constructor?: { name?: string } } | null)?.constructor;
      if (base !== null || ctor?.name !== 'Object') return undefined;
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        Object.defineProperty(copy, k, { value: (o as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
      }
      return copy;
    }
    case '[object Map]':
      return new Map(o as Map<unknown, unknown>);
    case '[object Set]':
      return new Set(o as Set<unknown>);
    case '[object Date]':
      return new Date((o as Date).getTime());
    case '[object RegExp]':
      return new RegExp(o as RegExp);
    case '[object Error]': {
      const e = o as Error;
      const base = errorBase(e);
      const props = Object.fromEntries(Object.keys(e).map((k) => [k, (e as unknown as Record<string, unknown>)[k]]));
      return makeError(base, errorName(e, base), Object.fromEntries(hiddenEntries(e)), props);
    }
    case '[object Uint8Array]': {
      const view = o as Uint8Array;
      return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    }
    default:
      return undefined;
  }
}
