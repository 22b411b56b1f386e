// The pull protocol of file transfer (no imports: it runs in the master and in children).
// The receiving side asks the serving side for chunks, at most a window of them at a time:
//   request  [READ, offset, length]  -> reply: the bytes (a Buffer), or a Failure
//   request  [DONE, 0, 0]            -> reply: { bytes, sha256 } of what it was served, or a Failure
// The serving side hashes what it serves to each requester, in order, so the receiver can
// check its sha256 against the sender's before it renames the file into place.

/** Asks for `length` bytes at `offset`. */
export const READ = 0;
/** Asks for the size and sha256 of what was served to the asker. */
export const DONE = 1;

export type ChunkRequest = [kind: typeof READ | typeof DONE, offset: number, length: number];

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

/** Default chunk size: large enough to cost little per byte, small enough to interleave. */
export const CHUNK_SIZE = 256 * 1024;
/** Default number of chunks in flight per transfer (the memory bound: WINDOW * CHUNK_SIZE). */
export const WINDOW = 16;

export const isFailure = (v: unknown): v is Failure =>
  typeof v === 'object' && v !== null && typeof (v as Failure).e === 'string' && typeof (v as Failure).m === 'string';

/** An Error with an errno-like code (travels as a CallError whose `code` it is). */
export function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
