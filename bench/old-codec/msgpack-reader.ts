// MessagePack decoder for tendril's closed set of types. It instantiates nothing but plain
// data, Map, Set, Date, Uint8Array (views of the input, no copy), bigint, built-in Error
// classes, RegExp, CallError, and the Context/Sender references the router's hooks make; an
// own "__proto__" key stays data; every announced length is checked against the bytes present
// before anything is allocated.
import { CallError, type RemoteContextInfo } from '../../src/core/errors.js';
import { makeError } from '../../src/core/wire/error-value.js';
import {
  EXT_BIGINT, EXT_CALL_ERROR, EXT_ERROR, EXT_MAP, EXT_REF, EXT_REGEXP, EXT_SET, EXT_TIMESTAMP, EXT_UNDEFINED,
} from './msgpack-ext.js';

/** How decoded references become live objects in the decoding context. */
export interface DecodeHooks {
  context(id: number, name: string): unknown;
  sender(contextId: number, contextName: string, handle: number): unknown;
}

const MAX_DEPTH = 5000;
// ignoreBOM: a string that starts with U+FEFF is data, not a byte order mark to drop.
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

function invalid(what: string): never {
  throw new TypeError(`malformed message: ${what}`);
}

/** A decoded msgpack map (the only objects with Object.prototype the reader makes). */
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

export class MsgpackReader {
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private depth = 0;
  private hooks: DecodeHooks | null = null;

