// MessagePack encoder for tendril's closed set of types, in one pass: it validates while it
// writes (an unsupported value is a TypeError naming its path, raised before anything is
// sent) and writes straight after a reserved frame header, so a message is built in place.
// Wire format: standard MessagePack; tendril's own types are a fixext1 marker (d4 <type> 00)
// followed by an ordinary value (msgpack-ext.ts; docs/protocol.md lists them).
import { CallError } from '../errors.js';
import {
  EXT_BIGINT, EXT_CALL_ERROR, EXT_MAP, EXT_REF, EXT_SET, EXT_TIMESTAMP, EXT_UNDEFINED, WIRE_REF, type HasWireRef,
} from './msgpack-ext.js';
import { fromOtherRealm } from './other-realm.js';
import { keyPath, typeName, Unsupported } from './unsupported-value.js';

/** Binaries this large are sent from the caller's buffer by a gathered encode. */
export const GATHER_MIN = 64 * 1024;

const textEncoder = new TextEncoder();

export class MsgpackWriter {
  private buf = new Uint8Array(8192);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  /** Containers being written, to refuse cycles. */
  private readonly stack: object[] = [];

  /** Large binaries left out of the scratch buffer by a gathered encode, with where they go. */
  private holes: Uint8Array[] = [];
  private holeAt: number[] = [];
  private gather = false;

  /** Encodes `value` after `reserve` bytes; returns a fresh buffer (the reserved bytes zeroed). */
  encode(value: unknown, root: string, reserve = 0): Uint8Array {
    this.gather = false;
    return this.run(value, root, reserve, () => this.buf.slice(0, this.pos));
  }

  /**
   * Like encode(), but binaries of GATHER_MIN bytes or more are not copied: the result is the
   * list of pieces to write one after the other (the caller's buffers among them), or one
   * buffer when there was nothing to leave out.
   */
  encodeGathered(value: unknown, root: string, reserve = 0): Uint8Array | Uint8Array[] {
    this.gather = true;
    return this.run(value, root, reserve, () => {
      if (this.holes.length === 0) return this.buf.slice(0, this.pos);
      const pieces: Uint8Array[] = [];
      let from = 0;
      for (let i = 0; i < this.holes.length; i++) {
        pieces.push(this.buf.slice(from, this.holeAt[i]), this.holes[i]!);
        from = this.holeAt[i]!;
      }
      pieces.push(this.buf.slice(from, this.pos));
      return pieces;
    });
  }

  private run<T>(value: unknown, root: string, reserve: number, result: () => T): T {
    this.pos = 0;
    this.stack.length = 0;
    this.holes.length = 0;
    this.holeAt.length = 0;
    this.ensure(reserve);
    this.buf.fill(0, 0, reserve);
    this.pos = reserve;
    try {
      this.value(value);
      // Copied out before the finally below may drop the scratch buffer.
      return result();
    } catch (e) {
      if (e instanceof Unsupported) {
        throw new TypeError(
          e.what === 'cycle'
            ? `cannot send ${root}${e.path}: the value contains a cycle`
            : `cannot send ${root}${e.path}: ${e.what} (only plain data, arrays, Map, Set, Date, Uint8Array, bigint, Context and Sender can cross contexts)`,
        );
      }
      throw e;
    } finally {
      this.stack.length = 0;
      this.holes.length = 0;
      this.holeAt.length = 0;
      // Do not keep a huge scratch buffer alive after one big message.
      if (this.buf.byteLength > 1 << 20) this.reset(8192);
    }
  }

