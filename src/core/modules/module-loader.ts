// Resolves the module named by a call, in the dispatcher: builtins load locally, everything
// else comes from the master through the registry.
import { createRequire } from 'node:module';
import type { ModuleRegistry } from './module-registry.js';

const localRequire = createRequire(`${process.cwd()}/`);
let registry: ModuleRegistry | null = null;

export function setModuleRegistry(r: ModuleRegistry): void {
  registry = r;
}

/** Namespaces already loaded, by the spec calls name them with: the per-call fast path. */
const loaded = new Map<string, unknown>();

/** The module's namespace if it is loaded already (no await needed), else undefined. */
export function loadedModule(spec: string): unknown {
  const hit = loaded.get(spec);
  if (hit !== undefined || !spec.startsWith('node:')) return hit;
  const mod = localRequire(spec) as Record<string, unknown>;
  // Builtins have no `default` export under require(): the module is its own default.
  const ns = 'default' in mod ? mod : Object.assign(Object.create(mod) as object, { default: mod });
  loaded.set(spec, ns);
  return ns;
}

/** Makes `ns` the module calls name `spec` (built-in modules of the runtime, e.g. `tendril:shell`). */
export function provideModule(spec: string, ns: unknown): void {
  loaded.set(spec, ns);
}

export async function loadModule(spec: string): Promise<unknown> {
  const ready = loadedModule(spec);
  if (ready !== undefined) return ready;
  if (!registry) throw new Error(`cannot load '${spec}': this context has no module registry`);
  const ns = await registry.import(spec, null);
  // A module evaluated in a context stays that version there (module-registry.ts): later calls skip the lookup.
  loaded.set(spec, ns);
  return ns;
}
