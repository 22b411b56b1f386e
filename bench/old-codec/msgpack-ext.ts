// tendril's MessagePack extension types, shared by the writer and the reader: each is a
// fixext1 marker (d4 <type> 00) followed by an ordinary value; dates use the standard
// timestamp extension (-1). docs/protocol.md lists the encodings.

export const EXT_UNDEFINED = 0x00;
export const EXT_MAP = 0x40;
export const EXT_SET = 0x41;
export const EXT_REF = 0x44;
export const EXT_ERROR = 0x45;
export const EXT_CALL_ERROR = 0x46;
export const EXT_BIGINT = 0x47;
export const EXT_REGEXP = 0x48;
export const EXT_TIMESTAMP = 0xff; // -1

/** Objects that travel as references (Context, Sender) implement this. */
export const WIRE_REF = Symbol.for('tendril.wireRef');
export type WireRef =
  | { kind: 'context'; id: number; name: string }
  | { kind: 'sender'; contextId: number; contextName: string; handle: number };
export interface HasWireRef {
  [WIRE_REF](): WireRef;
}
