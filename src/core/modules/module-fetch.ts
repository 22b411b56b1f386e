// Dispatcher side of module loading: a synchronous fetch, so that CommonJS `require()` of a
// module not yet here works. The thread blocks in Atomics.wait while the broker fetches.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { decode } from '../wire/codec.js';
import type { ModulePortReply, ModulePortRequest } from './module-forwarder.js';
import type { LoadModuleReply } from './module-protocol.js';

/** Generous: the parent always answers (or its death answers); this only bounds a wedged parent. */
const FETCH_TIMEOUT_MS = 120_000;

export class ModuleFetcher {
  private seq = 0;
  /** Round trips made, for tests and debug logs. */
  requests = 0;

  constructor(
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
  ) {}

  fetchSync(specifier: string, importer: string | null): LoadModuleReply {
    const seq = ++this.seq;
    this.requests++;
    this.port.postMessage([seq, specifier, importer] satisfies ModulePortRequest);
    const deadline = Date.now() + FETCH_TIMEOUT_MS;
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const got = receiveMessageOnPort(this.port);
      if (got) {
        const [replySeq, data, error] = got.message as ModulePortReply;
        if (replySeq !== seq) continue; // a stale reply of an abandoned request
        if (error !== null || data === null) return { root: null, error: `loading '${specifier}' failed: ${error}`, modules: [] };
        return decode(data) as LoadModuleReply;
      }
      const left = deadline - Date.now();
      if (left <= 0) return { root: null, error: `no answer from the parent for module '${specifier}' within ${FETCH_TIMEOUT_MS} ms`, modules: [] };
      Atomics.wait(this.signal, 0, seen, Math.min(left, 1000));
    }
  }
}
