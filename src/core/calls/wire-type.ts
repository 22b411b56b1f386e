// The type of what arrives from another context: the codec's rules (src/core/wire/, docs
// protocol.md section 4) said in types, so a typed proxy's results type as what the caller
// really gets. Types only.
import type { HasWireRef } from '../wire/msgpack-ext.js';

type WirePrimitive = string | number | boolean | bigint | null | undefined;
type AnyFunction = (...args: never[]) => unknown;
/** Values that arrive as themselves (Uint8Array as a Buffer, which is one). */
type WireKept = Date | RegExp | Uint8Array | Error | HasWireRef;
/** Values the sender refuses (a TypeError naming the path): nothing of them arrives. */
type WireRefused =
  | AnyFunction
  | symbol
  | PromiseLike<unknown>
  | NodeJS.EventEmitter
  | EventTarget
  | IterableIterator<unknown>
  | AsyncIterableIterator<unknown>;

/** Keys of an object that travel: string keys whose value is not a function (methods are dropped). */
type WireDataKeys<T> = {
  [K in keyof T]-?: K extends symbol ? never : NonNullable<T[K]> extends AnyFunction ? never : K;
}[keyof T];

/**
 * What a value of type `T` is once it has crossed to another context: primitives, Date,
 * RegExp, Uint8Array, Error, Context and Sender as they are; Map, Set, arrays and objects
 * with their contents mapped the same way; an instance of a class as its data (methods, and
 * symbol keys, dropped: `Wire<Stats>` has `size` and `mtime` but no `isFile()`). A function,
 * symbol, promise, emitter, event target or iterator cannot travel: `never`.
 */
export type Wire<T> = 0 extends 1 & T
  ? T
  : T extends WirePrimitive
    ? T
    : T extends WireKept
      ? T
      : T extends WireRefused
        ? never
        : T extends ReadonlyMap<infer K, infer V>
          ? Map<Wire<K>, Wire<V>>
          : T extends ReadonlySet<infer V>
            ? Set<Wire<V>>
            : T extends readonly unknown[]
              ? { [I in keyof T]: Wire<T[I]> }
              : T extends object
                ? { [K in keyof T as K extends WireDataKeys<T> ? K : never]: Wire<T[K]> }
                : T;
