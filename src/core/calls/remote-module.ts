// The `ctx.import<T>()` proxy. Its types tell the truth: each function of T keeps its
// overloads (up to eight) and returns a Promise of what really arrives (`Wire<R>`), or a
// RemoteStream when it returns an async iterable. At run time nothing says which a function
// is until its first result is used: that call is sent at the end of the job that made it,
// with call() unless its result was used as a stream by then (iterated, `values$`,
// `cancel()`), then with stream(); later calls of the function go the same way at once.
import type { RemoteStream } from './remote-stream-type.js';
import type { Wire } from './wire-type.js';

export type { Wire } from './wire-type.js';

/** What a remote call of a function returning `R` gives the caller. */
export type RemoteResult<R> = 0 extends 1 & R
  ? Promise<R>
  : [Awaited<R>] extends [never]
    ? Promise<never>
    : [Awaited<R>] extends [AsyncIterable<infer V>]
      ? RemoteStream<Wire<V>>
      : Promise<Wire<Awaited<R>>>;

/** The overloads of F (up to eight) as [parameters, result] pairs, in declaration order. */
type RemoteOverloadList<F> = F extends {
  (...args: infer A1): infer R1;
  (...args: infer A2): infer R2;
  (...args: infer A3): infer R3;
  (...args: infer A4): infer R4;
  (...args: infer A5): infer R5;
  (...args: infer A6): infer R6;
  (...args: infer A7): infer R7;
  (...args: infer A8): infer R8;
}
  ? [[A1, R1], [A2, R2], [A3, R3], [A4, R4], [A5, R5], [A6, R6], [A7, R7], [A8, R8]]
  : F extends (...args: infer A) => infer R
    ? [[A, R]]
    : [];

type Same<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;

/** A function with fewer overloads repeats its first one in the list: once is enough. */
type DistinctOverloads<L extends unknown[]> = L extends [infer H, infer N, ...infer Rest]
  ? Same<H, N> extends true
    ? DistinctOverloads<[N, ...Rest]>
    : [H, ...DistinctOverloads<[N, ...Rest]>]
  : L;

type RemoteOverloads<L> = L extends [[infer A extends unknown[], infer R], ...infer Rest]
  ? ((...args: A) => RemoteResult<R>) & RemoteOverloads<Rest>
  : unknown;

/**
 * A function of the remote module as seen from the caller: the same parameters (every
 * overload, up to eight), each returning {@link RemoteResult}. A generic function's type
 * parameters become their constraints (TypeScript cannot map a generic signature).
 */
export type RemoteFunction<F> = RemoteOverloads<DistinctOverloads<RemoteOverloadList<F>>>;

/** The callable surface of a module imported from another context. */
export type RemoteModule<T> = {
  readonly [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: RemoteFunction<T[K]>;
};

/** What `import()` needs from a Context, a CallView or a CallChain. */
export interface RemoteCaller {
  call(module: string | URL, fn: string, ...args: unknown[]): Promise<unknown>;
  /** Present where streams are (not on a pipelined chain). */
  stream?(module: string | URL, fn: string, ...args: unknown[]): RemoteStream<unknown>;
}

/**
 * How each module#fn was used: a function whose result was awaited (and came back) is a plain
 * one (its type is a Promise), one whose result was iterated returns an async iterable (its
 * type is a RemoteStream). Later calls are sent at once, the right way.
 */
const modes = new Map<string, 'call' | 'stream'>();

/**
 * The first call of a function: a Promise of its result, which becomes a RemoteStream instead
 * when it is used as one in the job that made it. The call is sent at the end of that job:
 * arguments changed before then are sent changed (later calls are sent at once).
 */
function firstCall(caller: RemoteCaller, key: string, module: string | URL, fn: string, args: unknown[]): Promise<unknown> {
  let stream: RemoteStream<unknown> | null = null;
  let decided = false;
  let settle!: [(v: unknown) => void, (e: unknown) => void];
  const result = new Promise<unknown>((resolve, reject) => (settle = [resolve, reject]));
  const asStream = (): RemoteStream<unknown> => {
    if (!decided) {
      decided = true;
      modes.set(key, 'stream');
      stream = caller.stream!(module, fn, ...args);
      settle[0](stream);
    }
    if (stream === null) throw new TypeError(`${key} was called, not streamed: use its stream in the job that called it`);
    return stream;
  };
  queueMicrotask(() => {
    if (decided) return;
    decided = true;
    let sent: Promise<unknown>;
    try {
      sent = caller.call(module, fn, ...args);
    } catch (e) {
      sent = Promise.reject(e);
    }
    // Learnt from a success only: a stream function awaited by mistake fails, and is not taken for a plain one.
    sent.then((v) => (modes.set(key, 'call'), settle[0](v)), settle[1]);
  });
  Object.defineProperties(result, {
    [Symbol.asyncIterator]: { value: () => asStream()[Symbol.asyncIterator]() },
    values$: { get: () => asStream().values$ },
    cancel: { value: (reason?: unknown) => asStream().cancel(reason) },
  });
  return result;
}

/** A proxy function: sent as a call or a stream as its first use showed. */
function proxyFunction(caller: RemoteCaller, module: string | URL, fn: string): (...args: unknown[]) => unknown {
  if (typeof caller.stream !== 'function') return (...args) => caller.call(module, fn, ...args);
  const key = `${String(module)}#${fn}`;
  return (...args) => {
    const mode = modes.get(key);
    if (mode === 'call') return caller.call(module, fn, ...args);
    if (mode === 'stream') return caller.stream!(module, fn, ...args);
    return firstCall(caller, key, module, fn, args);
  };
}

/** A Proxy whose every property is a function that calls `module#property` remotely. */
export function remoteModule<T>(caller: RemoteCaller, module: string | URL): RemoteModule<T> {
  const cache = new Map<string, (...args: unknown[]) => unknown>();
  return new Proxy(Object.create(null) as object, {
    get(_target, prop) {
      // Not thenable, not inspectable as a promise: `await proxy` must give the proxy back.
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      let fn = cache.get(prop);
      if (!fn) {
        fn = proxyFunction(caller, module, prop);
        cache.set(prop, fn);
      }
      return fn;
    },
  }) as RemoteModule<T>;
}
