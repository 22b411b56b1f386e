// Resolves the module named by a call, in the dispatcher. Builtins load locally.
import { createRequire } from 'node:module';
import { TendrilError } from './errors.js';

const localRequire = createRequire(`${process.cwd()}/`);

export async function loadModule(spec: string): Promise<unknown> {
  if (spec.startsWith('node:')) {
    const mod = localRequire(spec) as Record<string, unknown>;
    // Builtins have no `default` export under require(): the module is its own default.
    return 'default' in mod ? mod : Object.assign(Object.create(mod) as object, { default: mod });
  }
  throw new TendrilError(
    `cannot load '${spec}' in this context: only node: builtins can be called until modules are served on demand`,
  );
}
