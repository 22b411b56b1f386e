// The serving side of a pull (chunk-protocol.ts): one handler on a router answering chunk
// requests for one open file, for the contexts it allows. Used by the master (put, push), by
// intermediates of a push (re-serving the copy they received) and by a context serving a get
// (FileService.serve). Up to PREFETCH reads run at once in the thread pool while this thread
// hashes and sends the chunks before them; hashing and replies keep the arrival order, so each
// requester is hashed in order. Each chunk is read straight into the frame of its reply
// (chunk-protocol.ts chunkFrame): not copied on its way out, and moved, not copied, from a
// child's dispatcher thread to its broker. A requester says which bytes it no longer needs
// (chunk-protocol.ts `done`): the frames of those chunks are free again, and later chunks are
// read into them (a frame moved to another thread is not reused). Memory: the requesters'
// windows (each asks for a window of chunks at most) and at most MAX_FREE free frames.
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { CoreRouter } from '../core/routing/router.js';
import type { Message } from '../core/messaging/message.js';
import { DONE, READ, chunkFrame, type Failure, type Served } from './chunk-protocol.js';
import type { Gate } from './gate.js';

interface Reader {
  /** Bytes asked for (requests are checked against it as they arrive). */
  asked: number;
  /** Bytes hashed and sent. */
  next: number;
  hash: Hash;
  /** Frames sent, in order, until the requester is done with their bytes. */
  sent: ChunkRead[];
}

/** A chunk read: its bytes, inside the frame that carries them (chunk-protocol.ts chunkFrame). */
class ChunkRead {
  constructor(
    readonly chunk: Buffer,
    readonly frame: Buffer,
    /** The offset in the file just past the chunk. */
    public end = 0,
  ) {}
}

/** Reads running at once per source (each a chunk, in the thread pool); later requests read in turn. */
const PREFETCH = 4;
/** Free frames kept per source (beyond that, a frame the requester is done with is left to GC). */
const MAX_FREE = 16;

export interface ChunkSourceOptions {
  /** Whether this context may read (the targets of the transfer). */
  allows(contextId: number): boolean;
  /** Bytes served so far to a context (for progress). */
  onServed?(contextId: number, bytes: number): void;
  /** A file still arriving: reads wait for their bytes, the end for its verification. */
  gate?: Gate;
  /** A context's DONE is answered: it was served all it asked for, with this size and sha256. */
  onDone?(contextId: number, served: Served): void;
}

export class ChunkSource {
  readonly handle: number;
  private readonly readers = new Map<number, Reader>();
  private chain: Promise<void> = Promise.resolve();
  private failure: Failure | null = null;
  private prefetching = 0;
  /** Frames no requester needs any more, all of one chunk length, to read later chunks into. */
  private free: ChunkRead[] = [];
  /** Bytes served, to every requester together (what crossed this side's links). */
  served = 0;

  constructor(
    private readonly router: CoreRouter,
    private readonly file: FileHandle,
    private readonly size: number,
    private readonly opts: ChunkSourceOptions,
  ) {
    this.handle = router.addHandler((msg) => this.onRequest(msg), { persist: true });
  }

  /** From now on every request is answered with this failure (cancel, shutdown). */
  fail(code: string, message: string): void {
    this.failure ??= { e: code, m: message };
  }

  close(): void {
    this.router.delHandler(this.handle);
  }

  private onRequest(msg: Message): void {
    if (msg.isDead) return;
    const src = msg.srcId;
    const replyTo = msg.replyTo;
    let req: unknown;
    try {
      req = msg.decode();
    } catch {
      return;
    }
    // The read starts now (up to PREFETCH at once), in the thread pool, while this thread
    // hashes and sends the chunks before it; the hash and the reply keep the arrival order.
    const checked = this.check(src, req);
    const reading = this.prefetching < PREFETCH ? this.read(checked) : null;
    reading?.catch(() => undefined); // awaited in turn below: not an unhandled rejection meanwhile
    this.chain = this.chain
      .then(() => reading ?? this.read(checked))
      .then((r) => this.finish(src, r))
      .then(
        (v) => this.reply(src, replyTo, v),
        (e: unknown) => this.reply(src, replyTo, { e: String((e as { code?: unknown }).code ?? 'EIO'), m: String((e as Error).message ?? e) }),
      );
  }

