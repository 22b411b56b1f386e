// Serialization of call arguments, results and messages: MessagePack with a closed set of
// extension types (msgpack-writer.ts / msgpack-reader.ts; docs/protocol.md has the format).
// Encoding validates as it writes: anything outside the supported set is a TypeError naming
// where it was found (`args[1].conn: Socket`), raised before a byte is sent. Decoding never
// instantiates anything outside the set: no prototype pollution, no code execution.
//
// Why not msgpackr (the design's first choice): measured here, it was 38% of the child
// payload (33 of 86 KiB minified), needed a pre-walk to box Map/Set/-0/__proto__ (a second
// pass over every value), a global extension registry shared with the user's own msgpackr,
// and a source patch (its 0xC1 placeholder object). This codec does one pass, round-trips
// every supported value exactly, and is cross-checked against msgpackr in the property tests.
import { MsgpackReader, type DecodeHooks } from './msgpack-reader.js';
import { WIRE_REF, type WireRef } from './msgpack-ext.js';
import { MsgpackWriter } from './msgpack-writer.js';
import { HEADER_SIZE } from './protocol.js';

export { WIRE_REF, type WireRef, type DecodeHooks };

const writer = new MsgpackWriter();
const reader = new MsgpackReader();

/** Encodes a value; throws TypeError naming the first unsupported part (`path` is its root). */
export function encode(value: unknown, path = 'value'): Uint8Array {
  return writer.encode(value, path);
}

/**
 * Encodes a value after `reserve` zeroed bytes, in one buffer: a frame header is written there
 * afterwards, so the message is never copied again on its way out.
 */
export function encodeAfter(reserve: number, value: unknown, path = 'value'): Uint8Array {
  return writer.encode(value, path, reserve);
}

/**
 * encodeAfter() for sending: binaries of 64 KiB or more are not copied, the result is then the
 * list of pieces of the frame (the header goes in the first). The caller's buffers are written
 * as they are when the stream gets to them: do not change them until the call returns.
 */
export function encodeFrameGathered(value: unknown, path = 'value'): Uint8Array | Uint8Array[] {
  return writer.encodeGathered(value, path, HEADER_SIZE);
}

/** Decodes bytes produced by `encode`; references are turned into live objects by `hooks`. */
export function decode(bytes: Uint8Array, hooks: DecodeHooks | null = null): unknown {
  if (bytes.byteLength === 0) return undefined;
  return reader.decode(bytes, hooks);
}
