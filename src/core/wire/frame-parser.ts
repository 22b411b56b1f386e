import { HEADER_SIZE, MAGIC, OFF_LENGTH } from './protocol.js';
import { takeFrame } from './frame-pool.js';

/** Thrown for bytes that cannot be a frame; the stream that produced them is torn down. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export interface FrameParserOptions {
  /** Hand out whole frames found inside a chunk as copies, not views (for a reused read buffer). */
  copyFrames?: boolean;
  /** Makes the buffer of a frame split across chunks (zeroed, `total` bytes; default: a Uint8Array). */
  allocate?: (total: number) => Uint8Array;
}

/**
 * Incremental frame parser. Whole frames inside one chunk are handed out as views of that
 * chunk (no copy; or copies with `copyFrames`); a frame split across chunks is assembled into
 * one buffer allocated once, after its header has been checked, so a hostile length never
 * allocates anything. While a frame is being assembled, a reader may fill the rest of it
 * directly (directTarget / filledDirectly) instead of pushing chunks.
 */
export class FrameParser {
  private partial: Uint8Array | null = null; // the frame (or header) being assembled
  private filled = 0;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private dead = false;

  private readonly copyFrames: boolean;
  private readonly allocate: (total: number) => Uint8Array;

  constructor(
    private readonly maxMessageSize: number,
    private readonly onFrame: (frame: Uint8Array) => void,
    options: FrameParserOptions = {},
  ) {
    this.copyFrames = options.copyFrames ?? false;
    this.allocate = options.allocate ?? takeFrame; // frame-pool.ts: a buffer given back, or a new one
  }

  /**
   * While a frame with at least `min` bytes still to come is being assembled: the part of its
   * buffer not yet filled, for a read to fill directly (then call filledDirectly). Else null.
   */
  directTarget(min: number): Uint8Array | null {
    if (this.dead || this.partial === null) return null;
    const rest = this.partial.byteLength - this.filled;
    return rest >= min ? this.partial.subarray(this.filled) : null;
  }

  /** Accounts for `n` bytes a read put at the start of directTarget(); may complete the frame. */
  filledDirectly(n: number): void {
    if (this.dead) throw new ProtocolError('parser already failed');
    const partial = this.partial;
    if (partial === null || !(n >= 0) || this.filled + n > partial.byteLength) {
      this.dead = true;
      this.partial = null;
      this.filled = 0;
      throw new ProtocolError(`filledDirectly(${n}) without room for it in a frame being assembled`);
    }
    this.filled += n;
    if (this.filled === partial.byteLength) {
      this.partial = null;
      this.filled = 0;
      this.onFrame(partial);
    }
  }

  /** Bytes of an incomplete frame held back. */
  get pending(): number {
    return this.filled;
  }

  /** The whole size of the frame being assembled (0: none, or only part of its header came). */
  get pendingTotal(): number {
    return this.partial === null ? 0 : this.partial.byteLength;
  }

  push(chunk: Uint8Array): void {
    if (this.dead) throw new ProtocolError('parser already failed');
    try {
      this.consume(chunk);
    } catch (e) {
      this.dead = true;
      this.partial = null;
      this.filled = 0;
      throw e;
    }
  }

  private consume(chunk: Uint8Array): void {
    let at = 0;
    const end = chunk.byteLength;
    while (at < end) {
      if (this.partial === null && this.filled === 0) {
        // Fast path: frames wholly inside this chunk.
        if (end - at >= HEADER_SIZE) {
          const total = this.checkHeader(chunk, at);
          if (end - at >= total && this.copyFrames) {
            at = this.copyRun(chunk, at, end);
            continue;
          }
          if (end - at >= total) {
            this.onFrame(chunk.subarray(at, at + total));
            at += total;
            continue;
          }
          this.partial = this.allocate(total);
          this.partial.set(chunk.subarray(at, end));
          this.filled = end - at;
          return;
        }
        this.header.set(chunk.subarray(at, end));
        this.filled = end - at;
        return;
      }
      if (this.partial === null) {
        // Completing a header split across chunks.
        const take = Math.min(HEADER_SIZE - this.filled, end - at);
        this.header.set(chunk.subarray(at, at + take), this.filled);
        this.filled += take;
        at += take;
        if (this.filled < HEADER_SIZE) return;
        const total = this.checkHeader(this.header, 0);
        this.partial = this.allocate(total);
        this.partial.set(this.header);
      }
      const want = this.partial.byteLength - this.filled;
      const take = Math.min(want, end - at);
      this.partial.set(chunk.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.partial.byteLength) {
        const frame = this.partial;
        this.partial = null;
        this.filled = 0;
        this.onFrame(frame);
      }
    }
  }

  /**
   * The whole frames from `at` on, copied out of a reused read buffer in one buffer (not one
   * each: an allocation per frame, and the decoder reads one memory as ranges): handed out as
   * views of it, then a bad header that stopped them throws. Returns where they end.
   */
  private copyRun(chunk: Uint8Array, at: number, end: number): number {
    let stop = at;
    try {
      for (let total = 0; end - stop >= HEADER_SIZE && end - stop >= (total = this.checkHeader(chunk, stop)); ) stop += total;
    } finally {
      const run = copyOf(chunk, at, stop);
      for (let i = 0; i < run.byteLength; ) {
        const o = i + OFF_LENGTH;
        const next = i + HEADER_SIZE + (((run[o]! << 24) | (run[o + 1]! << 16) | (run[o + 2]! << 8) | run[o + 3]!) >>> 0);
        this.onFrame(run.subarray(i, next));
        i = next;
      }
    }
    return stop;
  }

  /** Validates magic and length; returns the whole frame size. */
  private checkHeader(b: Uint8Array, at: number): number {
    const magic = (b[at]! << 8) | b[at + 1]!;
    if (magic !== MAGIC) {
      throw new ProtocolError(
        `corrupt frame header: magic 0x${magic.toString(16).padStart(4, '0')}, expected 0x${MAGIC.toString(16)}`,
      );
    }
    const o = at + OFF_LENGTH;
    const length = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
    if (length > this.maxMessageSize) {
      throw new ProtocolError(
        `frame of ${length} bytes exceeds maxMessageSize ${this.maxMessageSize}`,
      );
    }
    return HEADER_SIZE + length;
  }
}

/** A copy of chunk[from, to) in a buffer of its own. */
function copyOf(chunk: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  out.set(chunk.subarray(from, to));
  return out;
}
