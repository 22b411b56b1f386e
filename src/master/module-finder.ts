// The master's module finder: resolves a specifier with esbuild's implementation of Node's
// resolution (package.json exports and conditions, `.ts` behind a `.js` import), walks the
// whole static dependency graph in the same pass, and transpiles each TypeScript file to ESM
// with an inline source map. Graphs and transpiled files are cached until a file changes.
import { build, type Metafile, type Plugin } from 'esbuild';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, extname, isAbsolute, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TENDRIL_MODULE_ID } from '../core/modules/child-api.js';

export type ModuleFormat = 'esm' | 'cjs' | 'json';

/** One module as a child receives it. */
export interface ServedModule {
  /** Absolute path on the master: the module's identity everywhere. */
  id: string;
  format: ModuleFormat;
  source: string;
  /** Specifier as written in the source -> resolved id (absolute path, or `node:x`). */
  imports: Record<string, string>;
}

export interface ModuleGraph {
  /** The id the requested specifier resolved to. */
  root: string;
  /** Every module reachable statically from the root, root included. */
  modules: string[];
}

export class ModuleNotServable extends Error {
  override name = 'ModuleNotServable';
}

const builtins = new Set(builtinModules);
const TS_EXT = new Set(['.ts', '.mts', '.cts', '.tsx']);

interface CachedModule {
  stamp: string;
  module: ServedModule;
}

/** A request that could not be served, until one of the files or folders it depended on changes. */
interface CachedMiss {
  error: ModuleNotServable;
  stamps: Map<string, string>;
}

interface EsbuildMessage {
  text: string;
  location?: { file: string; line: number; column: number } | null;
}

interface CachedGraph {
  graph: ModuleGraph;
  /** Every file's stamp when the graph was made. */
  stamps: Map<string, string>;
  imports: Map<string, Record<string, string>>;
  formats: Map<string, ModuleFormat>;
}

/**
 * What tells a file (or folder) changed: mtime, size and inode (an editor that saves by
 * renaming a new file over the old one may keep the mtime on coarse file systems); '-' when
 * it does not exist.
 */
const stamp = (path: string): string => {
  try {
    const st = statSync(path);
    return `${st.mtimeMs}/${st.size}/${st.ino}`;
  } catch {
    return '-';
  }
};