  decode(bytes: Uint8Array, hooks: DecodeHooks | null): unknown {
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.depth = 0;
    this.hooks = hooks;
    try {
      const v = this.value();
      if (this.pos !== bytes.byteLength) invalid(`${bytes.byteLength - this.pos} bytes after the value`);
      return v;
    } finally {
      this.buf = new Uint8Array(0);
      this.hooks = null;
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.byteLength) invalid(`needs ${n} more bytes at offset ${this.pos}, has ${this.buf.byteLength - this.pos}`);
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  private value(): unknown {
    const t = this.u8();
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t < 0x90) return this.map(t & 0x0f);
    if (t < 0xa0) return this.array(t & 0x0f);
    if (t < 0xc0) return this.str(t & 0x1f);
    const v = this.view;
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.u8());
      case 0xc5: return this.bin(this.u16());
      case 0xc6: return this.bin(this.u32());
      case 0xca: { this.need(4); const x = v.getFloat32(this.pos); this.pos += 4; return x; }
      case 0xcb: { this.need(8); const x = v.getFloat64(this.pos); this.pos += 8; return x; }
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: { this.need(8); const x = v.getBigUint64(this.pos); this.pos += 8; return x; }
      case 0xd0: { this.need(1); const x = v.getInt8(this.pos); this.pos += 1; return x; }
      case 0xd1: { this.need(2); const x = v.getInt16(this.pos); this.pos += 2; return x; }
      case 0xd2: { this.need(4); const x = v.getInt32(this.pos); this.pos += 4; return x; }
      case 0xd3: { this.need(8); const x = v.getBigInt64(this.pos); this.pos += 8; return x; }
      case 0xd4: return this.ext(1);
      case 0xd5: return this.ext(2);
      case 0xd6: return this.ext(4);
      case 0xd7: return this.ext(8);
      case 0xd8: return this.ext(16);
      case 0xc7: return this.ext(this.u8());
      case 0xc8: return this.ext(this.u16());
      case 0xc9: return this.ext(this.u32());
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.array(this.u16());
      case 0xdd: return this.array(this.u32());
      case 0xde: return this.map(this.u16());
      case 0xdf: return this.map(this.u32());
      default: return invalid(`byte 0x${t.toString(16)} at offset ${this.pos - 1}`);
    }
  }

  private str(n: number): string {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    if (n < 24) {
      // Short ASCII without a TextDecoder call.
      let s = '';
      for (let i = start; i < start + n; i++) {
        const c = this.buf[i]!;
        if (c >= 0x80) return textDecoder.decode(this.buf.subarray(start, start + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return textDecoder.decode(this.buf.subarray(start, start + n));
  }

  /** A view of the input (no copy), as a Buffer like Node APIs hand out. */
  private bin(n: number): Uint8Array {
    this.need(n);
    const out = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return out;
  }

  private nest(): void {
    if (++this.depth > MAX_DEPTH) invalid(`nested deeper than ${MAX_DEPTH}`);
  }

  private array(n: number): unknown[] {
    // Each element takes at least one byte: a larger count is a lie, refused before allocating.
    this.need(n);
    this.nest();
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    this.depth--;
    return out;
  }

  private map(n: number): Record<string, unknown> {
    this.need(n * 2);
    this.nest();
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = this.value();
      if (typeof k !== 'string') invalid('a map key that is not a string (plain objects only; Map travels as an extension)');
      const v = this.value();
      // "__proto__" must stay an own data property, never set the prototype.
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    this.depth--;
    return out;
  }

  private ext(n: number): unknown {
    this.need(1 + n);
    const type = this.buf[this.pos++]!;
    const start = this.pos;
    this.pos += n;
    if (type === EXT_TIMESTAMP) return this.timestamp(start, n);
    // tendril's own types: a fixext1 marker followed by an ordinary value.
    if (n !== 1) invalid(`extension ${type} of length ${n}`);
    switch (type) {
      case EXT_UNDEFINED:
        return undefined;
      case EXT_MAP: {
        const entries = this.value();
        if (!Array.isArray(entries) || entries.length % 2) invalid('Map entries');
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < entries.length; i += 2) m.set(entries[i], entries[i + 1]);
        return m;
      }
      case EXT_SET: {
        const values = this.value();
        if (!Array.isArray(values)) invalid('Set values');
        return new Set(values);
      }
      case EXT_BIGINT: {
        const bytes = this.value();
        if (!(bytes instanceof Uint8Array) || bytes.byteLength < 2) invalid('bigint');
        let hex = '';
        for (let i = 1; i < bytes.byteLength; i++) hex += bytes[i]!.toString(16).padStart(2, '0');
        const mag = BigInt(`0x${hex}`);
        return bytes[0] ? -mag : mag;
      }
      case EXT_REF: {
        const a = this.value();
        if (!Array.isArray(a)) invalid('reference');
        if (!this.hooks) throw new TypeError('a Context or Sender can only be decoded by a router');
        if (a[0] === 0) return this.hooks.context(Number(a[1]), String(a[2]));
        return this.hooks.sender(Number(a[1]), String(a[2]), Number(a[3]));
      }
      case EXT_CALL_ERROR: {
        const a = this.value();
        if (!Array.isArray(a)) invalid('CallError');
        const ctx: RemoteContextInfo | null = a[3] == null ? null : { id: Number(a[3]), name: String(a[4]) };
        const [code, props, cause] = [a[5], a[6] ?? {}, a[7] ?? undefined];
        if (code != null && typeof code !== 'string' && typeof code !== 'number') invalid('CallError code');
        if (!isRecord(props) || (cause !== undefined && !(cause instanceof CallError))) invalid('CallError');
        return new CallError(String(a[0]), String(a[1]), String(a[2]), ctx, { code: code ?? undefined, remoteProps: props, cause });
      }
      case EXT_ERROR: {
        const a = this.value();
        if (!Array.isArray(a) || a.length !== 4 || typeof a[0] !== 'string' || typeof a[1] !== 'string') invalid('Error');
        if (!isRecord(a[2]) || !isRecord(a[3])) invalid('Error properties');
        return makeError(a[0], a[1], a[2], a[3]);
      }
      case EXT_REGEXP: {
        const a = this.value();
        if (!Array.isArray(a) || a.length !== 2 || typeof a[0] !== 'string' || typeof a[1] !== 'string') invalid('RegExp');
        try {
          return new RegExp(a[0], a[1]);
        } catch {
          return invalid('RegExp source or flags');
        }
      }
      default:
        throw new TypeError(`message uses msgpack extension type ${type}, which tendril does not accept`);
    }
  }

  private timestamp(at: number, n: number): Date {
    const v = this.view;
    if (n === 4) return new Date(v.getUint32(at) * 1000);
    if (n === 8) {
      const hi = v.getUint32(at);
      const lo = v.getUint32(at + 4);
      const nsec = Math.floor(hi / 4);
      const sec = (hi & 3) * 0x100000000 + lo;
      return new Date(sec * 1000 + nsec / 1e6);
    }
    if (n === 12) return new Date(Number(v.getBigInt64(at + 4)) * 1000 + v.getUint32(at) / 1e6);
    if (n === 1) return new Date(NaN);
    return invalid(`timestamp of length ${n}`);
  }
}
