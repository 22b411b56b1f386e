import { ChannelError } from '../errors.js';
import type { Message } from './message.js';

/** Messages from `get` until the channel closes or dies (ChannelError ends the iteration). */
export async function* untilClosed(get: () => Promise<Message>): AsyncGenerator<Message> {
  for (;;) {
    let msg: Message;
    try {
      msg = await get();
    } catch (e) {
      if (e instanceof ChannelError) return;
      throw e;
    }
    yield msg;
  }
}
