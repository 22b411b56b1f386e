import { decode } from '../wire/codec.js';
import { CallError, ChannelError } from '../errors.js';
import {
  HEADER_SIZE,
  IS_DEAD,
  NO_REPLY,
  frameAuth,
  frameDst,
  frameHandle,
  frameReplyTo,
  frameSrc,
} from '../wire/protocol.js';
import type { CoreRouter } from '../routing/router.js';

const utf8 = new TextDecoder();

/**
 * The reason of the dead message `Sender.close()` sends: the one end of a channel that is
 * normal (every other dead message means its peer died or was unreachable).
 */
export const SENDER_CLOSED = 'sender closed';

/** One delivered frame, decoded lazily. */
export class Message {
  /** The context it was addressed to. */
  readonly dstId: number;
  /** The context that sent it. */
  readonly srcId: number;
  /** The context whose authority it carries (policies check it): the sender itself for what it originates. */
  readonly authId: number;
  /** The handle it was delivered to. */
  readonly handle: number;
  /** The handle a reply goes to in the sender (see reply()); 0 when no reply is expected. */
  readonly replyTo: number;
  /** The raw data (msgpack, or the UTF-8 reason of a dead message). */
  readonly data: Uint8Array;

  /** @internal Messages are made by routers from the frames they deliver. */
  constructor(
    frame: Uint8Array,
    private readonly router: CoreRouter | null,
  ) {
    this.dstId = frameDst(frame);
    this.srcId = frameSrc(frame);
    this.authId = frameAuth(frame);
    this.handle = frameHandle(frame);
    this.replyTo = frameReplyTo(frame);
    this.data = frame.subarray(HEADER_SIZE);
  }

  /** @internal The router that delivered this message (null for one built outside a router). */
  get receivedBy(): CoreRouter | null {
    return this.router;
  }

  /** True for the one message that ends a channel: its peer died, or the sender closed it. */
  get isDead(): boolean {
    return this.replyTo === IS_DEAD;
  }

  /** True for the dead message of `Sender.close()`: the channel ended normally. */
  get isClose(): boolean {
    return this.isDead && this.deadReason === SENDER_CLOSED;
  }

  /** The reason carried by a dead message. */
  get deadReason(): string {
    return this.isDead ? utf8.decode(this.data) : '';
  }

  /** The value sent. Throws ChannelError for a dead message and CallError for a remote failure. */
  decode(): unknown {
    if (this.isDead) throw new ChannelError(this.deadReason);
    const value = decode(this.data, this.router ? this.router.decodeHooks : null);
    if (value instanceof CallError) throw value;
    return value;
  }

  /** Sends `value` back to whoever sent this message, on its `replyTo` handle. */
  reply(value: unknown): void {
    if (!this.router) throw new ChannelError('this message was not delivered by a router');
    if (this.replyTo === NO_REPLY || this.replyTo === IS_DEAD) {
      throw new ChannelError('the message expects no reply');
    }
    this.router.sendValue(this.srcId, this.replyTo, value);
  }

  /** @internal A message built locally, e.g. the dead message given to a receiver whose peer died. */
  static dead(router: CoreRouter | null, dstId: number, srcId: number, handle: number, reason: string): Message {
    return new Message(router ? router.buildDeadFrame(dstId, srcId, handle, reason) : new Uint8Array(HEADER_SIZE), router);
  }
}
