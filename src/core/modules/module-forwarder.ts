// Broker side of module loading: the dispatcher thread asks over a MessagePort and blocks;
// the broker answers from its module cache (asking its parent, LOAD_MODULE, when needed),
// posts the reply on the port, then wakes the dispatcher through shared memory. The broker
// stays free to route meanwhile.
import type { MessagePort } from 'node:worker_threads';
import { SELF, type ModuleCache } from './module-cache.js';

/** What crosses the port: a request, and the reply (raw LOAD_MODULE reply bytes, or an error). */
export type ModulePortRequest = [seq: number, specifier: string, importer: string | null];
export type ModulePortReply = [seq: number, data: Uint8Array | null, error: string | null];

export function startModuleForwarder(cache: ModuleCache, port: MessagePort, signal: Int32Array): void {
  port.on('message', (req: ModulePortRequest) => {
    const [seq, specifier, importer] = req;
    const answer = (data: Uint8Array | null, error: string | null): void => {
      // Post first, then wake: the dispatcher takes the message with receiveMessageOnPort.
      port.postMessage([seq, data, error] satisfies ModulePortReply);
      Atomics.store(signal, 0, seq);
      Atomics.notify(signal, 0);
    };
    // The encoded reply as the cache holds it: the dispatcher is the only one to decode it.
    cache.serveEncoded(SELF, specifier, importer).then(
      (reply) => {
        answer(reply.data, null);
        cache.markSent(SELF, reply.ids);
      },
      (e: Error) => answer(null, e.message),
    );
  });
  port.unref();
}
