import { HEADER_SIZE, OFF_LENGTH } from '../wire/protocol.js';
import { WriteBatch } from './write-batch.js';
import { PREFAULT_MIN } from './prefault.js';
import type { Link } from './stream.js';

/** The two ends of the broker <-> dispatcher hop: a Worker on one side, parentPort on the other. */
export interface MessageEndpoint {
  postMessage(value: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', fn: (value: unknown) => void): unknown;
}

/**
 * Frames between the broker thread and the dispatcher thread. Frames queued in one
 * event-loop turn cross as one postMessage (the per-message cost of postMessage caps
 * throughput; batches do not). A lone frame that owns its buffer is transferred, not copied.
 */
export class PortLink implements Link {
  alive = true;
  /** Batches posted so far (wraps as an int32, like the channel lock's count of routed ones). */
  posted = 0;
  private readonly batch = new WriteBatch(() => this.flush());

  constructor(
    readonly label: string,
    readonly remoteId: number,
    private readonly port: MessageEndpoint,
    onFrame: (frame: Uint8Array) => void,
    /** Called after each batch received was routed (src/core/links/channel-lock.ts). */
    onBatch?: () => void,
  ) {
    port.on('message', (value) => {
      if (!(value instanceof Uint8Array)) return;
      try {
        splitFrames(value, onFrame);
      } finally {
        onBatch?.();
      }
    });
  }

  /** Nothing queued here waiting for the next post. */
  idle(): boolean {
    return this.batch.size === 0;
  }

  send(frame: Uint8Array): void {
    if (!this.alive) return;
    // A big frame in shared memory (links/prefault.ts) goes now and alone, as it is (the memory
    // is shared): in a batch it would be copied.
    if (frame.byteLength >= PREFAULT_MIN && frame.buffer instanceof SharedArrayBuffer) {
      this.flush();
      this.port.postMessage(frame);
      this.posted = (this.posted + 1) | 0;
      return;
    }
    this.batch.add(frame);
  }

  flush(): void {
    if (!this.alive) return;
    const { frames: q, bytes } = this.batch.take();
    if (q.length === 0) return;
    let batch: Uint8Array;
    const only = q[0]!;
    if (q.length === 1 && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength && only.buffer instanceof ArrayBuffer) {
      batch = only;
    } else {
      batch = new Uint8Array(bytes);
      let at = 0;
      for (const f of q) {
        batch.set(f, at);
        at += f.byteLength;
      }
    }
    this.port.postMessage(batch, [batch.buffer as ArrayBuffer]);
    this.posted = (this.posted + 1) | 0;
  }

  close(): void {
    this.alive = false;
    this.batch.clear();
  }
}

/** Splits a trusted batch of whole frames (made by PortLink.flush). */
function splitFrames(batch: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
  let at = 0;
  while (at + HEADER_SIZE <= batch.byteLength) {
    const o = at + OFF_LENGTH;
    const len = ((batch[o]! << 24) | (batch[o + 1]! << 16) | (batch[o + 2]! << 8) | batch[o + 3]!) >>> 0;
    const end = at + HEADER_SIZE + len;
    onFrame(batch.subarray(at, end));
    at = end;
  }
}