  private reply(dst: number, replyTo: number, value: unknown): void {
    try {
      if (value instanceof ChunkRead) this.router.sendFrame(dst, replyTo, value.frame);
      else this.router.sendValue(dst, replyTo, value);
    } catch {
      // The requester is gone (its route died): nothing waits for this.
    }
  }

  /** Checks a request as it arrives (in order): a Failure, DONE, or the bytes to read. */
  private check(src: number, req: unknown): Failure | typeof DONE | [offset: number, want: number] {
    if (this.failure) return this.failure;
    if (!this.opts.allows(src)) return { e: 'EACCES', m: `context #${src} may not read this transfer` };
    if (!Array.isArray(req) || (req.length !== 3 && req.length !== 4) || !req.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      return { e: 'EPROTO', m: 'malformed chunk request' };
    }
    const [kind, offset, length, done] = req as [number, number, number, number | undefined];
    let reader = this.readers.get(src);
    if (reader === undefined) {
      reader = { asked: 0, next: 0, hash: createHash('sha256'), sent: [] };
      this.readers.set(src, reader);
    }
    if (done !== undefined) this.release(reader, done);
    if (kind === DONE) return DONE;
    if (kind !== READ || offset !== reader.asked || length > 16 * 1024 * 1024) {
      return { e: 'EPROTO', m: `chunk request out of order (offset ${offset}, expected ${reader.asked})` };
    }
    const want = Math.max(0, Math.min(length, this.size - offset));
    reader.asked += want;
    return [offset, want];
  }

  /**
   * The requester no longer needs the bytes below `done`: the frames that carried them are free
   * (they reached it, so no write of them is pending here). A lying requester only spoils its
   * own chunks: a frame goes back to the pool once, from the reader it was sent to.
   */
  private release(reader: Reader, done: number): void {
    while (reader.sent.length > 0 && reader.sent[0]!.end <= done) {
      const r = reader.sent.shift()!;
      // A frame moved to another thread (a child's broker) is detached here (its views are
      // empty): not reusable.
      const len = r.chunk.byteLength;
      if (len !== 0 && len === (this.free[0]?.chunk.byteLength ?? len) && this.free.length < MAX_FREE) this.free.push(r);
    }
  }

  /** A frame for a chunk of `want` bytes: a free one of that length, or a new one. */
  private frameFor(want: number): ChunkRead {
    if (this.free.length > 0 && this.free[0]!.chunk.byteLength === want) return this.free.pop()!;
    const { frame, data } = chunkFrame(want);
    return new ChunkRead(data, frame);
  }

  /** The I/O of a checked request: its bytes (once a file still arriving has them). */
  private async read(c: Failure | typeof DONE | [number, number]): Promise<Failure | typeof DONE | ChunkRead> {
    if (c === DONE) {
      if (this.opts.gate) await this.opts.gate.done;
      return DONE;
    }
    if (!Array.isArray(c)) return c;
    const [offset, want] = c;
    this.prefetching++;
    try {
      if (this.opts.gate) await this.opts.gate.wait(offset + want);
      const r = this.frameFor(want);
      const buf = r.chunk;
      let got = 0;
      while (got < want) {
        const { bytesRead } = await this.file.read(buf, got, want - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got !== want) return { e: 'ESTALE', m: `source file shrank while being sent (read ${offset + got} of ${this.size} bytes)` };
      r.end = offset + want;
      return r;
    } finally {
      this.prefetching--;
    }
  }

  /** In arrival order: hashes a chunk read for `src`, or answers its DONE. */
  private finish(src: number, r: Failure | typeof DONE | ChunkRead): unknown {
    if (this.failure) return this.failure;
    if (r !== DONE && !(r instanceof ChunkRead)) return r;
    const reader = this.readers.get(src);
    if (reader === undefined) return { e: 'EPROTO', m: 'chunk request after the end' };
    if (r === DONE) {
      const done: Served = { bytes: reader.next, sha256: reader.hash.digest('hex') };
      this.readers.delete(src);
      this.opts.onDone?.(src, done);
      return done;
    }
    reader.hash.update(r.chunk);
    reader.next += r.chunk.byteLength;
    reader.sent.push(r);
    this.served += r.chunk.byteLength;
    this.opts.onServed?.(src, reader.next);
    return r;
  }
}

