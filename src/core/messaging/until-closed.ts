import { ChannelError } from '../errors.js';
import type { Message } from './message.js';

/**
 * Messages from `get` until the channel ends. A ChannelError ends the iteration normally only
 * when `endedNormally()` says the end was a close (the owner's, or its sender's); any other
 * end (a dead sender or respondent) is thrown, never a silent stop.
 */
export async function* untilClosed(get: () => Promise<Message>, endedNormally: () => boolean): AsyncGenerator<Message> {
  for (;;) {
    let msg: Message;
    try {
      msg = await get();
    } catch (e) {
      if (e instanceof ChannelError && endedNormally()) return;
      throw e;
    }
    yield msg;
  }
}
