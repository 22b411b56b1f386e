import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { FrameParser } from '../wire/frame-parser.js';
import { WriteBatch } from './write-batch.js';
import { bufferedBytesLimit, overflowReason } from './backpressure.js';
import { CALL_FUNCTION, CALL_SERVICE, frameHandle } from '../wire/protocol.js';

/** Anything a router can hand a frame to: a stream to another process, or the dispatcher thread. */
export interface Link {
  /** For logs and errors. */
  readonly label: string;
  /** The context at the other end (a child's id, or the parent's id). */
  readonly remoteId: number;
  readonly alive: boolean;
  send(frame: Uint8Array): void;
  /** One frame given as pieces written one after the other (`total` bytes in all). */
  sendPieces?(pieces: Uint8Array[], total: number): void;
}

export interface StreamEvents {
  onFrame(frame: Uint8Array, stream: Stream): void;
  /** Called once, when the stream can carry nothing more. */
  onClose(stream: Stream, reason: string): void;
  /**
   * With this, the stream's buffered bytes are bounded (src/core/links/backpressure.ts): a
   * frame sent past the bound is not queued but handed here (`first`: the first of a run).
   */
  onOverflow?(frame: Uint8Array, stream: Stream, reason: string, first: boolean): void;
  /** Makes the zeroed buffer a frame of `total` bytes is read into (an fd input only; default: a Uint8Array). */
  frameBuffer?(total: number): Uint8Array;
}

const FLUSH_CONCAT_LIMIT = 256 * 1024;
/** The reused read buffer of a stream that reads its fd itself. */
const READ_SIZE = 64 * 1024;
/** A frame with at least this much still to come is read straight into its own buffer. */
const DIRECT_READ_MIN = 64 * 1024;

/**
 * The read side the Stream reads itself (see Stream): a file descriptor, or a net.Socket whose
 * handle it takes over (a child's pipe from spawn; bytes the socket already buffered come first).
 */
export type InputFd = { fd: number } | { socket: Socket };

/**
 * A framed byte stream to another process. Reads are parsed incrementally; writes made in
 * one event-loop turn leave as one write (small frames concatenated, big ones gathered).
 *
 * The read side is a Readable, or an fd ({ fd }) that the Stream reads itself through
 * net.Socket's `onread`: reads land in one reused buffer (whole frames are copied out of it),
 * and while a big frame is being assembled, straight into that frame's own buffer, so a big
 * message is never copied in user space on the way in (measured with a 64 MiB call argument:
 * 1.1-1.4x alone, 1.5x on top of a send side that does not copy; no change for small calls).
 */
export class Stream implements Link {
  alive = true;
  /**
   * Whole frames and bytes received so far: what the heartbeat looks at
   * (src/core/links/heartbeat.ts). Bytes alone are no sign of life: after a truncated frame,
   * every later frame (heartbeats too) vanishes into it.
   */
  framesIn = 0;
  bytesIn = 0;
  /** The read side ended by itself (EOF, a read error), not closed by this Stream. */
  inputEnded = false;
  private readonly parser: FrameParser;
  private readonly input: Readable;
  private readonly batch = new WriteBatch(() => this.flush());
  private closeReason: string | null = null;
  /** Bound of buffered bytes (0: none) and whether frames are being refused now. */
  private readonly bufferLimit: number;
  private refusing = false;

  constructor(
    readonly label: string,
    readonly remoteId: number,
    input: Readable | InputFd,
    private readonly output: Writable,
    maxMessageSize: number,
    private readonly events: StreamEvents,
  ) {
    this.bufferLimit = events.onOverflow ? bufferedBytesLimit(maxMessageSize) : 0;
    const onFrame = (frame: Uint8Array): void => {
      this.framesIn++;
      this.events.onFrame(frame, this);
    };
    if (isInputFd(input)) {
      // Frames found in the reused buffer are copied out: it is overwritten by the next read.
      const allocate = events.frameBuffer?.bind(events);
      this.parser = new FrameParser(maxMessageSize, onFrame, { copyFrames: true, allocate });
      this.input = 'fd' in input ? this.readFd({ fd: input.fd }) : this.takeOver(input.socket);
    } else {
      this.parser = new FrameParser(maxMessageSize, onFrame);
      this.input = input;
      input.on('data', (chunk: Buffer) => this.received(chunk));
    }
    const reader = this.input;
    const ended = (): void => void (this.inputEnded ||= this.alive);
    reader.on('end', () => (ended(), this.close(`${label} disconnected`)));
    reader.on('error', (e) => (ended(), this.close(`read error on ${label}: ${e.message}`)));
    output.on('error', (e) => this.close(`write error on ${label}: ${e.message}`));
    reader.on('close', () => (ended(), this.close(`${label} disconnected`)));
    reader.resume();
  }

  private received(chunk: Uint8Array): void {
    if (!this.alive) return;
    this.bytesIn += chunk.byteLength;
    try {
      this.parser.push(chunk);
    } catch (e) {
      this.close(`${(e as Error).message} on the stream from ${this.label}`);
    }
  }

