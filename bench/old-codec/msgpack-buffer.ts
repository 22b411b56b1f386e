// The byte level of the MessagePack writer: a growing scratch buffer with room reserved for a
// frame header, and the encodings of scalars, strings, binaries, headers and timestamps. The
// writer (msgpack-writer.ts) decides which of them a JavaScript value becomes.
import { EXT_BIGINT, EXT_TIMESTAMP } from './msgpack-ext.js';

/** Binaries this large are sent from the caller's buffer by a gathered encode. */
export const GATHER_MIN = 64 * 1024;

const textEncoder = new TextEncoder();

export class MsgpackBuffer {
  protected buf = new Uint8Array(8192);
  protected view = new DataView(this.buf.buffer);
  protected pos = 0;

  /** Large binaries left out of the scratch buffer by a gathered encode, with where they go. */
  protected holes: Uint8Array[] = [];
  protected holeAt: number[] = [];
  protected gather = false;

  protected reset(size: number): void {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  protected ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < need) size *= 2;
    const old = this.buf.subarray(0, this.pos);
    this.reset(size);
    this.buf.set(old);
  }

  protected byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Bytes that are already MessagePack (a value encoded on its own). */
  protected raw(bytes: Uint8Array): void {
    this.ensure(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  protected number(n: number): void {
    this.ensure(9);
    const b = this.buf;
    if (Number.isInteger(n) && !(n === 0 && 1 / n < 0)) {
      if (n >= 0) {
        if (n < 0x80) { b[this.pos++] = n; return; }
        if (n < 0x100) { b[this.pos++] = 0xcc; b[this.pos++] = n; return; }
        if (n < 0x10000) { b[this.pos++] = 0xcd; this.view.setUint16(this.pos, n); this.pos += 2; return; }
        if (n < 0x100000000) { b[this.pos++] = 0xce; this.view.setUint32(this.pos, n); this.pos += 4; return; }
      } else {
        if (n >= -32) { b[this.pos++] = n & 0xff; return; }
        if (n >= -0x80) { b[this.pos++] = 0xd0; this.view.setInt8(this.pos, n); this.pos += 1; return; }
        if (n >= -0x8000) { b[this.pos++] = 0xd1; this.view.setInt16(this.pos, n); this.pos += 2; return; }
        if (n >= -0x80000000) { b[this.pos++] = 0xd2; this.view.setInt32(this.pos, n); this.pos += 4; return; }
      }
    }
    // Beyond 32 bits, -0, fractions, NaN, infinities: float64 (64-bit ints mean bigint here).
    b[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, n);
    this.pos += 8;
  }

  protected bigint(n: bigint): void {
    this.ensure(9);
    if (n >= 0n && n <= 0xffffffffffffffffn) {
      this.buf[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, n);
      this.pos += 8;
      return;
    }
    if (n < 0n && n >= -0x8000000000000000n) {
      this.buf[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, n);
      this.pos += 8;
      return;
    }
    // Larger: sign then magnitude as a big-endian bin.
    const neg = n < 0n;
    let hex = (neg ? -n : n).toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    const bytes = new Uint8Array(1 + hex.length / 2);
    bytes[0] = neg ? 1 : 0;
    for (let i = 0; i < hex.length / 2; i++) bytes[i + 1] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    this.ext1(EXT_BIGINT);
    this.bin(bytes);
  }

  protected string(s: string): void {
    const len = s.length;
    // ASCII fast path for short strings, else TextEncoder into place (at most 3 bytes per unit).
    if (len < 32) {
      this.ensure(1 + len * 3);
      const start = this.pos + 1;
      let at = start;
      let ascii = true;
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) { ascii = false; break; }
        this.buf[at++] = c;
      }
      if (ascii) {
        this.buf[this.pos] = 0xa0 | len;
        this.pos = at;
        return;
      }
    }
    const max = len * 3;
    this.ensure(5 + max);
    // Write after the largest header, then move down if a smaller one fits.
    const headerAt = this.pos;
    const dataAt = headerAt + 5;
    const written = textEncoder.encodeInto(s, this.buf.subarray(dataAt, dataAt + max)).written;
    let h: number;
    if (written < 32) { this.buf[headerAt] = 0xa0 | written; h = 1; }
    else if (written < 0x100) { this.buf[headerAt] = 0xd9; this.buf[headerAt + 1] = written; h = 2; }
    else if (written < 0x10000) { this.buf[headerAt] = 0xda; this.view.setUint16(headerAt + 1, written); h = 3; }
    else { this.buf[headerAt] = 0xdb; this.view.setUint32(headerAt + 1, written); h = 5; }
    if (h !== 5) this.buf.copyWithin(headerAt + h, dataAt, dataAt + written);
    this.pos = headerAt + h + written;
  }

  protected bin(b: Uint8Array): void {
    const len = b.byteLength;
    this.ensure(5 + (this.gather && len >= GATHER_MIN ? 0 : len));
    if (len < 0x100) { this.buf[this.pos++] = 0xc4; this.buf[this.pos++] = len; }
    else if (len < 0x10000) { this.buf[this.pos++] = 0xc5; this.view.setUint16(this.pos, len); this.pos += 2; }
    else { this.buf[this.pos++] = 0xc6; this.view.setUint32(this.pos, len); this.pos += 4; }
    if (this.gather && len >= GATHER_MIN) {
      // Written from the caller's own buffer, not copied (encodeGathered).
      this.holes.push(b);
      this.holeAt.push(this.pos);
      return;
    }
    this.buf.set(b, this.pos);
    this.pos += len;
  }

  protected ext1(type: number): void {
    this.ensure(3);
    this.buf[this.pos++] = 0xd4;
    this.buf[this.pos++] = type;
    this.buf[this.pos++] = 0;
  }

  protected arrayHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x90 | n;
    else if (n < 0x10000) { this.buf[this.pos++] = 0xdc; this.view.setUint16(this.pos, n); this.pos += 2; }
    else { this.buf[this.pos++] = 0xdd; this.view.setUint32(this.pos, n); this.pos += 4; }
  }

  protected mapHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x80 | n;
    else if (n < 0x10000) { this.buf[this.pos++] = 0xde; this.view.setUint16(this.pos, n); this.pos += 2; }
    else { this.buf[this.pos++] = 0xdf; this.view.setUint32(this.pos, n); this.pos += 4; }
  }

  /** MessagePack timestamp (ext -1): 64-bit form when it fits, else 96-bit; invalid dates have length 1. */
  protected date(d: Date): void {
    const ms = d.getTime();
    this.ensure(15);
    if (Number.isNaN(ms)) return this.ext1(EXT_TIMESTAMP);
    const sec = Math.floor(ms / 1000);
    const nsec = (ms - sec * 1000) * 1e6;
    if (sec >= 0 && sec < 0x400000000) {
      this.buf[this.pos++] = 0xd7;
      this.buf[this.pos++] = EXT_TIMESTAMP;
      this.view.setUint32(this.pos, nsec * 4 + Math.floor(sec / 0x100000000));
      this.view.setUint32(this.pos + 4, sec >>> 0);
      this.pos += 8;
      return;
    }
    this.buf[this.pos++] = 0xc7;
    this.buf[this.pos++] = 12;
    this.buf[this.pos++] = EXT_TIMESTAMP;
    this.view.setUint32(this.pos, nsec);
    this.view.setBigInt64(this.pos + 4, BigInt(sec));
    this.pos += 12;
  }
}
