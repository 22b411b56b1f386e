import type { Readable, Writable } from 'node:stream';
import { FrameParser } from './frame-parser.js';

/** Anything a router can hand a frame to: a stream to another process, or the dispatcher thread. */
export interface Link {
  /** For logs and errors. */
  readonly label: string;
  /** The context at the other end (a child's id, or the parent's id). */
  readonly remoteId: number;
  readonly alive: boolean;
  send(frame: Uint8Array): void;
}

export interface StreamEvents {
  onFrame(frame: Uint8Array, stream: Stream): void;
  /** Called once, when the stream can carry nothing more. */
  onClose(stream: Stream, reason: string): void;
}

const FLUSH_CONCAT_LIMIT = 256 * 1024;

/**
 * Runs `fn` once the current task has finished, promise continuations included: the microtask
 * hands over to process.nextTick, which Node runs only after the microtask queue has drained.
 * So every frame sent while handling one input chunk (or one batch from the dispatcher
 * thread), however many awaits deep, leaves in one write, and the write happens before the
 * event loop goes back to polling. setImmediate batched the same frames but cost a trip
 * through the check phase on every hop (measured: bench/run.ts, notes in the bench report).
 */
export function afterCurrentTask(fn: () => void): void {
  queueMicrotask(() => process.nextTick(fn));
}

/**
 * A framed byte stream to another process. Reads are parsed incrementally; writes made while
 * handling one event leave as one write (small frames concatenated, big ones gathered).
 */
export class Stream implements Link {
  alive = true;
  private readonly parser: FrameParser;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private scheduled = false;
  private closeReason: string | null = null;
  private readonly flushNow = (): void => this.flush();

  constructor(
    readonly label: string,
    readonly remoteId: number,
    private readonly input: Readable,
    private readonly output: Writable,
    maxMessageSize: number,
    private readonly events: StreamEvents,
  ) {
    this.parser = new FrameParser(maxMessageSize, (frame) => this.events.onFrame(frame, this));
    input.on('data', (chunk: Buffer) => {
      if (!this.alive) return;
      try {
        this.parser.push(chunk);
      } catch (e) {
        this.close(`${(e as Error).message} on the stream from ${label}`);
      }
    });
    input.on('end', () => this.close(`${label} disconnected`));
    input.on('error', (e) => this.close(`read error on ${label}: ${e.message}`));
    output.on('error', (e) => this.close(`write error on ${label}: ${e.message}`));
    input.on('close', () => this.close(`${label} disconnected`));
    input.resume();
  }

  send(frame: Uint8Array): void {
    if (!this.alive) return;
    this.queue.push(frame);
    this.queued += frame.byteLength;
    if (!this.scheduled) {
      this.scheduled = true;
      afterCurrentTask(this.flushNow);
    }
  }

  /** Writes everything queued now. */
  flush(): void {
    this.scheduled = false;
    const q = this.queue;
    if (q.length === 0 || !this.alive) return;
    this.queue = [];
    const total = this.queued;
    this.queued = 0;
    if (q.length === 1) {
      this.output.write(q[0]!);
    } else if (total <= FLUSH_CONCAT_LIMIT) {
      this.output.write(Buffer.concat(q, total));
    } else {
      const out = this.output as Writable & { cork(): void; uncork(): void };
      out.cork();
      for (const f of q) out.write(f);
      out.uncork();
    }
  }

  /** Bytes written but not yet taken by the OS. */
  get backlog(): number {
    return this.queued + this.output.writableLength;
  }

  /** Stops reading and writing; queued frames are dropped. Idempotent. */
  close(reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    this.closeReason = reason;
    this.queue = [];
    this.input.destroy();
    if (this.output !== (this.input as unknown)) this.output.destroy();
    this.events.onClose(this, reason);
  }

  /** Flushes, then ends the write side so the peer sees EOF. */
  end(): void {
    this.flush();
    if (this.alive) this.output.end();
  }

  get reason(): string | null {
    return this.closeReason;
  }

  /** Whether the stream keeps the event loop alive. */
  setRef(on: boolean): void {
    for (const s of [this.input, this.output] as unknown as { ref?(): void; unref?(): void }[]) {
      if (on) s.ref?.();
      else s.unref?.();
    }
  }
}
