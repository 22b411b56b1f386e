// Types of the `ctx.import<T>()` proxy: every function of T, called remotely, returns a Promise.

/** A function of the remote module as seen from the caller. */
export type RemoteFunction<F> = F extends (...args: infer A) => infer R
  ? (...args: A) => Promise<Awaited<R>>
  : never;

/** The callable surface of a module imported from another context. */
export type RemoteModule<T> = {
  readonly [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: RemoteFunction<T[K]>;
};

/** What `import()` needs from a Context or a CallChain. */
export interface RemoteCaller {
  call(module: string | URL, fn: string, ...args: unknown[]): Promise<unknown>;
}

/** A Proxy whose every property is a function that calls `module#property` remotely. */
export function remoteModule<T>(caller: RemoteCaller, module: string | URL): RemoteModule<T> {
  const cache = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, prop) {
      // Not thenable, not inspectable as a promise: `await proxy` must give the proxy back.
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      let fn = cache.get(prop);
      if (!fn) {
        fn = (...args: unknown[]) => caller.call(module, prop, ...args);
        cache.set(prop, fn);
      }
      return fn;
    },
  }) as RemoteModule<T>;
}
