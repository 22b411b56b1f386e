// Broker side of module loading: the dispatcher thread asks over a MessagePort and blocks;
// the broker asks its parent (LOAD_MODULE), posts the raw reply on the port, then wakes the
// dispatcher through shared memory. The broker stays free to route meanwhile.
import type { MessagePort } from 'node:worker_threads';
import { encode } from './codec.js';
import { LOAD_MODULE } from './protocol.js';
import { Receiver } from './receiver.js';
import type { CoreRouter } from './router.js';

/** What crosses the port: a request, and the reply (raw LOAD_MODULE reply bytes, or an error). */
export type ModulePortRequest = [seq: number, specifier: string, importer: string | null];
export type ModulePortReply = [seq: number, data: Uint8Array | null, error: string | null];

export function startModuleForwarder(router: CoreRouter, parentId: number, port: MessagePort, signal: Int32Array): void {
  const parent = router.contextFor(parentId);
  port.on('message', (req: ModulePortRequest) => {
    const [seq, specifier, importer] = req;
    const answer = (data: Uint8Array | null, error: string | null): void => {
      // Post first, then wake: the dispatcher takes the message with receiveMessageOnPort.
      port.postMessage([seq, data, error] satisfies ModulePortReply);
      Atomics.store(signal, 0, seq);
      Atomics.notify(signal, 0);
    };
    const receiver = new Receiver(router, { persist: false, respondent: parent });
    try {
      router.sendData(parentId, LOAD_MODULE, encode([specifier, importer]), receiver.handle);
    } catch (e) {
      answer(null, (e as Error).message);
      return;
    }
    receiver.get().then(
      (msg) => {
        if (msg.isDead) answer(null, msg.deadReason);
        else answer(Uint8Array.prototype.slice.call(msg.data), null);
      },
      (e: Error) => answer(null, e.message),
    );
  });
  port.unref();
}
