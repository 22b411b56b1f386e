// The master's module finder: resolves a specifier with esbuild's implementation of Node's
// resolution (package.json exports and conditions, `.ts` behind a `.js` import), walks the
// whole static dependency graph in the same pass, and transpiles each TypeScript file to ESM
// with an inline source map. Graphs and transpiled files are cached until a file changes;
// every cache is bounded (module-finder-bounds.ts).
import { build, type Metafile } from 'esbuild';
import { readFileSync, realpathSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, extname } from 'node:path';
import { stamp, unchanged } from './file-stamps.js';
import { FINDER_CACHE_LIMIT, setBounded, touch } from './module-finder-bounds.js';
import { moduleToken } from './module-finder-token.js';
import { graphFailure, ModuleNotServable, watchOf } from './graph-errors.js';
import { loadRecorder, nativeAddonPlugin, ownPackagePlugin, packageOf } from './graph-plugins.js';
import { transpileMany, transpileOne } from './transpile.js';

export { ModuleNotServable };

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
  /** Each module's freshness token (module-finder-token.ts), in the order of `modules`. */
  tokens: number[];
}

const builtins = new Set(builtinModules);
/** Per-file caches hold more entries than per-request ones: a graph has many files. */
const FILE_LIMIT = FINDER_CACHE_LIMIT * 4;
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

interface CachedGraph {
  graph: ModuleGraph;
  /** Every file's stamp when the graph was made. */
  stamps: Map<string, string>;
  imports: Map<string, Record<string, string>>;
  formats: Map<string, ModuleFormat>;
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
    const cached = touch(this.graphs, key);
    if (cached && unchanged(cached.stamps)) {
      // The per-file metadata is bounded too: what this graph's modules need is put back.
      for (const [id, map] of cached.imports) setBounded(this.pendingMeta, id, { imports: map, format: cached.formats.get(id)! }, FILE_LIMIT);
      return cached.graph;
    }
    const miss = touch(this.misses, key);
    if (miss && unchanged(miss.stamps)) throw miss.error;
    this.misses.delete(key);
    const seen = new Set<string>();
    try {
      return await this.buildGraph(key, specifier, importer, resolveDir, seen);
    } catch (e) {
      if (!(e instanceof ModuleNotServable)) throw e;
      const watch = new Set<string>([...seen, ...watchOf(e)]);
      if (importer) watch.add(importer);
      setBounded(this.misses, key, { error: e, stamps: new Map([...watch].map((p) => [p, stamp(p)] as const)) });
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
      throw graphFailure(e, specifier, importer, resolveDir);
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
      const graph = { root, modules: [], tokens: [] };
      setBounded(this.graphs, key, { graph, stamps: new Map(), imports, formats });
      return graph;
    }
    const modules = [...imports.keys()];
    const stamps = new Map(modules.map((p) => [p, stamp(p)] as const));
    const tokens = modules.map((id) => moduleToken(stamps.get(id)!, formats.get(id)!, imports.get(id)!));
    const graph = { root, modules, tokens };
    setBounded(this.graphs, key, { graph, stamps, imports, formats });
    for (const [id, map] of imports) setBounded(this.pendingMeta, id, { imports: map, format: formats.get(id)! }, FILE_LIMIT);
    return graph;
  }

  private readonly pendingMeta = new Map<string, { imports: Record<string, string>; format: ModuleFormat }>();

  /** The import map of a module of a graph just resolved (for the import policy), if known. */
  importsOf(id: string): Record<string, string> | undefined {
    return this.pendingMeta.get(id)?.imports;
  }

  /** The cached served module, if it is still what the file and its graph say. */
  private cachedModule(id: string, now: string): ServedModule | null {
    const cached = touch(this.files, id);
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
    const texts = await transpileMany(batch.map((b) => b.id));
    for (const { id, stamp: st } of batch) {
      const text = texts.get(id);
      const meta = this.pendingMeta.get(id);
      if (text === undefined || !meta) continue;
      setBounded(this.files, id, { stamp: st, module: { id, format: meta.format, source: text, imports: meta.imports } }, FILE_LIMIT);
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
    if (TS_EXT.has(ext)) source = await transpileOne(id, meta.format === 'cjs' ? 'cjs' : 'esm');
    const module: ServedModule = { id, format: meta.format, source, imports: meta.imports };
    setBounded(this.files, id, { stamp: now, module }, FILE_LIMIT);
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

function sameImports(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}
