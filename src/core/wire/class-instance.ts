// Which class instances travel as their data, and which are refused. An instance of a class
// travels as its own enumerable properties, as structuredClone copies it (methods and getters
// of its prototype stay behind). Refused, because their state is not in their properties:
// - event emitters, event targets, streams, sockets, handles: any class in the prototype
//   chain named `...Emitter`, `...EventTarget`, `...Stream`, `...Socket`, `...Handle`,
//   `...Wrap` (libuv handles), `...KeyObject`, or `Timeout`/`Immediate` (timers);
// - built-ins with internal slots: Promise, WeakMap, WeakSet, WeakRef, FinalizationRegistry,
//   ArrayBuffer, SharedArrayBuffer, typed arrays other than Uint8Array, DataView, boxed
//   primitives, URL, URLSearchParams, Blob;
// - iterators and generators (their state is hidden; an async one is for ctx.stream()).

const REFUSED_NAME = /(?:Emitter|EventTarget|Stream|Socket|Handle|Wrap|KeyObject)$|^(?:Timeout|Immediate)$/;

const refusedPrototypes = new Set<unknown>(
  [
    Promise, WeakMap, WeakSet, WeakRef, FinalizationRegistry, ArrayBuffer, SharedArrayBuffer, Boolean, Number, String,
    Symbol, BigInt, globalThis.URL, globalThis.URLSearchParams, globalThis.Blob,
  ].map((c) => (c as { prototype?: unknown } | undefined)?.prototype),
);

/** The constructor name a prototype declares itself (no getter runs), or ''. */
function ownClassName(proto: object): string {
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as { name?: unknown } | undefined;
  const name = typeof ctor === 'function' ? ctor.name : undefined;
  return typeof name === 'string' ? name : '';
}

/**
 * Whether an instance of a class (prototype `proto`, not Object.prototype) must be refused;
 * otherwise it travels as its own enumerable data.
 */
export function isRefusedInstance(o: object, proto: object): boolean {
  if (ArrayBuffer.isView(o)) return true;
  if ((Symbol.iterator in o || Symbol.asyncIterator in o) && typeof (o as { next?: unknown }).next === 'function') return true;
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (refusedPrototypes.has(p) || REFUSED_NAME.test(ownClassName(p))) return true;
  }
  return false;
}
