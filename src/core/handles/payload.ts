// Reading a reserved handle's data: decode, then the handle's shape check. Handlers call this
// instead of checking by hand, so every malformed message fails the same clear way.
import { decode, type DecodeHooks } from '../wire/codec.js';
import type { Message } from '../messaging/message.js';
import type { CoreRouter } from '../routing/router.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/**
 * The data of a reserved handle did not have its shape. A TypeError (a CallError made from it
 * says TypeError), naming the handle and the shape expected.
 */
export class MalformedPayload extends TypeError {
  constructor(readonly handle: ReservedHandle) {
    super(`malformed ${handle.name} message: expected ${handle.data}`);
  }
}

/**
 * Decodes `data` (with `hooks` where the data may hold contexts or senders) and checks its
 * shape. Throws MalformedPayload for a wrong shape; undecodable bytes throw the codec's error.
 */
export function readPayload<T>(handle: ReservedHandle<T>, data: Uint8Array, hooks: DecodeHooks | null = null): T {
  const value = handle.parse(decode(data, hooks));
  if (value === MALFORMED) throw new MalformedPayload(handle);
  return value;
}

/**
 * For handles whose sender expects no answer: the payload, or undefined when it has the wrong
 * shape (logged at debug level, then dropped). Undecodable bytes still throw.
 */
export function payloadOrDrop<T>(router: CoreRouter, handle: ReservedHandle<T>, msg: Message): T | undefined {
  try {
    return readPayload(handle, msg.data);
  } catch (e) {
    if (!(e instanceof MalformedPayload)) throw e;
    router.log('debug', `dropped a message from context ${msg.srcId}: ${e.message}`, 'routing');
    return undefined;
  }
}
