// Serialization of call arguments, results and messages: MessagePack with a closed set of
// extension types, written and read by msgpackr (packer.ts / unpacker.ts; docs/protocol.md
// has the format). Encoding first checks the value (value-scan.ts, a read-only walk): anything
// outside the supported set is a TypeError naming where it was found (`args[1].conn: Socket`),
// raised before a byte is sent; the few values msgpackr cannot write exactly by itself (Map,
// -0, ...) are boxed in a copy (value-box.ts), plain data is written as it is. Decoding checks
// the bytes first (msgpack-check.ts) and never instantiates anything outside the set: no
// prototype pollution, no code execution. Nesting is limited to MAX_DEPTH on both sides.
import { WIRE_REF, MAX_DEPTH, type WireRef } from './msgpack-ext.js';
import { pack, packGathered } from './packer.js';
import { HEADER_SIZE } from './protocol.js';
import { unpack, type DecodeHooks } from './unpacker.js';

export { WIRE_REF, MAX_DEPTH, type WireRef, type DecodeHooks };

/** Encodes a value; throws TypeError naming the first unsupported part (`path` is its root). */
export function encode(value: unknown, path = 'value'): Uint8Array {
  return pack(value, path, 0);
}

/**
 * Encodes a value after `reserve` zeroed bytes, in one buffer: a frame header is written there
 * afterwards, so the message is never copied again on its way out.
 */
export function encodeAfter(reserve: number, value: unknown, path = 'value'): Uint8Array {
  return pack(value, path, reserve);
}

/**
 * encodeAfter() for sending: binaries of 64 KiB or more are not copied, the result is then the
 * list of pieces of the frame (the header goes in the first). The caller's buffers are written
 * as they are when the stream gets to them: do not change them until the call returns.
 */
export function encodeFrameGathered(value: unknown, path = 'value'): Uint8Array | Uint8Array[] {
  return packGathered(value, path, HEADER_SIZE);
}

/** Decodes bytes produced by `encode`; references are turned into live objects by `hooks`. */
export function decode(bytes: Uint8Array, hooks: DecodeHooks | null = null): unknown {
  if (bytes.byteLength === 0) return undefined;
  return unpack(bytes, hooks);
}
