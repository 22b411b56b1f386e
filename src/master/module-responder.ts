// Answers LOAD_MODULE requests from children: the requested module plus every module of its
// static graph the asking child has not been sent yet, in one reply (one round trip for a
// whole tree). Loading a module runs nothing on the master.
import { encode } from '../core/wire/codec.js';
import type { Message } from '../core/messaging/message.js';
import { installHandle } from '../core/handles/install.js';
import { MalformedPayload, readPayload } from '../core/handles/payload.js';
import { loadModuleHandle } from '../core/handles/load-module.js';
import type { CoreRouter } from '../core/routing/router.js';
import { ModuleFinder, ModuleNotServable, type ModuleGraph, type ServedModule } from './module-finder.js';
import type { LoadModuleReply } from '../core/modules/module-protocol.js';
import { bundleReply } from './bundle-reply.js';

/** Counters tests and debug logs read. */
export interface ModuleStats {
  /** LOAD_MODULE requests received (one per round trip). */
  requests: number;
  /** Modules sent, not counting those the requesting context already had. */
  modulesSent: number;
  /** Bytes of every LOAD_MODULE reply sent (encoded, as on the wire without frame headers). */
  bytesSent: number;
  /** Requests answered from the master's cache (a graph, or a cached miss) without a new esbuild pass. */
  cacheHits: number;
  /** Requests for modules that could not be served. */
  misses: number;
}

export class ModuleResponder {
  readonly stats: ModuleStats = { requests: 0, modulesSent: 0, bytesSent: 0, cacheHits: 0, misses: 0 };
  private readonly finder = new ModuleFinder();
  /** Per child context: ids of modules already sent to it. */
  private readonly sent = new Map<number, Set<string>>();

  constructor(private readonly router: CoreRouter) {
    installHandle(router, loadModuleHandle, (msg) => void this.answer(msg), 'master');
  }

  /** A child died: forget what it had. */
  forget(contextId: number): void {
    this.sent.delete(contextId);
  }

  private async answer(msg: Message): Promise<void> {
    this.stats.requests++;
    let reply: LoadModuleReply;
    let fresh: ServedModule[] = [];
    try {
      const [specifier, importer] = readPayload(loadModuleHandle, msg.data);
      // The code a child needs to become a parent (not a user module: never cached as sent).
      const bundle = bundleReply(specifier, this.router.maxMessageSize);
      if (bundle !== null) {
        msg.reply(bundle);
        return;
      }
      const served = await this.serve(msg.srcId, specifier, importer);
      fresh = served.modules;
      reply = { root: served.root, error: null, modules: fresh.map((m) => [m.id, m.format, m.source, m.imports]), graph: served.graph };
    } catch (e) {
      this.stats.misses++;
      const message = e instanceof ModuleNotServable || e instanceof MalformedPayload ? e.message : `cannot serve the module: ${(e as Error).message}`;
      reply = { root: null, error: message, modules: [] };
    }
    try {
      let data = encode(reply);
      if (data.byteLength > this.router.maxMessageSize) {
        this.stats.misses++;
        fresh = [];
        data = encode({
          root: null,
          modules: [],
          error: `module ${reply.root} and its dependencies make a reply of ${data.byteLength} bytes, over maxMessageSize ${this.router.maxMessageSize}`,
        } satisfies LoadModuleReply);
      }
      this.router.sendData(msg.srcId, msg.replyTo, data);
      const have = this.sent.get(msg.srcId);
      for (const m of fresh) have?.add(m.id);
      this.stats.modulesSent += fresh.length;
      this.stats.bytesSent += data.byteLength;
      if (fresh.length) this.router.logger.debug('modules', `served ${fresh.length} modules for ${reply.root} to context ${msg.srcId}`);
    } catch (e) {
      this.router.log('warn', `could not answer LOAD_MODULE from ${msg.srcId}: ${(e as Error).message}`);
    }
  }

  private async serve(contextId: number, specifier: string, importer: string | null): Promise<{ root: string; modules: ServedModule[]; graph: string[] }> {
    const before = this.finder.graphBuilds;
    let graph: ModuleGraph;
    try {
      graph = await this.finder.graph(specifier, importer);
    } finally {
      // Answered (a graph, or a cached miss) without building anything.
      if (this.finder.graphBuilds === before) this.stats.cacheHits++;
    }
    let have = this.sent.get(contextId);
    if (!have) this.sent.set(contextId, (have = new Set()));
    const modules = await this.finder.modules(graph.modules.filter((id) => !have.has(id)));
    return { root: graph.root, modules, graph: graph.modules };
  }
}
