// The importer: modules served by the master live here, in memory, in the dispatcher thread.
// ES modules run as real ESM (vm.SourceTextModule: top-level await, live bindings, cycles),
// CommonJS through an in-memory require(), JSON as data. Imports resolve through the import
// maps the master sent; anything missing is fetched (synchronously, so require() works).
// Freshness: a module evaluated here stays as it is for the context's life (its state is
// shared by everything importing it); the module of a call that is not evaluated yet is
// checked with the parent first, and any module of its graph that changed on the master and
// is not yet in use here is replaced by the new version before it links.
import { createRequire } from 'node:module';
import { builtinModules } from 'node:module';
import vm from 'node:vm';
import { TENDRIL_MODULE_ID, childApi } from './child-api.js';
import { setBundleFetcher } from '../child/on-demand.js';
import type { ModuleFetcher } from './module-fetch.js';
import type { WireModule } from './module-protocol.js';

/** Served modules are named `master:<absolute path>` in stacks, import.meta.url and __filename. */
export const MODULE_SCHEME = 'master:';
export const moduleUrl = (id: string): string => `${MODULE_SCHEME}${id}`;

const builtins = new Set(builtinModules);
const localRequire = createRequire(`${process.cwd()}/`);

interface CjsModule {
  exports: unknown;
  id: string;
  filename: string;
  loaded: boolean;
}

interface ModuleRecord {
  id: string;
  /** The freshness token of this version (module-protocol.ts). */
  token: number;
  format: WireModule[1];
  source: string;
  imports: Record<string, string>;
  vmModule?: vm.Module;
  cjs?: CjsModule;
  ready?: Promise<vm.Module>;
}

// vm.SourceTextModule and friends exist only with --experimental-vm-modules.
type VmModules = typeof vm & {
  SourceTextModule: new (source: string, opts: Record<string, unknown>) => vm.Module;
  SyntheticModule: new (exports: string[], evaluate: (this: vm.Module & { setExport(n: string, v: unknown): void }) => void, opts?: Record<string, unknown>) => vm.Module & { setExport(n: string, v: unknown): void };
};

export class ModuleRegistry {
  private readonly records = new Map<string, ModuleRecord>();
  /** `importer \0 specifier` -> resolved id, or the error it gave (misses are cached too). */
  private readonly resolved = new Map<string, string | Error>();
  private readonly builtinModules = new Map<string, vm.Module>();
  private readonly builtinReady = new Map<string, Promise<vm.Module>>();

  constructor(private readonly fetcher: ModuleFetcher) {
    // The same fetcher brings the core's on-demand parts to this thread (child/on-demand.ts).
    setBundleFetcher(fetcher);
  }

  /** Sources by id, for the stack mapper. */
  sourceOf(id: string): string | undefined {
    return this.records.get(id)?.source;
  }

  get size(): number {
    return this.records.size;
  }

  /** The module namespace of `specifier` (a call's module: an absolute path or a package name). */
  async import(specifier: string, importer: string | null = null): Promise<unknown> {
    const id = importer === null ? this.resolveFresh(specifier) : this.resolve(specifier, importer);
    if (id.startsWith('node:') || id === TENDRIL_MODULE_ID) return this.builtin(id);
    const mod = await this.ready(id);
    return mod.namespace;
  }

  /**
   * A call's module: the version to run. A module already in use here is what it is (nothing
   * is asked); otherwise the parent is asked, so that what links is the master's version now.
   */
  resolveFresh(specifier: string): string {
    if (specifier.startsWith('node:') || builtins.has(specifier) || specifier === TENDRIL_MODULE_ID) return this.resolve(specifier, null);
    const bare = specifier.startsWith(MODULE_SCHEME) ? specifier.slice(MODULE_SCHEME.length) : specifier;
    const known = this.records.has(bare) ? bare : this.resolved.get(`\0${bare}`);
    if (known instanceof Error) throw known;
    if (known !== undefined && this.inUse(known)) return known;
    return this.fetch(bare, null, `\0${bare}`);
  }

  /**
   * Linked, evaluated or being evaluated here: such a module is never replaced. One whose
   * evaluation failed is not in use (a fixed version may take its place).
   */
  private inUse(id: string): boolean {
    const rec = this.records.get(id);
    if (rec === undefined) return false;
    if (rec.cjs !== undefined || rec.ready !== undefined) return true;
    return rec.vmModule !== undefined && rec.vmModule.status !== 'errored';
  }

