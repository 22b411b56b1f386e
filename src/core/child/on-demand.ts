// Parts of the core left out of the child payload (scripts/build.mjs, ON_DEMAND): in the
// payload, each export of such a module is a stub that loads the on-demand bundle holding the
// real module the first time it is called or constructed. Loading is synchronous, through the
// dispatcher's module fetcher (src/core/modules/module-fetch.ts): the first use waits one round
// trip to the master, bounded by the fetcher's timeout, and the parent's death ends the
// process anyway. Only dispatcher-side code may be on demand (the broker cannot block).
import { createRequire } from 'node:module';
import vm from 'node:vm';
import type * as Zlib from 'node:zlib';
import type { ModuleFetcher } from '../modules/module-fetch.js';
import { coreModules } from './core-modules.js';

/** The bundle of the dispatcher's rarely needed parts (shell runner, stream producer, 'tendril' API). */
export const EXTRAS_BUNDLE_ID = 'tendril:extras';
/** How on-demand bundles name the core modules they share (scripts/build.mjs, share-core). */
const CORE_PREFIX = 'tendril-core:';

let fetcher: ModuleFetcher | null = null;
/** Required at the first bundle, not at boot: the dispatcher thread needs none to its first call (~0.3 ms of CPU). */
let zlib: typeof Zlib | null = null;
/** Exports of the bundles loaded so far: module name (path under src/core) -> namespace. */
const loaded = new Map<string, Record<string, Record<string, unknown>>>();

/** Lets this thread load on-demand bundles (the dispatcher's module registry calls it). */
export function setBundleFetcher(f: ModuleFetcher): void {
  fetcher = f;
}

/** Runs a bundle built by scripts/build.mjs (brotli or plain source) against this thread's core modules. */
export function runBundle(packed: Uint8Array | string, id: string): Record<string, unknown> {
  const nodeRequire = createRequire(`${process.cwd()}/`);
  const source = typeof packed === 'string' ? packed : (zlib ??= nodeRequire('node:zlib') as typeof Zlib).brotliDecompressSync(packed).toString('utf8');
  const module = { exports: {} as Record<string, unknown> };
  const run = vm.runInThisContext(`(function (exports, module, require) {${source}\n})`, { filename: id }) as (...args: unknown[]) => void;
  const require = (spec: string): unknown => {
    if (!spec.startsWith(CORE_PREFIX)) return nodeRequire(spec);
    const mod = coreModules[spec.slice(CORE_PREFIX.length)];
    if (!mod) throw new Error(`${spec} is not shared with on-demand bundles (src/core/child/core-modules.ts)`);
    return mod;
  };
  run(module.exports, module, require);
  return module.exports;
}

/** A bundle's bytes, fetched synchronously; one over the message size limit comes in parts. */
function fetchSync(id: string): Uint8Array | string {
  if (fetcher === null) throw new Error(`${id} can only be loaded on a child's dispatcher thread`);
  const reply = fetcher.fetchSync(id, null);
  const entry = reply.modules.find((m) => m[0] === id);
  if (reply.error !== null || entry === undefined) throw new Error(`cannot load ${id}: ${reply.error ?? 'not in the reply'}`);
  if (entry[1] !== 'chunked') return entry[2];
  const parts = Array.from({ length: Number(entry[2]) }, (_, k) => fetchSync(`${id}#${k}`));
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

function bundle(id: string): Record<string, Record<string, unknown>> {
  let modules = loaded.get(id);
  if (modules === undefined) {
    modules = runBundle(fetchSync(id), id).modules as Record<string, Record<string, unknown>>;
    loaded.set(id, modules);
  }
  return modules;
}

/**
 * The payload's stand-in for export `name` (a function or class) of core module `module`,
 * which lives in bundle `id`: calling, constructing or reading it loads the bundle once.
 */
export function onDemandExport(id: string, module: string, name: string): unknown {
  const real = (): (...args: unknown[]) => unknown => {
    const value = bundle(id)[module]?.[name];
    if (typeof value !== 'function') throw new Error(`${id} has no ${module}.${name}`);
    return value as (...args: unknown[]) => unknown;
  };
  const stub: object = new Proxy(function onDemand() {}, {
    apply: (_t, thisArg, args) => Reflect.apply(real(), thisArg, args),
    construct: (_t, args, newTarget) => Reflect.construct(real(), args, newTarget === stub ? real() : newTarget) as object,
    get: (_t, key) => Reflect.get(real(), key),
  });
  return stub;
}
