// Why a module cannot be served, in words that name the file and line to fix: esbuild's
// failures of the graph walk translated into a ModuleNotServable, with the paths whose change
// could make a missing import resolvable (the finder caches the miss until one changes).
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';

export class ModuleNotServable extends Error {
  override name = 'ModuleNotServable';
}

interface EsbuildMessage {
  text: string;
  location?: { file: string; line: number; column: number } | null;
}

/** Paths to watch, besides the files loaded, before trying a failed request again. */
export function watchOf(e: ModuleNotServable): string[] {
  return (e as { watch?: string[] }).watch ?? [];
}

/** `file:line:column` of an esbuild message (paths are relative to `/`), or null. */
function locationOf(m: EsbuildMessage | undefined): { file: string; where: string } | null {
  const loc = m?.location;
  if (!loc || loc.file === '<tendril-request>' || loc.file === '') return null;
  const file = isAbsolute(loc.file) ? loc.file : `/${loc.file}`;
  return { file, where: `${file}:${loc.line}:${loc.column + 1}` };
}

/**
 * Paths whose creation or change could make an unresolvable `specifier` (imported from a file
 * in `fromDir`) resolvable: the folders a relative file would appear in, or every
 * node_modules folder (and the package's folder and package.json) a bare name is looked up in.
 */
function resolutionWatch(specifier: string, fromDir: string): string[] {
  const out: string[] = [];
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    // The target's folder and every folder above it up to the importer's: a new folder changes its parent.
    let dir = dirname(resolvePath(fromDir, specifier));
    for (;;) {
      out.push(dir);
      if (dir === fromDir || !dir.startsWith(fromDir) || dirname(dir) === dir) break;
      dir = dirname(dir);
    }
    out.push(fromDir);
    return out;
  }
  const parts = specifier.split('/');
  const pkg = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const nm = resolvePath(dir, 'node_modules');
    out.push(nm, resolvePath(nm, pkg), resolvePath(nm, pkg, 'package.json'));
    if (dirname(dir) === dir) break;
  }
  return out;
}

/** The failure of the graph walk for `specifier` (esbuild's thrown error `e`), explained. */
export function graphFailure(e: unknown, specifier: string, importer: string | null, resolveDir: string): ModuleNotServable {
  const errors = (e as { errors?: EsbuildMessage[] }).errors ?? [];
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  const loc = locationOf(first);
  const unresolved = first ? /^Could not resolve "(.*)"/.exec(first.text) : null;
  if (unresolved) {
    // The specifier that failed and the file that imports it: the requested module itself
    // (importer: the caller's importer), or any module of its graph.
    const missing = unresolved[1]!;
    const by = loc ? loc.file : importer;
    const err = new ModuleNotServable(
      `cannot find module '${missing}'${by ? ` imported by ${loc ? loc.where : by}` : ` (looked up from ${resolveDir}, the master's working directory)`}` +
        `${loc ? ` (while loading '${specifier}')` : ''}${more}`,
    );
    (err as { watch?: string[] }).watch = resolutionWatch(missing, by ? dirname(by) : resolveDir);
    return err;
  }
  const text = first?.text ?? (e as Error).message;
  return new ModuleNotServable(
    loc
      ? `cannot load '${specifier}': ${/^(Expected|Unexpected|Unterminated|Syntax)/.test(text) ? 'syntax error' : 'error'} in ${loc.where}: ${text}${more}`
      : `cannot load '${specifier}': ${text}${more}`,
  );
}
