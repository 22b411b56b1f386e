import { HEADER_SIZE, OFF_LENGTH } from './protocol.js';
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
  private queue: Uint8Array[] = [];
  private queued = 0;
  private scheduled = false;
  private readonly flushNow = (): void => this.flush();

  constructor(
    readonly label: string,
    readonly remoteId: number,
    private readonly port: MessageEndpoint,
    onFrame: (frame: Uint8Array) => void,
  ) {
    port.on('message', (value) => {
      if (!(value instanceof Uint8Array)) return;
      splitFrames(value, onFrame);
    });
  }

  send(frame: Uint8Array): void {
    if (!this.alive) return;
    this.queue.push(frame);
    this.queued += frame.byteLength;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  flush(): void {
    this.scheduled = false;
    const q = this.queue;
    if (q.length === 0 || !this.alive) return;
    this.queue = [];
    let batch: Uint8Array;
    if (q.length === 1 && q[0]!.byteOffset === 0 && q[0]!.byteLength === q[0]!.buffer.byteLength && q[0]!.buffer instanceof ArrayBuffer) {
      batch = q[0]!;
    } else {
      batch = new Uint8Array(this.queued);
      let at = 0;
      for (const f of q) {
        batch.set(f, at);
        at += f.byteLength;
      }
    }
    this.queued = 0;
    this.port.postMessage(batch, [batch.buffer as ArrayBuffer]);
  }

  close(): void {
    this.alive = false;
    this.queue = [];
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
