// The pull protocol of file transfer (no imports: it runs in the master and in children).
// The receiving side asks the serving side for chunks, at most a window of them at a time:
//   request  [READ, offset, length, done?] -> reply: the bytes (a Buffer), or a Failure
//   request  [DONE, 0, 0]            -> reply: { bytes, sha256 } of what it was served, or a Failure
// The serving side hashes what it serves to each requester, in order, so the receiver can
// check its sha256 against the sender's before it renames the file into place. `done`: the
// bytes from the start the receiver no longer needs (written): the serving side reads later
// chunks into the frames of those (chunk-source.ts), instead of a new buffer per chunk, whose
// external memory made V8 run a full GC every few tens of MiB.

/** Asks for `length` bytes at `offset`. */
export const READ = 0;
/** Asks for the size and sha256 of what was served to the asker. */
export const DONE = 1;

export type ChunkRequest = [kind: typeof READ | typeof DONE, offset: number, length: number, done?: number];

/** A refusal or error of the serving side (an errno-like code and words). */
export interface Failure {
  e: string;
  m: string;
}

/** What a DONE request is answered with. */
export interface Served {
  bytes: number;
  sha256: string;
}

/**
 * Default chunk size: large enough to cost little per byte, small enough to interleave (a 1 MiB
 * frame holds a pipe for about a millisecond). 1 MiB x 4 beat 256 KiB x 16 in alternated 1 GiB
 * runs: put 396 -> 522 MiB/s, the target's CPU 2.5 -> 1.7 s per GiB (medians of 3, 2026-12-02).
 */
export const CHUNK_SIZE = 1024 * 1024;
/** Default number of chunks in flight per transfer (the memory bound: WINDOW * CHUNK_SIZE). */
export const WINDOW = 4;

/** The size of a frame's header (src/core/wire/protocol.ts HEADER_SIZE; a test keeps them equal). */
export const FRAME_HEADER = 26;

/**
 * A chunk's reply as a whole frame, but for the header the router writes (router.sendFrame):
 * FRAME_HEADER bytes, msgpack's bin header, and room for `length` bytes, which `data` views.
 * The file is read straight into it: the chunk is never copied on its way out, and the frame
 * owns its buffer, so it crosses threads by transfer.
 */
export function chunkFrame(length: number): { frame: Buffer; data: Buffer } {
  const bin = length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
  const frame = Buffer.allocUnsafeSlow(FRAME_HEADER + bin + length);
  const at = FRAME_HEADER;
  if (bin === 2) {
    frame[at] = 0xc4;
    frame[at + 1] = length;
  } else if (bin === 3) {
    frame[at] = 0xc5;
    frame.writeUInt16BE(length, at + 1);
  } else {
    frame[at] = 0xc6;
    frame.writeUInt32BE(length, at + 1);
  }
  return { frame, data: frame.subarray(FRAME_HEADER + bin) };
}

/** What a chunk's message carries beyond the chunk's bytes (msgpack's bin header, with room to spare). */
export const CHUNK_OVERHEAD = 64;

/**
 * The chunk size and window of a transfer on routers whose messages are at most
 * `maxMessageSize` bytes (inherited by every child from the master): CHUNK_SIZE, or less so
 * that a chunk's reply fits in a message; a smaller chunk gets a larger window (up to 64), so
 * about as many bytes stay in flight.
 */
export function chunking(maxMessageSize: number): { chunk: number; window: number } {
  const chunk = Math.max(1, Math.min(CHUNK_SIZE, maxMessageSize - CHUNK_OVERHEAD));
  const window = Math.min(64, Math.max(WINDOW, Math.ceil((WINDOW * CHUNK_SIZE) / chunk)));
  return { chunk, window };
}

export const isFailure = (v: unknown): v is Failure =>
  typeof v === 'object' && v !== null && typeof (v as Failure).e === 'string' && typeof (v as Failure).m === 'string';

/** An Error with an errno-like code (travels as a CallError whose `code` it is). */
export function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
