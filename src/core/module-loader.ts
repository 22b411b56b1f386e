// Resolves the module named by a call, in the dispatcher: builtins load locally, everything
// else comes from the master through the registry.
import { createRequire } from 'node:module';
import type { ModuleRegistry } from './module-registry.js';

const localRequire = createRequire(`${process.cwd()}/`);
let registry: ModuleRegistry | null = null;

export function setModuleRegistry(r: ModuleRegistry): void {
  registry = r;
}

export async function loadModule(spec: string): Promise<unknown> {
  if (spec.startsWith('node:')) {
    const mod = localRequire(spec) as Record<string, unknown>;
    // Builtins have no `default` export under require(): the module is its own default.
    return 'default' in mod ? mod : Object.assign(Object.create(mod) as object, { default: mod });
  }
  if (!registry) throw new Error(`cannot load '${spec}': this context has no module registry`);
  return registry.import(spec, null);
}
