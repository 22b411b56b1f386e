// A child's cache of modules received from its parent. It serves its own dispatcher and its
// children (subtree) from what it holds, so the master sends a module to a direct child at
// most once per version. It is checked, not trusted: every request is answered after asking
// the parent (LOAD_MODULE) what the graph is now; the parent's reply carries only the modules
// whose freshness token changed, usually none, and the tokens of all. Requests for the same
// module that arrive while a check is on its way join the next check, never one sent before
// they arrived: a call started after a file changed on the master gets the new file. Modules
// stay encoded as they arrived (module-reply-index.ts): a reply is passed on untouched when the
// requester needs exactly what it carried, else reassembled from the encoded modules.
import { encode } from '../wire/codec.js';
import { decode } from '../wire/codec.js';
import { installHandle } from '../handles/install.js';
import { readPayload } from '../handles/payload.js';
import { loadModuleHandle } from '../handles/load-module.js';
import type { Message } from '../messaging/message.js';
import { requestModule } from './module-request.js';
import type { LoadModuleReply } from './module-protocol.js';
import { assembleReply, indexReply } from './module-reply-index.js';
import type { CoreRouter } from '../routing/router.js';
import { installPreload } from './module-preload.js';
import { TENDRIL_MODULE_ID } from './child-api.js';

interface Resolution {
  root: string | null;
  error: string | null;
  graph: string[];
  /** Tokens in the order of graph (null: the parent sent none, as for tendril's bundles). */
  tokens: number[] | null;
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

/** A check on its way to the parent, and the one requests arriving meanwhile wait for. */
interface CheckSlot {
  running: Promise<Resolution>;
  next: Promise<Resolution> | null;
}

interface CachedModule {
  /** Its encoded `[id, format, source, imports]`. */
  bytes: Uint8Array;
  token: number;
}

export class ModuleCache {
  private readonly modules = new Map<string, CachedModule>();
  private readonly checks = new Map<string, CheckSlot>();
  /**
   * Resolutions that carry no code (to a builtin, or to tendril itself), or tendril's own
   * bundles: nothing in them can go stale, so they are kept and answered here without asking.
   */
  private readonly codeless = new Map<string, Resolution>();
  /** Per requester: id -> token of the version it was sent. */
  private readonly sent = new Map<number, Map<string, number>>();
  /** Requests that went up to the parent (tests and debug logs read it). */
  upstreamRequests = 0;

  constructor(private readonly router: CoreRouter) {
    router.addDeathListener((id) => this.sent.delete(id));
  }

  /** Answers LOAD_MODULE requests from this context's children, and FORWARD_MODULE (preloading). */
  serveChildren(): void {
    installHandle(this.router, loadModuleHandle, (msg) => void this.answerChild(msg));
    installPreload(this.router, this);
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
   * The reply for `requester`, encoded: the graph's modules it does not hold in their current
   * version. The parent's reply itself when that is exactly what it carries.
   */
  async serveEncoded(requester: number, specifier: string, importer: string | null): Promise<ServedReply> {
    const res = await this.current(`${importer ?? ''}\0${specifier}`, specifier, importer);
    if (res.error !== null) return failure(res.error);
    const have = this.sent.get(requester);
    const ids: string[] = [];
    let asReceived = res.received !== null;
    for (const id of res.graph) {
      const held = this.modules.get(id);
      if (held === undefined || (have !== undefined && have.get(id) === held.token)) continue;
      ids.push(id);
      if (!res.receivedIds.has(id)) asReceived = false;
    }
    if (asReceived && ids.length === res.receivedIds.size) {
      this.router.logger.debug('modules', `passed on the reply for '${specifier}' as received (${ids.length} modules)`);
      return { data: res.received!, ids };
    }
    return { data: assembleReply(res.root, null, ids.map((id) => this.modules.get(id)!.bytes), res.graph, res.tokens), ids };
  }

  /** Makes this cache hold `specifier`'s graph in its current version (preloading); its error, or null. */
  async hold(specifier: string): Promise<string | null> {
    return (await this.current(`\0${specifier}`, specifier, null)).error;
  }

  /** Records what a requester now holds (after the reply was sent). */
  markSent(requester: number, ids: readonly string[]): void {
    let have = this.sent.get(requester);
    if (!have) this.sent.set(requester, (have = new Map()));
    for (const id of ids) {
      const held = this.modules.get(id);
      if (held !== undefined) have.set(id, held.token);
    }
  }

  /** Number of modules held (tests, debug logs). */
  get size(): number {
    return this.modules.size;
  }

  /** The graph as the parent has it now: a check sent after this request arrived. */
  private current(key: string, specifier: string, importer: string | null): Promise<Resolution> {
    const known = this.codeless.get(key);
    if (known !== undefined) return Promise.resolve(known);
    const slot = this.checks.get(key);
    if (slot === undefined) return this.startCheck(key, specifier, importer);
    // The check in flight may have been answered upstream before this request existed.
    return (slot.next ??= slot.running.then(() => this.startCheck(key, specifier, importer)));
  }

  private startCheck(key: string, specifier: string, importer: string | null): Promise<Resolution> {
    const slot: CheckSlot = { running: this.fetch(specifier, importer), next: null };
    this.checks.set(key, slot);
    void slot.running.then(() => {
      if (this.checks.get(key) === slot) this.checks.delete(key);
    });
    return slot.running;
  }

  /** Asks the parent; never rejects (a failure is a Resolution with its error). */
  private async fetch(specifier: string, importer: string | null): Promise<Resolution> {
    this.upstreamRequests++;
    const [data, error] = await requestModule(this.router, this.router.contextFor(this.router.parentId), specifier, importer);
    let reply;
    try {
      if (data === null) throw new Error(error ?? 'no reply');
      reply = indexReply(data);
    } catch (e) {
      return { root: null, error: `loading '${specifier}' failed: ${(e as Error).message}`, graph: [], tokens: null, received: null, receivedIds: new Set() };
    }
    const graph = reply.graph ?? reply.modules.map((m) => m.id);
    const tokens = reply.tokens !== null && reply.tokens.length === graph.length ? reply.tokens : null;
    const tokenOf = new Map<string, number>();
    graph.forEach((id, i) => tokenOf.set(id, tokens?.[i] ?? 0));
    for (const m of reply.modules) this.modules.set(m.id, { bytes: m.bytes, token: tokenOf.get(m.id) ?? 0 });
    const receivedIds = new Set(reply.modules.map((m) => m.id));
    this.router.logger.debug('modules', `fetched '${specifier}' from the parent: ${receivedIds.size} modules new or changed, ${data!.byteLength} bytes`);
    const res: Resolution = { root: reply.root, error: reply.error, graph, tokens, received: data!, receivedIds };
    // tendril's own on-demand bundles ('tendril:parent', 'tendril:extras'...) do not change while the master runs.
    const bundle = res.error === null && res.root !== null && res.root.startsWith('tendril:');
    if (bundle || (res.error === null && graph.length === 0 && res.root !== null && (res.root.startsWith('node:') || res.root === TENDRIL_MODULE_ID))) {
      this.codeless.set(`${importer ?? ''}\0${specifier}`, res);
    }
    return res;
  }
}

function failure(error: string): ServedReply {
  return { data: encode({ root: null, error, modules: [] } satisfies LoadModuleReply), ids: [] };
}
