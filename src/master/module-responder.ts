// Answers LOAD_MODULE requests from children: the requested module plus every module of its
// static graph the asking child does not hold in its current version, in one reply (one round
// trip for a whole tree). Every reply carries the graph and each module's freshness token, so
// the caches below can tell what changed; a child holding everything current gets a reply
// without code (a check). The router's importPolicy is enforced here, the only place code
// leaves the master. Loading a module runs nothing on the master.
import { encode } from '../core/wire/codec.js';
import type { Message } from '../core/messaging/message.js';
import { installHandle } from '../core/handles/install.js';
import { MalformedPayload, readPayload } from '../core/handles/payload.js';
import { loadModuleHandle } from '../core/handles/load-module.js';
import type { CoreRouter } from '../core/routing/router.js';
import { ModuleFinder, ModuleNotServable, type ModuleGraph, type ServedModule } from './module-finder.js';
import type { LoadModuleReply } from '../core/modules/module-protocol.js';
import { bundleReply } from './bundle-reply.js';
import { isOpen, refusal, type ImportPolicy, type PolicySubject } from './module-responder-policy.js';

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
  /** Requests answered without any code: the asker held every module of the graph, current. */
  upToDate: number;
  /** Requests refused by the router's importPolicy (counted in misses too). */
  refused: number;
}

export class ModuleResponder {
  readonly stats: ModuleStats = { requests: 0, modulesSent: 0, bytesSent: 0, cacheHits: 0, misses: 0, upToDate: 0, refused: 0 };
  private readonly finder = new ModuleFinder();
  /** Per child context: id -> token of each module sent to it (the version it holds). */
  private readonly sent = new Map<number, Map<string, number>>();
  /** The policy's verdict per graph (a graph is made once per request key and file version). */
  private readonly verdicts = new WeakMap<ModuleGraph, string | null>();

  constructor(
    private readonly router: CoreRouter,
    private readonly policy?: ImportPolicy,
  ) {
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
    let tokens: number[] = [];
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
      tokens = served.tokens;
      reply = { root: served.root, error: null, modules: fresh.map((m) => [m.id, m.format, m.source, m.imports]), graph: served.graph, tokens: served.tokens };
    } catch (e) {
      this.stats.misses++;
      if (e instanceof PolicyRefusal) this.stats.refused++;
      const message = e instanceof ModuleNotServable || e instanceof MalformedPayload || e instanceof PolicyRefusal ? e.message : `cannot serve the module: ${(e as Error).message}`;
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
      if (have && reply.graph) {
        const tokenOf = new Map(reply.graph.map((id, i) => [id, tokens[i]!] as const));
        for (const m of fresh) have.set(m.id, tokenOf.get(m.id)!);
      }
      this.stats.modulesSent += fresh.length;
      this.stats.bytesSent += data.byteLength;
      if (fresh.length) this.router.logger.debug('modules', `served ${fresh.length} modules for ${reply.root} to context ${msg.srcId}`);
      else if (reply.error === null) this.stats.upToDate++;
    } catch (e) {
      this.router.log('warn', `could not answer LOAD_MODULE from ${msg.srcId}: ${(e as Error).message}`);
    }
  }

  private async serve(contextId: number, specifier: string, importer: string | null): Promise<{ root: string; modules: ServedModule[]; graph: string[]; tokens: number[] }> {
    const before = this.finder.graphBuilds;
    let graph: ModuleGraph;
    try {
      graph = await this.finder.graph(specifier, importer);
    } finally {
      // Answered (a graph, or a cached miss) without building anything.
      if (this.finder.graphBuilds === before) this.stats.cacheHits++;
    }
    this.checkPolicy(graph, specifier);
    let have = this.sent.get(contextId);
    if (!have) this.sent.set(contextId, (have = new Map()));
    const stale: string[] = [];
    graph.modules.forEach((id, i) => {
      if (have.get(id) !== graph.tokens[i]) stale.push(id);
    });
    const modules = await this.finder.modules(stale);
    return { root: graph.root, modules, graph: graph.modules, tokens: graph.tokens };
  }

  /** Throws a PolicyRefusal naming the rule when a module of the graph may not load. */
  private checkPolicy(graph: ModuleGraph, specifier: string): void {
    if (isOpen(this.policy)) return;
    let verdict = this.verdicts.get(graph);
    if (verdict === undefined) {
      const named = new Map<string, string[]>(graph.modules.map((id) => [id, []]));
      named.get(graph.root)?.push(specifier);
      for (const id of graph.modules) {
        for (const [spec, target] of Object.entries(this.finder.importsOf(id) ?? {})) named.get(target)?.push(spec);
      }
      verdict = null;
      // The root first, so the refusal names what was asked for when that is what is denied.
      const order = [graph.root, ...graph.modules.filter((id) => id !== graph.root)];
      for (const id of order) {
        const subject: PolicySubject = { id, specifiers: named.get(id) ?? [] };
        verdict = refusal(this.policy!, subject);
        if (verdict !== null) break;
      }
      // A builtin root (node:x) loads in the child: nothing of the master's is sent.
      if (graph.root.startsWith('node:')) verdict = null;
      this.verdicts.set(graph, verdict);
    }
    if (verdict !== null) throw new PolicyRefusal(verdict);
  }
}

/** A module refused by the router's importPolicy. */
class PolicyRefusal extends Error {
  override name = 'ImportPolicyError';
}
