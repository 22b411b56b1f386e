// Buffers of big frames, reused (one pool per thread). The frame parser assembles a frame
// that spans reads into a buffer of its own (frame-parser.ts); a consumer that knows nobody
// holds a frame any more (the master's get, once a chunk is hashed and written:
// files/chunk-sink.ts) gives its buffer back, and the parser assembles a later frame of the
// same size into it. Before, each 1 MiB chunk of a get allocated a new one, whose external
// memory made V8 scavenge every ~25 MiB on the master.
// Only buffers this pool handed out are taken back, each once until handed out again, so a
// frame that is a view of someone else's buffer is never reused.

/** Frames smaller than this are left to the allocator (cheap, and not worth a search). */
export const POOLED_MIN = 64 * 1024;
/** Bytes of free buffers kept at most (beyond that a buffer given back is left to GC). */
export const POOLED_MAX_BYTES = 8 * 1024 * 1024;

/** The buffers this pool handed out and not yet taken back. */
const out = new WeakSet<ArrayBufferLike>();
const free: Uint8Array[] = [];
let freeBytes = 0;
let reused = 0;

/** A buffer of exactly `size` bytes for a frame to be assembled in: a free one of that size, or a new one. */
export function takeFrame(size: number): Uint8Array {
  if (size < POOLED_MIN) return new Uint8Array(size);
  let buf: Uint8Array | undefined;
  for (let i = free.length - 1; i >= 0; i--) {
    if (free[i]!.byteLength === size) {
      buf = free[i]!;
      free[i] = free[free.length - 1]!;
      free.pop();
      freeBytes -= size;
      reused++;
      break;
    }
  }
  buf ??= new Uint8Array(size);
  out.add(buf.buffer);
  return buf;
}

/**
 * Gives back the buffer of `frame` (a frame, or any view of it): the caller guarantees that
 * nothing reads or writes it any more. Ignored for a buffer this pool did not hand out (or
 * already has back), or one moved to another thread.
 */
export function recycleFrame(frame: Uint8Array): void {
  const ab = frame.buffer;
  if (!out.has(ab)) return;
  out.delete(ab);
  if (ab.byteLength === 0 || freeBytes + ab.byteLength > POOLED_MAX_BYTES) return;
  free.push(new Uint8Array(ab));
  freeBytes += ab.byteLength;
}

/** Drops the free buffers (nothing is expected to give any back soon: their memory goes). */
export function dropFreeFrames(): void {
  free.length = 0;
  freeBytes = 0;
}

/** Bytes of free buffers kept now. */
export const freeFrameBytes = (): number => freeBytes;

/** Frames assembled so far into a buffer given back (this thread's count). */
export const reusedFrames = (): number => reused;
