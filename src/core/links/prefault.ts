// Big frames into a child: the broker reads them straight into their own buffer, and faulting
// in a fresh buffer's pages cost as much as the transfer itself (page-fault paths ~35% of the
// broker's samples with 64 MiB arguments). So a big frame's buffer is shared memory and the
// dispatcher thread (waiting for the call anyway) faults its pages in on the other core,
// ahead of the reads. A Buffer argument decoded from such a frame is a view of that
// SharedArrayBuffer (no copy): user code sees `buf.buffer` shared, which it cannot transfer.

/**
 * Frames at least this big are assembled in shared memory the dispatcher faults in. Smaller
 * ones need not: glibc's mmap threshold rises up to 32 MiB as big buffers are freed, so their
 * memory comes back from its heap already faulted in (and shared memory only costs there).
 */
export const PREFAULT_MIN = 32 << 20;

/** What the broker posts the dispatcher for a frame being assembled. */
export interface PrefaultRequest {
  prefault: SharedArrayBuffer;
}

/**
 * V8 does not count shared memory towards its GC heuristics (a SharedArrayBuffer nobody holds
 * stays until both threads happen to collect its wrapper: +64 MiB of RSS per frame). An
 * ArrayBuffer of the same size, never touched (no page of it is ever faulted in), is counted:
 * each thread holds one beside the frame's memory, so it collects as often as with plain buffers.
 */
let ballast: ArrayBuffer | null = null;

/** A zeroed frame buffer of `total` bytes in shared memory, whose pages `post` gets faulted in elsewhere. */
export function sharedFrameBuffer(total: number, post: (request: PrefaultRequest) => void): Uint8Array {
  const memory = new SharedArrayBuffer(total);
  ballast = new ArrayBuffer(total);
  post({ prefault: memory });
  return new Uint8Array(memory);
}

/**
 * Faults in every page of `memory` without changing a byte: compareExchange(0, 0) is a write
 * access (a fresh page is mapped writable, not the zero page) that never stores anything else
 * than what is there, whatever the reader wrote meanwhile. Pages the reader already faulted
 * cost a few ns each, so a thread that fell behind the reads catches up with them at once.
 */
export function prefault(memory: SharedArrayBuffer): void {
  const bytes = new Uint8Array(memory);
  const n = bytes.byteLength;
  for (let i = 0; i < n; i += 4096) Atomics.compareExchange(bytes, i, 0, 0);
  if (n > 0) Atomics.compareExchange(bytes, n - 1, 0, 0);
  // After the loop: the GC this may start (and the earlier frames it frees) waits for the reads.
  ballast = new ArrayBuffer(n);
}
