// tendril's MessagePack extension types, shared by the encoder (packer.ts), the byte check
// (msgpack-check.ts) and the decoder (unpacker.ts): each is a fixext1 marker (d4 <type> 00)
// followed by an ordinary value; dates use the standard timestamp extension (-1).
// docs/protocol.md lists the encodings.

export const EXT_UNDEFINED = 0x00;
export const EXT_MAP = 0x40;
export const EXT_SET = 0x41;
/** An object whose keys msgpackr's decoder would not keep exactly (an own "__proto__", a leading U+FEFF). */
export const EXT_EXACT_OBJECT = 0x43;
export const EXT_REF = 0x44;
export const EXT_ERROR = 0x45;
export const EXT_CALL_ERROR = 0x46;
export const EXT_BIGINT = 0x47;
export const EXT_REGEXP = 0x48;
/** A string that starts with U+FEFF (a TextDecoder would drop it as a byte order mark). */
export const EXT_BOM_STRING = 0x49;
export const EXT_TIMESTAMP = 0xff; // -1

/**
 * The deepest nesting a value may have, in containers (arrays, objects, Map, Set, errors,
 * class instances): deeper is a TypeError naming the path, on encode and on decode. 500
 * leaves room on Node's default stack (msgpackr's frames are large: plain objects overflow
 * it near 1,240 levels, errors nested through `cause` near 640).
 */
export const MAX_DEPTH = 500;

/** Binaries this large are sent from the caller's buffer by a gathered encode. */
export const GATHER_MIN = 64 * 1024;

/** Objects that travel as references (Context, Sender) implement this. */
export const WIRE_REF = Symbol.for('tendril.wireRef');
export type WireRef =
  | { kind: 'context'; id: number; name: string }
  | { kind: 'sender'; contextId: number; contextName: string; handle: number };
export interface HasWireRef {
  [WIRE_REF](): WireRef;
}