  /**
   * Reads `socket`'s handle through a socket of our own (readFd): what it buffered first, and
   * it is destroyed once ours closes (a ChildProcess waits for its stdio to close).
   */
  private takeOver(socket: Socket): Readable {
    const handle = (socket as unknown as { _handle?: object | null })._handle;
    // Only a pipe's handle (what spawn gives): a terminal's stays with its tty.ReadStream, and a
    // Node without this internal field reads through 'data' events as before.
    if (handle == null || socket.destroyed || handle.constructor?.name !== 'Pipe') {
      socket.on('data', (chunk: Buffer) => this.received(chunk));
      return socket;
    }
    socket.pause();
    const buffered: Buffer[] = [];
    for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null; ) buffered.push(chunk);
    (socket as unknown as { _handle: object | null })._handle = null;
    const own = this.readFd({ handle });
    own.once('close', () => socket.destroy());
    // After the constructor, as 'data' events would come (the owner routes this stream first).
    if (buffered.length > 0) process.nextTick(() => buffered.forEach((chunk) => this.received(chunk)));
    return own;
  }

  /** A socket on `fd` (or an open handle) whose reads go where the parser wants them (see the class comment). */
  private readFd(from: { fd: number } | { handle: object }): Socket {
    const scratch = Buffer.allocUnsafeSlow(READ_SIZE);
    const options = {
      ...from,
      readable: true,
      writable: false,
      onread: {
        // Asked before every read, after the previous read was handled.
        buffer: (): Uint8Array => this.parser.directTarget(DIRECT_READ_MIN) ?? scratch,
        callback: (n: number, buf: Uint8Array): boolean => {
          if (!this.alive) return false;
          if (buf === scratch) {
            this.received(scratch.subarray(0, n));
          } else {
            this.bytesIn += n;
            try {
              this.parser.filledDirectly(n);
            } catch (e) {
              this.close(`${(e as Error).message} on the stream from ${this.label}`);
            }
          }
          return true;
        },
      },
    };
    // @types/node declares `onread` for connect() only, and no `handle` (what child_process
    // itself wraps a pipe with); the constructor takes both (checked on Node 14, 16, 18, 20 and
    // 22, with a function as `buffer`).
    return new Socket(options as ConstructorParameters<typeof Socket>[0]);
  }

  send(frame: Uint8Array): void {
    if (!this.alive) return;
    if (this.bufferLimit !== 0 && this.overflowing() && refusable(frame)) return this.refuse(frame);
    this.batch.add(frame);
  }

  sendPieces(pieces: Uint8Array[], total: number): void {
    if (!this.alive) return;
    // The first piece starts with the frame's header: all a refusal reads.
    if (this.bufferLimit !== 0 && this.overflowing() && refusable(pieces[0]!)) return this.refuse(pieces[0]!);
    this.batch.addPieces(pieces, total);
  }

  /** Over the bound of buffered bytes now (a run of refusals ends once it is back under). */
  private overflowing(): boolean {
    const over = this.batch.size + this.output.writableLength > this.bufferLimit;
    if (!over) this.refusing = false;
    return over;
  }

  private refuse(frame: Uint8Array): void {
    const first = !this.refusing;
    this.refusing = true;
    this.events.onOverflow!(frame, this, overflowReason(this.label, this.backlog, this.bufferLimit), first);
  }

  /** Why frames to this stream are refused now (over its bound of buffered bytes), else null. */
  overflow(): string | null {
    if (!this.alive || this.bufferLimit === 0 || !this.overflowing()) return null;
    return overflowReason(this.label, this.backlog, this.bufferLimit);
  }

  /** Writes everything queued now. */
  flush(): void {
    if (!this.alive) return;
    const { frames: q, bytes: total } = this.batch.take();
    if (q.length === 0) return;
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

  /** A frame being assembled, for a silent stream's reason: [bytes received, its whole size]. */
  get partialFrame(): [received: number, total: number] | null {
    const total = this.parser.pendingTotal;
    return this.parser.pending > 0 ? [this.parser.pending, total] : null;
  }

  /** Bytes written but not yet taken by the OS. */
  get backlog(): number {
    return this.batch.size + this.output.writableLength;
  }

  /** Stops reading and writing; queued frames are dropped. Idempotent. */
  close(reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    this.closeReason = reason;
    this.batch.clear();
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

/**
 * Only new work is refused past the bound (calls, service calls: their caller gets a dead
 * reply or, for callNoReply, a throw). Replies, stream values and control frames still queue:
 * dropping them would leave the peer's own calls waiting forever once it reads again.
 */
function refusable(frame: Uint8Array): boolean {
  const handle = frameHandle(frame);
  return handle === CALL_FUNCTION || handle === CALL_SERVICE;
}

function isInputFd(input: Readable | InputFd): input is InputFd {
  if (typeof (input as Readable).on === 'function') return false;
  return typeof (input as { fd?: unknown }).fd === 'number' || (input as { socket?: unknown }).socket instanceof Socket;
}