  /** Resolves through the importer's import map, then the caches, then the parent. */
  resolve(specifier: string, importer: string | null): string {
    if (specifier.startsWith('node:')) return specifier;
    if (builtins.has(specifier)) return `node:${specifier}`;
    if (specifier === TENDRIL_MODULE_ID) return specifier;
    if (specifier.startsWith(MODULE_SCHEME)) specifier = specifier.slice(MODULE_SCHEME.length);
    if (importer !== null) {
      const mapped = this.records.get(importer)?.imports[specifier];
      if (mapped !== undefined) return mapped;
    }
    if (importer === null && this.records.has(specifier)) return specifier;
    const key = `${importer ?? ''}\0${specifier}`;
    const cached = this.resolved.get(key);
    if (cached instanceof Error) throw cached;
    if (cached !== undefined) return cached;
    return this.fetch(specifier, importer, key);
  }

  /** Asks the parent (a round trip through the broker) and keeps what the reply brings. */
  private fetch(specifier: string, importer: string | null, key: string): string {
    const reply = this.fetcher.fetchSync(specifier, importer);
    const tokens = new Map<string, number>();
    reply.graph?.forEach((id, i) => tokens.set(id, reply.tokens?.[i] ?? 0));
    for (const m of reply.modules) this.add(m, tokens.get(m[0]) ?? 0);
    if (reply.error !== null || reply.root === null) {
      const err = new Error(reply.error ?? `cannot load '${specifier}'`);
      err.name = 'ModuleLoadError';
      this.resolved.set(key, err);
      throw err;
    }
    this.resolved.set(key, reply.root);
    return reply.root;
  }

  private add(m: WireModule, token: number): void {
    const [id, format, source, imports] = m;
    // Only tendril's own bundles travel compressed, and they never reach a registry.
    if (typeof source !== 'string') return;
    const old = this.records.get(id);
    // A new version replaces one not yet in use; a module in use stays as it is.
    if (old === undefined || (old.token !== token && !this.inUse(id))) this.records.set(id, { id, format, source, imports, token });
  }

  private record(id: string): ModuleRecord {
    const r = this.records.get(id);
    if (!r) throw new Error(`module ${id} was resolved but not received`);
    return r;
  }

  /** Linked and evaluated. */
  private ready(id: string): Promise<vm.Module> {
    if (id.startsWith('node:') || id === TENDRIL_MODULE_ID) return this.readyBuiltin(id);
    const rec = this.record(id);
    if (!rec.ready) {
      rec.ready = (async () => {
        const mod = this.vmModule(id);
        if (mod.status === 'unlinked') {
          await mod.link((specifier: string, referencing: vm.Module) =>
            this.vmModule(this.resolve(specifier, idOf(referencing.identifier))),
          );
        }
        if (mod.status === 'linked') await mod.evaluate();
        else if (mod.status === 'evaluating' || mod.status === 'evaluated') await mod.evaluate();
        if (mod.status === 'errored') throw mod.error;
        return mod;
      })();
      // A failed load may be retried after the file is fixed on the master.
      rec.ready.catch(() => { rec.ready = undefined; });
    }
    return rec.ready;
  }

  /** A builtin (or tendril itself) reached by import(): a synthetic module, evaluated once. */
  private readyBuiltin(id: string): Promise<vm.Module> {
    let p = this.builtinReady.get(id);
    if (!p) {
      p = (async () => {
        const mod = this.vmModule(id);
        if (mod.status === 'unlinked') await mod.link(() => Promise.reject(new Error(`${id} imports nothing`)));
        if (mod.status === 'linked') await mod.evaluate();
        return mod;
      })();
      this.builtinReady.set(id, p);
    }
    return p;
  }

