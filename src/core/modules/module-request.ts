// Asking the parent for a module (LOAD_MODULE): the module cache's only way upstream.
import { Receiver } from '../messaging/receiver.js';
import type { CoreRouter } from '../routing/router.js';
import { encode } from '../wire/codec.js';
import { LOAD_MODULE } from '../wire/protocol.js';

/** Asks the parent for a module: the raw LOAD_MODULE reply bytes, or the reason it failed. */
export function requestModule(
  router: CoreRouter,
  parent: { id: number },
  specifier: string,
  importer: string | null,
): Promise<[data: Uint8Array | null, error: string | null]> {
  const receiver = new Receiver(router, { persist: false, respondent: parent });
  try {
    router.sendData(parent.id, LOAD_MODULE, encode([specifier, importer]), receiver.handle);
  } catch (e) {
    receiver.close();
    return Promise.resolve([null, (e as Error).message]);
  }
  return receiver.get().then(
    (msg): [Uint8Array | null, string | null] =>
      msg.isDead ? [null, msg.deadReason] : [Uint8Array.prototype.slice.call(msg.data), null],
    (e: Error): [null, string] => [null, e.message],
  );
}
