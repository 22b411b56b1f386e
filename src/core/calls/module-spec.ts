import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const builtins = new Set(builtinModules);

/**
 * Normalizes the module argument of a call: `node:` builtins, absolute paths (from a path or
 * a file: URL) and bare package names pass; a relative specifier has no meaning in another
 * process, so it is refused with the fix.
 */
export function normalizeModuleSpec(module: string | URL): string {
  if (module instanceof URL) {
    // A served module's import.meta.url names its path on the master.
    if (module.protocol === 'master:') return decodeURIComponent(module.pathname);
    if (module.protocol !== 'file:') throw new TypeError(`cannot call into ${module.href}: only file: URLs name modules`);
    return fileURLToPath(module);
  }
  if (typeof module !== 'string' || module === '') throw new TypeError('the module of a call must be a non-empty string or a URL');
  if (module.startsWith('node:')) return module;
  if (module.startsWith('file:')) return fileURLToPath(module);
  if (module.startsWith('master:')) return module.slice('master:'.length);
  if (module.startsWith('./') || module.startsWith('../') || module === '.' || module === '..') {
    throw new TypeError(
      `relative module specifier '${module}' is ambiguous in another process: pass new URL('${module}', import.meta.url) or an absolute path`,
    );
  }
  if (builtins.has(module)) return `node:${module}`;
  return module;
}