  /** The vm.Module for an id (created once, unlinked). */
  private vmModule(id: string): vm.Module {
    const V = vm as VmModules;
    if (id.startsWith('node:') || id === TENDRIL_MODULE_ID) {
      let mod = this.builtinModules.get(id);
      if (!mod) {
        const ns = this.builtin(id) as Record<string, unknown>;
        const names = [...new Set(['default', ...Object.keys(ns)])];
        mod = new V.SyntheticModule(names, function () {
          for (const n of names) this.setExport(n, n === 'default' ? ns : ns[n]);
        }, { identifier: id });
        this.builtinModules.set(id, mod);
      }
      return mod;
    }
    const rec = this.record(id);
    if (rec.vmModule) return rec.vmModule;
    const url = moduleUrl(id);
    if (rec.format === 'esm') {
      rec.vmModule = new V.SourceTextModule(rec.source, {
        identifier: url,
        initializeImportMeta: (meta: { url?: string }) => {
          meta.url = url;
        },
        importModuleDynamically: (specifier: string) => this.ready(this.resolve(specifier, id)),
      });
    } else {
      const value = rec.format === 'json' ? JSON.parse(rec.source) : this.requireCjs(id);
      const names = ['default'];
      if (rec.format === 'cjs' && value !== null && typeof value === 'object') {
        for (const k of Object.keys(value)) if (k !== 'default') names.push(k);
      }
      rec.vmModule = new V.SyntheticModule(names, function () {
        for (const n of names) this.setExport(n, n === 'default' ? value : (value as Record<string, unknown>)[n]);
      }, { identifier: url });
    }
    return rec.vmModule;
  }

  /** CommonJS: runs the module once, in memory, with a require() that resolves through us. */
  private requireCjs(id: string): unknown {
    const rec = this.record(id);
    if (rec.cjs) return rec.cjs.exports;
    if (rec.format === 'json') return JSON.parse(rec.source);
    if (rec.format === 'esm') {
      throw new Error(`cannot require() the ES module ${id} in a child: use import() instead`);
    }
    const url = moduleUrl(id);
    const module: CjsModule = { exports: {}, id, filename: url, loaded: false };
    rec.cjs = module;
    const require = this.requireFor(id);
    const wrapper = vm.runInThisContext(
      `(function (exports, require, module, __filename, __dirname) {${rec.source}\n})`,
      // import() in CommonJS (how CJS code reaches ESM-only packages) resolves through us too.
      { filename: url, importModuleDynamically: (specifier: string) => this.ready(this.resolve(specifier, id)) } as vm.RunningScriptOptions,
    ) as (this: unknown, ...args: unknown[]) => void;
    const dir = url.slice(0, url.lastIndexOf('/')) || MODULE_SCHEME;
    try {
      wrapper.call(module.exports, module.exports, require, module, url, dir);
    } catch (e) {
      rec.cjs = undefined;
      throw e;
    }
    module.loaded = true;
    return module.exports;
  }

  /** A require() resolving from `importer` (a served module's id, or any path on the master). */
  private requireFor(importer: string): NodeJS.Require {
    const require = ((specifier: string): unknown => this.requireFrom(specifier, importer)) as NodeJS.Require;
    require.resolve = ((specifier: string): string => this.resolve(specifier, importer)) as NodeJS.RequireResolve;
    require.cache = Object.create(null) as NodeJS.Require['cache'];
    return require;
  }

  private requireFrom(specifier: string, importer: string): unknown {
    const id = this.resolve(specifier, importer);
    if (id.startsWith('node:') || id === TENDRIL_MODULE_ID) return this.builtin(id);
    return this.requireCjs(id);
  }

  private patchedModuleBuiltin: unknown = null;

  /** What a builtin id gives served code: tendril's own API, or the child's Node builtin. */
  private builtin(id: string): unknown {
    if (id === TENDRIL_MODULE_ID) return childApi;
    if (id !== 'node:module') return localRequire(id);
    // `createRequire(import.meta.url)` (or of __filename) names a module on the master: the
    // require() it gives must load from the master too, not from the child's disk.
    if (this.patchedModuleBuiltin === null) {
      const real = localRequire(id) as typeof import('node:module');
      const createRequire = (from: string | URL): NodeJS.Require => {
        let path: string | null = null;
        if (from instanceof URL) path = from.protocol === MODULE_SCHEME ? decodeURIComponent(from.pathname) : null;
        else if (typeof from === 'string' && from.startsWith(MODULE_SCHEME)) path = from.slice(MODULE_SCHEME.length);
        if (path === null) return real.createRequire(from);
        // A folder (trailing slash) resolves from inside it, as Node's createRequire does.
        return this.requireFor(path.endsWith('/') ? `${path}<createRequire>` : path);
      };
      // A proxy, so the rest (named exports, `new Module()`) stays the real node:module.
      this.patchedModuleBuiltin = new Proxy(real, {
        get: (target, key, receiver) => (key === 'createRequire' ? createRequire : Reflect.get(target, key, receiver)),
      });
    }
    return this.patchedModuleBuiltin;
  }
}

function idOf(identifier: string): string | null {
  return identifier.startsWith(MODULE_SCHEME) ? identifier.slice(MODULE_SCHEME.length) : null;
}
