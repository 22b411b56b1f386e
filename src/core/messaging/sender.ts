import { WIRE_REF, type WireRef } from '../wire/codec.js';
import type { Context } from '../calls/context.js';

/** Sends values to a handle in some context. Can itself be passed to another context. */
export class Sender {
  constructor(
    readonly context: Context,
    readonly handle: number,
  ) {}

  send(value: unknown): void {
    this.context.router.sendValue(this.context.id, this.handle, value);
  }

  /** Tells the receiving end no more values will come: its receiver ends (a dead message). */
  close(): void {
    const r = this.context.router;
    r.route(r.buildDeadFrame(this.context.id, r.myId, this.handle, 'sender closed'), null);
  }

  [WIRE_REF](): WireRef {
    return { kind: 'sender', contextId: this.context.id, contextName: this.context.name, handle: this.handle };
  }

  toString(): string {
    return `Sender(${this.context.name}#${this.context.id}:${this.handle})`;
  }
}
