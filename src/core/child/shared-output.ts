// The broker's write side of the channel to the parent when the dispatcher thread writes
// replies to it too (src/core/links/channel-lock.ts): every write waits until the broker owns
// the channel, and the dispatcher keeps off it while the broker has anything queued.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { Stream, type InputFd, type StreamEvents } from '../links/stream.js';
import type { BrokerChannelLock } from '../links/channel-lock.js';

/**
 * The channel's socket as the broker's Stream writes it. A write goes to the socket at once
 * (synchronously, as before: what is written right before process.exit() still leaves) when
 * the broker owns the channel or can take it; otherwise it waits, in order, until the
 * dispatcher's write ended. The broker keeps the channel while the socket has bytes in flight.
 */
export class SharedOutput extends EventEmitter {
  /** Bytes still queued for the parent by the owner of this output (its Stream). */
  backlog: () => number = () => this.writableLength;
  destroyed = false;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private waiting = false;
  private ending = false;
  private readonly written = (): void => this.settle();

  constructor(
    private readonly socket: Socket,
    private readonly lock: BrokerChannelLock,
  ) {
    super();
    socket.on('error', (e) => this.emit('error', e));
  }

  get writableLength(): number {
    return this.socket.writableLength + this.pendingBytes;
  }

  write(chunk: Uint8Array): boolean {
    if (this.destroyed) return false;
    if (this.pending.length === 0 && this.lock.take()) return this.socket.write(chunk, this.written);
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    this.waitForChannel();
    return false;
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  private waitForChannel(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.lock.acquire(() => {
      this.waiting = false;
      if (this.destroyed) return this.lock.release();
      const q = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      this.socket.cork();
      for (const c of q) this.socket.write(c, this.written);
      this.socket.uncork();
      if (this.ending) this.socket.end();
    });
  }

  /** A write left: once nothing is in flight the channel is free, and idle if nothing is queued. */
  private settle(): void {
    if (this.socket.writableLength !== 0 || this.pending.length !== 0) return;
    this.lock.release();
    if (this.backlog() === 0) this.lock.markIdle();
  }

  /**
   * The rest of a write the dispatcher began (it still owns the channel): written first, as
   * the socket has nothing queued while the dispatcher owns the channel.
   */
  writeRest(rest: Uint8Array): void {
    if (this.destroyed) return this.lock.restWritten();
    this.lock.markBusy();
    this.socket.write(rest, () => {
      this.lock.restWritten();
      if (this.backlog() === 0) this.lock.markIdle();
    });
  }

  end(): void {
    if (this.pending.length !== 0) this.ending = true;
    else this.socket.end();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.lock.close();
    this.socket.destroy();
  }

  ref(): void {
    this.socket.ref();
  }

  unref(): void {
    this.socket.unref();
  }
}

/** The stream to the parent: a frame queued marks the channel busy for the dispatcher. */
export class SharedChannelStream extends Stream {
  constructor(
    label: string,
    remoteId: number,
    input: Readable | InputFd,
    output: SharedOutput,
    maxMessageSize: number,
    events: StreamEvents,
    private readonly lock: BrokerChannelLock,
  ) {
    // The subset of Writable that Stream uses (write, cork, writableLength, end, destroy, 'error').
    super(label, remoteId, input, output as unknown as Writable, maxMessageSize, events);
    output.backlog = () => this.backlog;
  }

  override send(frame: Uint8Array): void {
    this.lock.markBusy();
    super.send(frame);
  }

  override sendPieces(pieces: Uint8Array[], total: number): void {
    this.lock.markBusy();
    super.sendPieces(pieces, total);
  }

  override close(reason: string): void {
    this.lock.close();
    super.close(reason);
  }
}