  private reset(size: number): void {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < need) size *= 2;
    const old = this.buf.subarray(0, this.pos);
    this.reset(size);
    this.buf.set(old);
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        return this.number(v);
      case 'boolean':
        return this.byte(v ? 0xc3 : 0xc2);
      case 'undefined':
        return this.ext1(EXT_UNDEFINED);
      case 'bigint':
        return this.bigint(v);
      case 'object':
        if (v === null) return this.byte(0xc0);
        return this.object(v);
      default:
        throw new Unsupported(typeName(v), '');
    }
  }

  private number(n: number): void {
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

  private bigint(n: bigint): void {
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

  private string(s: string): void {
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

  private bin(b: Uint8Array): void {
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

  private ext1(type: number): void {
    this.ensure(3);
    this.buf[this.pos++] = 0xd4;
    this.buf[this.pos++] = type;
    this.buf[this.pos++] = 0;
  }

  private arrayHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x90 | n;
    else if (n < 0x10000) { this.buf[this.pos++] = 0xdc; this.view.setUint16(this.pos, n); this.pos += 2; }
    else { this.buf[this.pos++] = 0xdd; this.view.setUint32(this.pos, n); this.pos += 4; }
  }

  private mapHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x80 | n;
    else if (n < 0x10000) { this.buf[this.pos++] = 0xde; this.view.setUint16(this.pos, n); this.pos += 2; }
    else { this.buf[this.pos++] = 0xdf; this.view.setUint32(this.pos, n); this.pos += 4; }
  }

  private enter(o: object): void {
    if (this.stack.includes(o)) throw new Unsupported('cycle', '');
    this.stack.push(o);
  }

  private object(o: object): void {
    if (o instanceof Uint8Array) return this.bin(o);
    if (Array.isArray(o)) {
      this.enter(o);
      const n = o.length;
      this.arrayHeader(n);
      let i = 0;
      try {
        for (; i < n; i++) this.value(o[i]);
      } catch (e) {
        throw Unsupported.prefix(e, `[${i}]`);
      }
      this.stack.pop();
      return;
    }
    if (WIRE_REF in o) {
      const r = (o as HasWireRef)[WIRE_REF]();
      this.ext1(EXT_REF);
      this.value(r.kind === 'context' ? [0, r.id, r.name] : [1, r.contextId, r.contextName, r.handle]);
      return;
    }
    const proto = Object.getPrototypeOf(o) as object | null;
    if (proto === Object.prototype || proto === null) return this.plainObject(o as Record<string, unknown>);
    if (o instanceof Date) return this.date(o);
    if (o instanceof Map) {
      this.enter(o);
      this.ext1(EXT_MAP);
      this.arrayHeader(o.size * 2);
      let i = 0;
      let onKey = true;
      let key: unknown;
      try {
        for (const [k, val] of o) {
          key = k;
          onKey = true;
          this.value(k);
          onKey = false;
          this.value(val);
          i++;
        }
      } catch (e) {
        const label = typeof key === 'string' ? JSON.stringify(key) : typeof key === 'number' ? String(key) : `<key ${i}>`;
        throw Unsupported.prefix(e, onKey ? `.<key ${i}>` : `.get(${label})`);
      }
      this.stack.pop();
      return;
    }
    if (o instanceof Set) {
      this.enter(o);
      this.ext1(EXT_SET);
      this.arrayHeader(o.size);
      let i = 0;
      try {
        for (const val of o) {
          this.value(val);
          i++;
        }
      } catch (e) {
        throw Unsupported.prefix(e, `[${i}]`);
      }
      this.stack.pop();
      return;
    }
    if (o instanceof CallError) {
      this.ext1(EXT_CALL_ERROR);
      const c = o.context;
      this.value([o.remoteType, o.remoteMessage, o.remoteStack, c ? c.id : null, c ? c.name : null]);
      return;
    }
    const foreign = fromOtherRealm(o, proto);
    if (foreign !== undefined) return this.value(foreign);
    throw new Unsupported(typeName(o), '');
  }

  private plainObject(o: Record<string, unknown>): void {
    this.enter(o);
    const keys = Object.keys(o);
    this.mapHeader(keys.length);
    let k = '';
    try {
      for (k of keys) {
        this.string(k);
        this.value(o[k]);
      }
    } catch (e) {
      throw Unsupported.prefix(e, keyPath(k));
    }
    this.stack.pop();
  }

  /** MessagePack timestamp (ext -1): 64-bit form when it fits, else 96-bit; invalid dates have length 1. */
  private date(d: Date): void {
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