/** Records every file esbuild loads, so that a failed graph can be stamped like a good one. */
function loadRecorder(seen: Set<string>): Plugin {
  return {
    name: 'tendril-load-recorder',
    setup(b) {
      b.onLoad({ filter: /.*/ }, (args) => {
        if (args.namespace === 'file') seen.add(args.path);
        return undefined;
      });
    },
  };
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

/** Marks native addons so the whole graph can be refused with the package named. */
function nativeAddonPlugin(found: string[]): Plugin {
  return {
    name: 'tendril-native-addons',
    setup(b) {
      b.onResolve({ filter: /\.node$/ }, (args) => {
        const path = isAbsolute(args.path) ? args.path : resolvePath(args.resolveDir, args.path);
        found.push(path);
        return { path, external: true };
      });
    },
  };
}

function packageOf(path: string): string {
  const parts = path.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return path;
  const first = parts[at + 1] ?? '';
  return first.startsWith('@') ? `${first}/${parts[at + 2]}` : first;
}

/** tendril's own entry module on the master (src/index.ts, or dist/index.js when built). */
const OWN_ENTRIES = new Set(
  ['../index.ts', '../index.js', './index.js'].map((rel) => {
    try {
      return realpathSync(fileURLToPath(new URL(rel, import.meta.url)));
    } catch {
      return '';
    }
  }).filter(Boolean),
);

/** Imports of tendril itself stay external: the child has the runtime built in. */
function ownPackagePlugin(): Plugin {
  return {
    name: 'tendril-own-package',
    setup(b) {
      b.onResolve({ filter: /^tendril$/ }, () => ({ path: TENDRIL_MODULE_ID, external: true }));
      b.onResolve({ filter: /(^|\/)index(\.[cm]?[jt]s)?$/ }, (args) => {
        if (!args.path.startsWith('.') && !isAbsolute(args.path)) return undefined;
        const base = resolvePath(args.resolveDir, args.path).replace(/\.[cm]?[jt]s$/, '');
        for (const ext of ['.ts', '.js']) {
          let real = '';
          try {
            real = realpathSync(base + ext);
          } catch {
            continue;
          }
          if (OWN_ENTRIES.has(real)) return { path: TENDRIL_MODULE_ID, external: true };
        }
        return undefined;
      });
    },
  };
}

export class ModuleFinder {
  private readonly graphs = new Map<string, CachedGraph>();
  /** Requests that failed, by the same key as graphs: misses are cached on the master too. */
  private readonly misses = new Map<string, CachedMiss>();
  /** How many graphs were built (not served from cache). */
  graphBuilds = 0;
  private readonly files = new Map<string, CachedModule>();
  /** The master's entry script, which must guard its top-level code with isMain(). */
  private readonly entryScript: string | null;

  constructor() {
    let entry: string | null = null;
    try {
      entry = process.argv[1] ? realpathSync(process.argv[1]) : null;
    } catch {
      entry = null;
    }
    this.entryScript = entry;
  }

  /** Resolves `specifier` (from `importer`'s directory, or the master's cwd) and its static graph. */
  async graph(specifier: string, importer: string | null): Promise<ModuleGraph> {
    const resolveDir = importer ? dirname(importer) : process.cwd();
    const key = `${resolveDir}\0${specifier}`;
    const cached = this.graphs.get(key);
    if (cached && unchanged(cached.stamps)) return cached.graph;
    const miss = this.misses.get(key);
    if (miss && unchanged(miss.stamps)) throw miss.error;
    this.misses.delete(key);
    const seen = new Set<string>();
    try {
      return await this.buildGraph(key, specifier, importer, resolveDir, seen);
    } catch (e) {
      if (!(e instanceof ModuleNotServable)) throw e;
      const watch = new Set<string>([...seen, ...((e as { watch?: string[] }).watch ?? [])]);
      if (importer) watch.add(importer);
      this.misses.set(key, { error: e, stamps: new Map([...watch].map((p) => [p, stamp(p)] as const)) });
      throw e;
    }
  }

  private async buildGraph(key: string, specifier: string, importer: string | null, resolveDir: string, seen: Set<string>): Promise<ModuleGraph> {
    const natives: string[] = [];
    this.graphBuilds++;
    let meta: Metafile;
    try {
      const result = await build({
        stdin: { contents: `import * as m from ${JSON.stringify(specifier)}; export { m };`, resolveDir, loader: 'js', sourcefile: '<tendril-request>' },
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'esm',
        outfile: '/tendril-graph.js',
        absWorkingDir: '/',
        logLevel: 'silent',
        plugins: [ownPackagePlugin(), nativeAddonPlugin(natives), loadRecorder(seen)],
        // Loaders for files esbuild would otherwise refuse; their content is served as-is.
        loader: { '.node': 'empty' },
      });
      meta = result.metafile;
    } catch (e) {
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
        throw err;
      }
      const text = first?.text ?? (e as Error).message;
      throw new ModuleNotServable(
        loc
          ? `cannot load '${specifier}': ${/^(Expected|Unexpected|Unterminated|Syntax)/.test(text) ? 'syntax error' : 'error'} in ${loc.where}: ${text}${more}`
          : `cannot load '${specifier}': ${text}${more}`,
      );
    }
    if (natives.length > 0) {
      const pkg = packageOf(natives[0]!);
      throw new ModuleNotServable(
        `package '${pkg}' needs a native addon (${natives[0]}): native code cannot be sent to another machine; install the package on the target or call something else`,
      );
    }

    const imports = new Map<string, Record<string, string>>();
    const formats = new Map<string, ModuleFormat>();
    let root: string | null = null;
    for (const [rel, input] of Object.entries(meta.inputs)) {
      const map: Record<string, string> = {};
      for (const imp of input.imports) {
        const original = imp.original ?? imp.path;
        const target = imp.external ? (builtins.has(imp.path) ? `node:${imp.path}` : imp.path) : `/${imp.path}`;
        map[original] = target;
      }
      if (rel.endsWith('<tendril-request>')) {
        root = Object.values(map)[0] ?? null;
        continue;
      }
      const id = `/${rel}`;
      imports.set(id, map);
      formats.set(id, extname(id) === '.json' ? 'json' : input.format === 'cjs' ? 'cjs' : input.format === 'esm' || TS_EXT.has(extname(id)) || extname(id) === '.mjs' ? 'esm' : 'cjs');
    }
    if (root === null) throw new ModuleNotServable(`cannot load '${specifier}': nothing was resolved`);
    if (root.startsWith('node:')) {
      const graph = { root, modules: [] };
      this.graphs.set(key, { graph, stamps: new Map(), imports, formats });
      return graph;
    }
    const modules = [...imports.keys()];
    const stamps = new Map(modules.map((p) => [p, stamp(p)] as const));
    const graph = { root, modules };
    this.graphs.set(key, { graph, stamps, imports, formats });
    for (const [id, map] of imports) this.pendingMeta.set(id, { imports: map, format: formats.get(id)! });
    return graph;
  }

  private readonly pendingMeta = new Map<string, { imports: Record<string, string>; format: ModuleFormat }>();

  /** The cached served module, if it is still what the file and its graph say. */
  private cachedModule(id: string, now: string): ServedModule | null {
    const cached = this.files.get(id);
    const meta = this.pendingMeta.get(id);
    if (cached && cached.stamp === now && (!meta || sameImports(meta.imports, cached.module.imports))) return cached.module;
    return null;
  }

  /**
   * Several modules as children run them. The TypeScript files among them that are not cached
   * are transpiled in one esbuild pass (about 3x faster than one pass per file for a tree of
   * 100); any failure there falls back to one pass per file, which names the failing file.
   */
  async modules(ids: readonly string[]): Promise<ServedModule[]> {
    const batch: { id: string; stamp: string }[] = [];
    for (const id of ids) {
      const now = stamp(id);
      const meta = this.pendingMeta.get(id);
      if (TS_EXT.has(extname(id)) && meta?.format === 'esm' && id !== this.entryScript && now !== '-' && !this.cachedModule(id, now)) {
        batch.push({ id, stamp: now });
      }
    }
    if (batch.length > 1) await this.transpileBatch(batch).catch(() => undefined);
    const out: ServedModule[] = [];
    for (const id of ids) out.push(await this.module(id));
    return out;
  }

  private async transpileBatch(batch: { id: string; stamp: string }[]): Promise<void> {
    const result = await build({
      entryPoints: batch.map((b) => b.id),
      bundle: false,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      sourcemap: 'inline',
      sourcesContent: false,
      target: 'node16',
      logLevel: 'silent',
      // Each output lands beside its source (never written), so map sources stay relative to it.
      outdir: '/',
      outbase: '/',
      absWorkingDir: '/',
    });
    const byPath = new Map(result.outputFiles.map((f) => [f.path, f.text] as const));
    const stamps = new Map(batch.map((b) => [b.id, b.stamp] as const));
    for (const [out, info] of Object.entries(result.metafile.outputs)) {
      if (!info.entryPoint) continue;
      const id = `/${info.entryPoint}`;
      const text = byPath.get(`/${out}`);
      const meta = this.pendingMeta.get(id);
      const st = stamps.get(id);
      if (text === undefined || !meta || st === undefined) continue;
      this.files.set(id, { stamp: st, module: { id, format: meta.format, source: text, imports: meta.imports } });
    }
  }

  /** The module as a child runs it (transpiled, with inline source map). Cached per file. */
  async module(id: string): Promise<ServedModule> {
    const now = stamp(id);
    if (now === '-') throw new ModuleNotServable(`module ${id} disappeared on the master`);
    const cached = this.cachedModule(id, now);
    if (cached) return cached;
    const meta = this.pendingMeta.get(id);
    if (!meta) throw new ModuleNotServable(`module ${id} is not part of any resolved graph`);
    const raw = readFileSync(id, 'utf8');
    this.checkEntryGuard(id, raw);
    let source = raw;
    const ext = extname(id);
    if (TS_EXT.has(ext)) {
      // A build of this one file (not a transform) so that the file's own tsconfig applies:
      // imports are kept or dropped exactly as tsc would emit them for this project
      // (verbatimModuleSyntax keeps side-effect-only imports of otherwise unused modules).
      const out = await build({
        entryPoints: [id],
        bundle: false,
        write: false,
        format: meta.format === 'cjs' ? 'cjs' : 'esm',
        platform: 'node',
        sourcemap: 'inline',
        // The child maps stack frames to lines; it never needs the original text.
        sourcesContent: false,
        target: 'node16',
        logLevel: 'silent',
        outfile: `${id}.served.js`,
        absWorkingDir: dirname(id),
      }).catch((e: { errors?: { text: string; location?: { line: number; column: number } | null }[] }) => {
        const err = e.errors?.[0];
        throw new ModuleNotServable(`syntax error in ${id}:${err?.location?.line ?? '?'}:${err?.location ? err.location.column + 1 : '?'}: ${err?.text ?? String(e)}`);
      });
      const file = out.outputFiles.find((f) => f.path.endsWith('.served.js')) ?? out.outputFiles[0]!;
      source = file.text;
    }
    const module: ServedModule = { id, format: meta.format, source, imports: meta.imports };
    this.files.set(id, { stamp: now, module });
    return module;
  }

  /** The entry script runs its top-level code when loaded: it must be guarded by isMain(). */
  private checkEntryGuard(id: string, source: string): void {
    if (this.entryScript === null || id !== this.entryScript) return;
    if (/\bisMain\s*\(\s*import\.meta\s*\)/.test(source)) return;
    throw new ModuleNotServable(
      `${id} is the master's entry script and has no isMain guard: loading it in a child would run its top-level code again. ` +
        'Wrap that code in `if (isMain(import.meta)) { ... }` (import { isMain } from \'tendril\'), or move the called functions to another module',
    );
  }
}

function unchanged(stamps: Map<string, string>): boolean {
  for (const [path, t] of stamps) if (stamp(path) !== t) return false;
  return true;
}

function sameImports(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}
