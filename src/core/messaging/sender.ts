import { WIRE_REF, type WireRef } from '../wire/codec.js';
import type { Context } from '../calls/context.js';
import { SENDER_CLOSED } from './message.js';

/** Sends values to a handle in some context. Can itself be passed to another context. */
export class Sender {
  /**
   * A sender to `handle` in `context` (usually from {@link Receiver.toSender}).
   * @param context - the context the receiving handle lives in
   * @param handle - the handle values are delivered to there (a Receiver's `handle`)
   */
  constructor(
    /** The context values go to. */
    readonly context: Context,
    /** The handle they are delivered to in that context. */
    readonly handle: number,
  ) {}

  /** Sends one value (any type calls accept); no reply. */
  send(value: unknown): void {
    this.context.router.sendValue(this.context.id, this.handle, value);
  }

  /**
   * Tells the receiving end no more values will come: its receiver ends normally (iteration
   * ends, messages$ completes), after the values sent before. The only normal end of a
   * channel: a sender that dies without closing is a ChannelError at the receiver.
   */
  close(): void {
    const r = this.context.router;
    r.route(r.buildDeadFrame(this.context.id, r.myId, this.handle, SENDER_CLOSED), null);
  }

  /** @internal How a Sender travels as a value. */
  [WIRE_REF](): WireRef {
    return { kind: 'sender', contextId: this.context.id, contextName: this.context.name, handle: this.handle };
  }

  /** `Sender(name#id:handle)`, for logs. */
  toString(): string {
    return `Sender(${this.context.name}#${this.context.id}:${this.handle})`;
  }
}
