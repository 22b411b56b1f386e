// The receiving side's writes (chunk-sink.ts for put and push, context-files.ts for get):
// each chunk is hashed in order on this thread and written at its offset in the thread pool,
// with up to `maxWrites` writes running at once, so this thread hashes the next chunk while
// the pool writes the ones before it (hash then await the write, chunk after chunk, left the
// hashing thread and the disk waiting for each other). Writes at distinct offsets of one file
// may end in any order; `written` is the prefix of the file that is complete (what a push's
// intermediate may serve onwards).
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Writes running at once by default: one writing, one more ready for the pool's next thread. */
export const MAX_WRITES = 2;

export class ChunkWriter {
  private readonly hash: Hash = createHash('sha256');
  /** Writes started, in file order, and whether each has ended. */
  private readonly running: { end: number; done: boolean }[] = [];
  private failure: Error | null = null;
  /** Bytes from the start of the file that are written. */
  written = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly events: {
      /** The complete prefix grew to `written` bytes. */
      onWritten?(written: number): void;
      /** A write ended, well or not (room for another; `error` says which). */
      onWriteEnd?(): void;
      /** Nothing reads `buf` (given to write()) any more: hashed, and its write ended. */
      onFree?(buf: Uint8Array): void;
    } = {},
    private readonly maxWrites = MAX_WRITES,
  ) {}

  /** Writes running now (each holds its chunk). */
  get inFlight(): number {
    return this.running.length;
  }

  /** Whether write() may start another one now. */
  get hasRoom(): boolean {
    return this.running.length < this.maxWrites && this.failure === null;
  }

  /** The first write error, if any (later writes are not started). */
  get error(): Error | null {
    return this.failure;
  }

  /**
   * Hashes `buf` (the bytes following those hashed so far) and starts writing it at `offset`.
   * `buf` must not change until its write ends.
   */
  write(buf: Uint8Array, offset: number): void {
    if (this.failure) return;
    this.hash.update(buf);
    const w = { end: offset + buf.byteLength, done: false };
    this.running.push(w);
    this.writeAll(buf, offset).then(
      () => {
        this.events.onFree?.(buf);
        w.done = true;
        let advanced = false;
        while (this.running.length > 0 && this.running[0]!.done) {
          this.written = this.running.shift()!.end;
          advanced = true;
        }
        if (advanced && this.failure === null) this.events.onWritten?.(this.written);
        this.events.onWriteEnd?.();
      },
      (e: unknown) => {
        this.events.onFree?.(buf);
        this.failure ??= e instanceof Error ? e : new Error(String(e));
        this.running.splice(this.running.indexOf(w), 1);
        this.events.onWriteEnd?.();
      },
    );
  }

  private async writeAll(buf: Uint8Array, offset: number): Promise<void> {
    let done = 0;
    while (done < buf.byteLength) {
      const { bytesWritten } = await this.file.write(buf, done, buf.byteLength - done, offset + done);
      done += bytesWritten;
    }
  }

  /** The sha256 of everything hashed (once all is written). */
  digest(): string {
    return this.hash.digest('hex');
  }
}
