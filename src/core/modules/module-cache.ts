// A child's cache of modules received from its parent. It serves its own dispatcher and its
// children (subtree) from what it holds, so the master sends a module to a direct child at
// most once, and requests for the same module in flight are merged into one.
import { decode, encode } from '../wire/codec.js';
import { installHandle } from '../handles/install.js';
import { readPayload } from '../handles/payload.js';
import { loadModuleHandle } from '../handles/load-module.js';
import type { Message } from '../messaging/message.js';
import { requestModule } from './module-forwarder.js';
import type { LoadModuleReply, WireModule } from './module-protocol.js';
import type { CoreRouter } from '../routing/router.js';

interface Resolution {
  root: string | null;
  error: string | null;
  graph: string[];
}

/** Who asked: a child context's id, or SELF for this context's dispatcher. */
export const SELF = -1;

export class ModuleCache {
  private readonly modules = new Map<string, WireModule>();
  private readonly resolutions = new Map<string, Resolution>();
  private readonly inflight = new Map<string, Promise<Resolution>>();
  private readonly sent = new Map<number, Set<string>>();
  /** Requests that went up to the parent (tests and debug logs read it). */
  upstreamRequests = 0;

  constructor(private readonly router: CoreRouter) {
    router.addDeathListener((id) => this.sent.delete(id));
  }

  /** Answers LOAD_MODULE requests from this context's children. */
  serveChildren(): void {
    installHandle(this.router, loadModuleHandle, (msg) => void this.answerChild(msg));
  }

  private async answerChild(msg: Message): Promise<void> {
    let reply: LoadModuleReply;
    try {
      const [specifier, importer] = readPayload(loadModuleHandle, msg.data);
      reply = await this.serve(msg.srcId, specifier, importer);
    } catch (e) {
      reply = { root: null, error: (e as Error).message, modules: [] };
    }
    const data = encode(reply);
    if (data.byteLength > this.router.maxMessageSize) {
      msg.reply({ root: null, error: `module reply of ${data.byteLength} bytes exceeds maxMessageSize ${this.router.maxMessageSize}`, modules: [] });
      return;
    }
    this.router.sendData(msg.srcId, msg.replyTo, data);
    this.markSent(msg.srcId, reply.modules);
  }

  /** The reply for `requester`: the graph's modules it has not been sent yet. */
  async serve(requester: number, specifier: string, importer: string | null): Promise<LoadModuleReply> {
    const key = `${importer ?? ''}\0${specifier}`;
    let res = this.resolutions.get(key);
    if (!res) {
      let pending = this.inflight.get(key);
      if (!pending) {
        pending = this.fetch(specifier, importer).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      res = await pending;
    }
    if (res.error !== null) return { root: null, error: res.error, modules: [] };
    const have = this.sent.get(requester);
    const modules: WireModule[] = [];
    for (const id of res.graph) {
      const m = this.modules.get(id);
      if (m && !have?.has(id)) modules.push(m);
    }
    return { root: res.root, error: null, modules, graph: res.graph };
  }

  /** Records what a requester now holds (after the reply was sent). */
  markSent(requester: number, modules: WireModule[]): void {
    let have = this.sent.get(requester);
    if (!have) this.sent.set(requester, (have = new Set()));
    for (const m of modules) have.add(m[0]);
  }

  private async fetch(specifier: string, importer: string | null): Promise<Resolution> {
    this.upstreamRequests++;
    const [data, error] = await requestModule(this.router, this.router.contextFor(this.router.parentId), specifier, importer);
    if (data === null) return { root: null, error: `loading '${specifier}' failed: ${error}`, graph: [] };
    const reply = decode(data) as LoadModuleReply;
    for (const m of reply.modules) this.modules.set(m[0], m);
    const res: Resolution = {
      root: reply.root,
      error: reply.error,
      graph: reply.graph ?? reply.modules.map((m) => m[0]),
    };
    // Failures are cached too: a missing module costs the master one request per subtree.
    this.resolutions.set(`${importer ?? ''}\0${specifier}`, res);
    return res;
  }
}
