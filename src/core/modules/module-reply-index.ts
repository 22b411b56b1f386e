// A LOAD_MODULE reply read without decoding its modules: an intermediate (or a broker serving
// its dispatcher) needs each module's id and where its bytes are, never its source text. The
// sources stay encoded; a reply is passed on as received, or reassembled from the encoded
// modules a requester still lacks (byte copies, no UTF-8 decode or re-encode).
import { decode, encode } from '../wire/codec.js';
import { EXT_TIMESTAMP, EXT_UNDEFINED } from '../wire/msgpack-ext.js';

/** A LOAD_MODULE reply with its modules left encoded. */
export interface IndexedReply {
  root: string | null;
  error: string | null;
  /** The `graph` field, or null when the reply has none. */
  graph: string[] | null;
  /** The `tokens` field (freshness tokens, in the order of `graph`), or null when absent. */
  tokens: number[] | null;
  /** Each module's id and its encoded `[id, format, source, imports]` (views of the reply). */
  modules: { id: string; bytes: Uint8Array }[];
}

function malformed(what: string): never {
  throw new TypeError(`malformed LOAD_MODULE reply: ${what}`);
}

/**
 * Walks any msgpack value (the reply's own fields are nil, strings, arrays, maps and numbers;
 * an import map may hold the codec's extensions); a byte msgpack does not define is refused.
 */
class Cursor {
  private readonly view: DataView;
  pos = 0;

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.byteLength) malformed(`truncated at offset ${this.pos}`);
  }

  private uint(size: number): number {
    this.need(size);
    const at = this.pos;
    this.pos += size;
    return size === 1 ? this.buf[at]! : size === 2 ? this.view.getUint16(at) : this.view.getUint32(at);
  }

  /** The next value's kind (s: bytes to skip; a: array, m: map, x: an extension marker, n: nothing more) and its length. */
  head(): ['s' | 'a' | 'm' | 'n' | 'x', number] {
    const t = this.uint(1);
    // Scalars: fixints, nil and booleans stand alone; numbers have 1-8 bytes after the type.
    if (t < 0x80 || t >= 0xe0 || t === 0xc2 || t === 0xc3) return ['n', 0];
    if (t >= 0xcc && t <= 0xcf) return ['s', 1 << (t - 0xcc)];
    if (t >= 0xd0 && t <= 0xd3) return ['s', 1 << (t - 0xd0)];
    if (t === 0xca || t === 0xcb) return ['s', t === 0xca ? 4 : 8];
    // The codec's extensions (wire/msgpack-ext.ts): a one-byte marker whose content is the
    // next value (an exact object, a Map...), except undefined; a timestamp is data.
    if (t === 0xd4) {
      this.need(2);
      const type = this.buf[this.pos]!;
      this.pos += 2;
      return type === EXT_UNDEFINED || type === EXT_TIMESTAMP ? ['n', 0] : ['x', 1];
    }
    if (t >= 0xd5 && t <= 0xd8) return ['s', 1 + (1 << (t - 0xd4))];
    if (t >= 0xc7 && t <= 0xc9) return ['s', this.uint(1 << (t - 0xc7)) + 1];
    if (t >= 0xa0 && t < 0xc0) return ['s', t & 0x1f];
    if (t >= 0x90 && t < 0xa0) return ['a', t & 0x0f];
    if (t >= 0x80 && t < 0x90) return ['m', t & 0x0f];
    if (t === 0xc0) return ['n', 0];
    if (t === 0xc4 || t === 0xd9) return ['s', this.uint(1)];
    if (t === 0xc5 || t === 0xda) return ['s', this.uint(2)];
    if (t === 0xc6 || t === 0xdb) return ['s', this.uint(4)];
    if (t === 0xdc || t === 0xdd) return ['a', this.uint(t === 0xdc ? 2 : 4)];
    if (t === 0xde || t === 0xdf) return ['m', this.uint(t === 0xde ? 2 : 4)];
    return malformed(`byte 0x${t.toString(16)} at offset ${this.pos - 1}`);
  }

  /** Moves past one value. */
  skip(): void {
    for (let left = 1; left > 0; left--) {
      const [kind, n] = this.head();
      if (kind === 's') {
        this.need(n);
        this.pos += n;
      } else if (kind === 'a') left += n;
      else if (kind === 'm') left += 2 * n;
      else if (kind === 'x') left += n;
    }
  }

  /** Decodes the next value alone. */
  value(): unknown {
    const start = this.pos;
    this.skip();
    return decode(this.buf.subarray(start, this.pos));
  }
}

/** Reads `bytes` (an encoded LoadModuleReply): the fields, and the modules as encoded spans. */
export function indexReply(bytes: Uint8Array): IndexedReply {
  const c = new Cursor(bytes);
  const out: IndexedReply = { root: null, error: null, graph: null, tokens: null, modules: [] };
  const [kind, fields] = c.head();
  if (kind !== 'm') malformed('not a map');
  for (let i = 0; i < fields; i++) {
    const key = c.value();
    if (key === 'modules') {
      const [k, n] = c.head();
      if (k !== 'a') malformed('modules is not an array');
      for (let m = 0; m < n; m++) {
        const start = c.pos;
        const [mk, parts] = c.head();
        if (mk !== 'a' || parts !== 4) malformed('a module is not [id, format, source, imports]');
        const id = c.value();
        if (typeof id !== 'string') malformed('a module id is not a string');
        c.skip();
        c.skip();
        c.skip();
        out.modules.push({ id, bytes: bytes.subarray(start, c.pos) });
      }
      continue;
    }
    const v = c.value();
    if (key === 'root' || key === 'error') {
      if (v !== null && typeof v !== 'string') malformed(`${key} is not a string`);
      out[key] = v;
    } else if (key === 'graph' && v !== null) {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) malformed('graph is not a list of ids');
      out.graph = v as string[];
    } else if (key === 'tokens' && v !== null) {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) malformed('tokens is not a list of numbers');
      out.tokens = v as number[];
    }
  }
  if (c.pos !== bytes.byteLength) malformed(`${bytes.byteLength - c.pos} bytes after the reply`);
  return out;
}

/** Encodes a reply from modules already encoded (the same bytes `encode(reply)` would give). */
export function assembleReply(
  root: string | null,
  error: string | null,
  modules: readonly Uint8Array[],
  graph: readonly string[] | null,
  tokens: readonly number[] | null = null,
): Uint8Array {
  const n = modules.length;
  const head = n < 16 ? Uint8Array.of(0x90 | n) : n < 0x10000 ? Uint8Array.of(0xdc, n >> 8, n & 0xff) : Uint8Array.of(0xdd, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  const parts: Uint8Array[] = [
    Uint8Array.of(0x80 | (3 + (graph === null ? 0 : 1) + (tokens === null ? 0 : 1))),
    encode('root'), encode(root), encode('error'), encode(error),
    encode('modules'), head, ...modules,
  ];
  if (graph !== null) parts.push(encode('graph'), encode(graph));
  if (tokens !== null) parts.push(encode('tokens'), encode(tokens));
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
