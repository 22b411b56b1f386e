// A child's cache of modules received from its parent. It serves its own dispatcher and its
// children (subtree) from what it holds, so the master sends a module to a direct child at
// most once, and requests for the same module in flight are merged into one. Modules stay
// encoded as they arrived (module-reply-index.ts): a reply is passed on untouched when the
// requester needs exactly what it holds, else reassembled from the encoded modules.
import { decode, encode } from '../wire/codec.js';
import { installHandle } from '../handles/install.js';
import { readPayload } from '../handles/payload.js';
import { loadModuleHandle } from '../handles/load-module.js';
import type { Message } from '../messaging/message.js';
import { requestModule } from './module-request.js';
import type { LoadModuleReply } from './module-protocol.js';
import { assembleReply, indexReply } from './module-reply-index.js';
import type { CoreRouter } from '../routing/router.js';

interface Resolution {
  root: string | null;
  error: string | null;
  graph: string[];
  /** The reply as the parent sent it, and the ids of the modules in it. */
  received: Uint8Array | null;
  receivedIds: ReadonlySet<string>;
}

/** An encoded LOAD_MODULE reply for one requester, and the ids of the modules it carries. */
export interface ServedReply {
  data: Uint8Array;
  ids: string[];
}

/** Who asked: a child context's id, or SELF for this context's dispatcher. */
export const SELF = -1;

export class ModuleCache {
  /** Module id -> its encoded `[id, format, source, imports]`. */
  private readonly modules = new Map<string, Uint8Array>();
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
    let reply: ServedReply;
    try {
      const [specifier, importer] = readPayload(loadModuleHandle, msg.data);
      reply = await this.serveEncoded(msg.srcId, specifier, importer);
    } catch (e) {
      reply = failure((e as Error).message);
    }
    if (reply.data.byteLength > this.router.maxMessageSize) {
      msg.reply({ root: null, error: `module reply of ${reply.data.byteLength} bytes exceeds maxMessageSize ${this.router.maxMessageSize}`, modules: [] } satisfies LoadModuleReply);
      return;
    }
    this.router.sendData(msg.srcId, msg.replyTo, reply.data);
    this.markSent(msg.srcId, reply.ids);
  }

  /** The reply for `requester`, decoded (the broker's own bundles; nothing is marked sent). */
  async serve(requester: number, specifier: string, importer: string | null): Promise<LoadModuleReply> {
    return decode((await this.serveEncoded(requester, specifier, importer)).data) as LoadModuleReply;
  }

  /**
   * The reply for `requester`, encoded: the graph's modules it has not been sent yet. The
   * parent's reply itself when that is exactly what it carries (the usual first request).
   */
  async serveEncoded(requester: number, specifier: string, importer: string | null): Promise<ServedReply> {
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
    if (res.error !== null) return failure(res.error);
    const have = this.sent.get(requester);
    const ids: string[] = [];
    let asReceived = res.received !== null;
    for (const id of res.graph) {
      if (!this.modules.has(id) || have?.has(id)) continue;
      ids.push(id);
      if (!res.receivedIds.has(id)) asReceived = false;
    }
    if (asReceived && ids.length === res.receivedIds.size) {
      this.router.logger.debug('modules', `passed on the reply for '${specifier}' as received (${ids.length} modules)`);
      return { data: res.received!, ids };
    }
    return { data: assembleReply(res.root, null, ids.map((id) => this.modules.get(id)!), res.graph), ids };
  }

  /** Records what a requester now holds (after the reply was sent). */
  markSent(requester: number, ids: readonly string[]): void {
    let have = this.sent.get(requester);
    if (!have) this.sent.set(requester, (have = new Set()));
    for (const id of ids) have.add(id);
  }

  private async fetch(specifier: string, importer: string | null): Promise<Resolution> {
    this.upstreamRequests++;
    const [data, error] = await requestModule(this.router, this.router.contextFor(this.router.parentId), specifier, importer);
    let reply;
    try {
      if (data === null) throw new Error(error ?? 'no reply');
      reply = indexReply(data);
    } catch (e) {
      // Not cached: the next request asks again.
      return { root: null, error: `loading '${specifier}' failed: ${(e as Error).message}`, graph: [], received: null, receivedIds: new Set() };
    }
    for (const m of reply.modules) this.modules.set(m.id, m.bytes);
    const receivedIds = new Set(reply.modules.map((m) => m.id));
    const res: Resolution = {
      root: reply.root,
      error: reply.error,
      graph: reply.graph ?? [...receivedIds],
      received: data,
      receivedIds,
    };
    this.router.logger.debug('modules', `fetched '${specifier}' from the parent: ${receivedIds.size} modules, ${data.byteLength} bytes`);
    // Failures are cached too: a missing module costs the master one request per subtree.
    this.resolutions.set(`${importer ?? ''}\0${specifier}`, res);
    return res;
  }
}

function failure(error: string): ServedReply {
  return { data: encode({ root: null, error, modules: [] } satisfies LoadModuleReply), ids: [] };
}
