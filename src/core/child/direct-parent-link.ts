// The dispatcher's link upward: replies and other answers for an ancestor are written straight
// to the channel's fd (no hop through the broker thread), when the channel lock says that keeps
// every guarantee (src/core/links/channel-lock.ts); everything else, and everything when the
// channel is busy, goes through the broker as before (PortLink).
//
// Kept on the broker's path: frames for anyone but an ancestor (the broker knows the routes),
// new work (CALL_FUNCTION / CALL_SERVICE: the broker's Stream bounds it, links/backpressure.ts),
// and big frames (a write this thread would have to finish while the parent reads them).
// Frames leave in the order they were sent, whichever path: a frame for the broker's path
// first sends the frames queued here before it.
import { writeSync } from 'node:fs';
import { CALL_FUNCTION, CALL_SERVICE, OFF_DST, frameHandle } from '../wire/protocol.js';
import type { Link } from '../links/stream.js';
import type { PortLink } from '../links/port-link.js';
import { WriteBatch } from '../links/write-batch.js';
import { DispatcherChannelLock } from '../links/channel-lock.js';

/** A frame at least this big goes through the broker. */
const DIRECT_MAX = 64 * 1024;

export class DirectParentLink implements Link {
  private readonly batch = new WriteBatch(() => this.flush());
  private readonly lock: DispatcherChannelLock;
  private readonly ancestors: Set<number>;
  /** Off after a write error: the broker's stream sees the channel's fate and reports it. */
  private enabled = true;

  constructor(
    private readonly port: PortLink,
    private readonly fd: number,
    slot: SharedArrayBuffer,
    /** Posts on the port to the broker (after the frames PortLink posted there). */
    private readonly post: (value: unknown, transfer: ArrayBuffer[]) => void,
    ancestors: number[],
  ) {
    this.lock = new DispatcherChannelLock(slot);
    this.ancestors = new Set(ancestors);
  }

  get label(): string {
    return this.port.label;
  }

  get remoteId(): number {
    return this.port.remoteId;
  }

  get alive(): boolean {
    return this.port.alive;
  }

  send(frame: Uint8Array): void {
    if (this.enabled && frame.byteLength < DIRECT_MAX && this.direct(frame)) {
      this.batch.add(frame);
      return;
    }
    if (this.batch.size > 0) this.toBroker(this.batch.take().frames, 0);
    this.port.send(frame);
  }

  private direct(frame: Uint8Array): boolean {
    const o = OFF_DST;
    const dst = ((frame[o]! << 24) | (frame[o + 1]! << 16) | (frame[o + 2]! << 8) | frame[o + 3]!) >>> 0;
    if (!this.ancestors.has(dst)) return false;
    const handle = frameHandle(frame);
    return handle !== CALL_FUNCTION && handle !== CALL_SERVICE;
  }

  /** Writes what is queued, if this thread may take the channel now; else the broker does. */
  flush(): void {
    const { frames, bytes } = this.batch.take();
    if (frames.length === 0) return;
    if (!this.port.alive || !this.port.idle() || !this.lock.tryTake(this.port.posted)) {
      this.toBroker(frames, 0);
      return;
    }
    const buf = frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes);
    let at = 0;
    try {
      while (at < bytes) {
        const n = writeSync(this.fd, buf, at, bytes - at);
        if (n <= 0) break;
        at += n;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
        // The parent is gone (EPIPE...): the broker's stream sees it too and ends this context.
        this.enabled = false;
        this.lock.release();
        return;
      }
    }
    if (at === bytes || at === 0) {
      // All written, or nothing (the pipe was full): the broker queues these whole frames.
      this.lock.release();
      if (at === 0) this.toBroker(frames, 0);
      return;
    }
    // The pipe filled mid-write: the broker writes the rest, before anything else (the channel stays
    // this thread's until the broker wrote it: src/core/links/channel-lock.ts), and queues it
    // where backpressure sees it. This thread never waits for the parent to read.
    const rest = new Uint8Array(bytes - at);
    rest.set(buf.subarray(at));
    this.post({ channelRest: rest }, [rest.buffer]);
  }

  private toBroker(frames: Uint8Array[], from: number): void {
    for (let i = from; i < frames.length; i++) this.port.send(frames[i]!);
  }

  close(): void {
    this.batch.clear();
    this.port.close();
  }
}
