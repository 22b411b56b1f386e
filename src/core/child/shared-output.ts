// The broker's write side of the channel to the parent when the dispatcher thread writes
// replies to it too (src/core/links/channel-lock.ts): every write waits until the broker owns
// the channel, and the dispatcher keeps off it while the broker has anything queued.
import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { Stream, type InputFd, type StreamEvents } from '../links/stream.js';
import type { BrokerChannelLock } from '../links/channel-lock.js';

type Callback = (error?: Error | null) => void;

/** A Writable over the channel's socket whose writes happen only while the broker owns it. */
export class SharedOutput extends Writable {
  /** Bytes still queued for the parent by the owner of this output (its Stream). */
  backlog: () => number = () => this.writableLength;

  constructor(
    private readonly socket: Writable,
    private readonly lock: BrokerChannelLock,
  ) {
    super({ highWaterMark: 64 * 1024 });
    socket.on('error', (e) => this.destroy(e));
  }

  override _write(chunk: Uint8Array, _enc: BufferEncoding, cb: Callback): void {
    this.lock.acquire(() => this.socket.write(chunk, (e) => this.done(cb, e)));
  }

  override _writev(chunks: { chunk: Uint8Array }[], cb: Callback): void {
    this.lock.acquire(() => {
      const out = this.socket as Writable & { cork(): void; uncork(): void };
      out.cork();
      for (let i = 0; i < chunks.length - 1; i++) out.write(chunks[i]!.chunk);
      out.write(chunks[chunks.length - 1]!.chunk, (e) => this.done(cb, e));
      out.uncork();
    });
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

  /** A write left: the channel is free again; once nothing is queued, the dispatcher may write. */
  private done(cb: Callback, e?: Error | null): void {
    this.lock.release();
    cb(e);
    if (this.backlog() === 0) this.lock.markIdle();
  }

  override _final(cb: Callback): void {
    this.socket.end(cb);
  }

  override _destroy(e: Error | null, cb: Callback): void {
    this.lock.close();
    this.socket.destroy();
    cb(e);
  }

  ref(): void {
    (this.socket as { ref?(): void }).ref?.();
  }

  unref(): void {
    (this.socket as { unref?(): void }).unref?.();
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
    super(label, remoteId, input, output, maxMessageSize, events);
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
