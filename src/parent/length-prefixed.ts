/** `[u32 length][bytes]`, the framing of both bootstrap records. */
export function lengthPrefixed(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + bytes.byteLength);
  out.writeUInt32BE(bytes.byteLength, 0);
  out.set(bytes, 4);
  return out;
}
