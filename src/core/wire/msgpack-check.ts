// Every message is checked here, byte by byte and without allocating, before msgpackr decodes
// it (unpacker.ts): msgpackr trusts its input more than tendril may. Refused, as a TypeError
// (`malformed message: ...`): a truncated value, bytes after it, 0xc1, a length longer than
// the bytes left, a map key that is not a string, any extension outside
// tendril's set (msgpackr's records, bundles, structured clones, typed arrays...), and
// nesting deeper than MAX_DEPTH containers, counted as the encoder counts them: an
// extension's own structure (the array after a Map's marker, an error's property maps) is
// not a level of the value. A map with a "__proto__" key (which msgpackr would rename) is
// reported, for exactObjects() to rewrite as the exact-object extension.
import {
  EXT_BIGINT, EXT_BOM_STRING, EXT_CALL_ERROR, EXT_ERROR, EXT_EXACT_OBJECT, EXT_MAP, EXT_REF, EXT_REGEXP, EXT_SET,
  EXT_TIMESTAMP, EXT_UNDEFINED, MAX_DEPTH,
} from './msgpack-ext.js';

/** How the containers opened directly at a level count. */
const NORMAL = 0; // arrays and maps are levels of the value
const PAYLOAD = 1; // the content after an extension's marker: not a level
const PARTS = 2; // the parts of an error's content (its property maps): not levels

/** Wire nesting bound: an error is three wire levels (marker, content, property map) per value level. */
const WIRE_MAX = 3 * MAX_DEPTH + 8;
// Counts fit 32 bits: a count is checked against the bytes left before it is stored.
const left = new Uint32Array(WIRE_MAX + 2); // items still to read at each open level
const total = new Uint32Array(WIRE_MAX + 2);
const isMap = new Uint8Array(WIRE_MAX + 2);
const mode = new Uint8Array(WIRE_MAX + 2);
const extOf = new Uint8Array(WIRE_MAX + 2); // the extension a PAYLOAD level belongs to
const depthOf = new Uint16Array(WIRE_MAX + 2); // value depth of the containers around a level's items
const keyAt = new Int32Array(WIRE_MAX + 2); // offset of the last key read at a map level
const headAt = new Int32Array(WIRE_MAX + 2); // offset of a level's map or array header
const protoSeen = new Uint8Array(WIRE_MAX + 2); // a map level that has a "__proto__" key

const CONTAINER_EXT = [EXT_MAP, EXT_SET, EXT_EXACT_OBJECT, EXT_ERROR, EXT_CALL_ERROR];
const LEAF_EXT = [EXT_REF, EXT_BIGINT, EXT_REGEXP, EXT_BOM_STRING];
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function bad(what: string): never {
  throw new TypeError(`malformed message: ${what}`);
}
const refused = (type: number): never => {
  throw new TypeError(`message uses msgpack extension type ${type > 127 ? type - 256 : type}, which tendril does not accept`);
};

/**
 * Throws a TypeError unless `b` is exactly one value tendril's decoder accepts. Returns the
 * offsets of the maps that have a "__proto__" key, or null (almost always).
 */
export function checkMessage(b: Uint8Array): number[] | null {
  // One flat loop, locals only: this runs on every message received.
  let protoMaps: number[] | null = null;
  const end = b.byteLength;
  let pos = 0;
  let level = 0;
  left[0] = 1;
  total[0] = 1;
  isMap[0] = 0;
  mode[0] = NORMAL;
  depthOf[0] = 0;
  for (;;) {
    while (left[level] === 0) {
      if (level === 0) {
        if (pos !== end) bad(`${end - pos} bytes after the value`);
        return protoMaps;
      }
      level--;
    }
    left[level]!--;
    if (pos >= end) short(pos, 1, end);
    const t = b[pos++]!;
    let n = 0; // bytes to skip, or items of a container
    let map = false;
    if (isMap[level] === 1 && (left[level]! & 1) === 1) {
      // A key: a string.
      keyAt[level] = pos - 1;
      if (t >= 0xa0 && t < 0xc0) n = t & 0x1f;
      else if (t === 0xd9 && pos < end) n = b[pos++]!;
      else if (t === 0xda && pos + 2 <= end) (n = u16(b, pos)), (pos += 2);
      else if (t === 0xdb && pos + 4 <= end) (n = u32(b, pos)), (pos += 4);
      else if (t >= 0xd9 && t <= 0xdb) short(pos, t - 0xd8, end);
      else bad('a map key that is not a string (plain objects only; Map travels as an extension)');
      if (n > end - pos) short(pos, n, end);
      if (n === 9 && protoSeen[level] === 0 && isProtoKey(b, pos)) {
        protoSeen[level] = 1;
        (protoMaps ??= []).push(headAt[level]!);
      }
      pos += n;
      continue;
    }
    if (t < 0x80 || t >= 0xe0) continue;
    const head = pos - 1;
    if (t < 0xa0) {
      map = t < 0x90;
      n = t & 0x0f;
    } else if (t < 0xc0) {
      n = t & 0x1f;
      if (n > end - pos) short(pos, n, end);
      pos += n;
      continue;
    } else {
      const fixed = FIXED[t - 0xc0]!;
      if (fixed >= 0) {
        // Scalars of a fixed size.
        if (fixed > end - pos) short(pos, fixed, end);
        pos += fixed;
        continue;
      }
      const lenBytes = LEN_BYTES[t - 0xc0]!;
      if (lenBytes > 0) {
        if (lenBytes > end - pos) short(pos, lenBytes, end);
        n = lenBytes === 1 ? b[pos]! : lenBytes === 2 ? u16(b, pos) : u32(b, pos);
        pos += lenBytes;
        if (t >= 0xdc) {
          map = t >= 0xde;
        } else if (t >= 0xc7 && t <= 0xc9) {
          if (pos >= end) short(pos, 1, end);
          if (b[pos] !== EXT_TIMESTAMP) refused(b[pos]!);
          if (n !== 12) bad(`timestamp of length ${n}`);
          if (13 > end - pos) short(pos, 13, end);
          pos += 13;
          continue;
        } else {
          // str, bin
          if (n > end - pos) short(pos, n, end);
          pos += n;
          continue;
        }
      } else if (t === 0xd4) {
        if (2 > end - pos) short(pos, 2, end);
        const type = b[pos]!;
        pos += 2;
        if (type === EXT_UNDEFINED || type === EXT_TIMESTAMP) continue;
        const container = CONTAINER_EXT.includes(type);
        if (!container && !LEAF_EXT.includes(type)) refused(type);
        // The marker is a level of the value for containers; its content comes next.
        const m = mode[level]!;
        const counted = container && m !== PAYLOAD && !(m === PARTS && type === EXT_EXACT_OBJECT);
        open(level, counted, b, head);
        level++;
        left[level] = 1;
        total[level] = 1;
        isMap[level] = 0;
        mode[level] = PAYLOAD;
        extOf[level] = type;
        continue;
      } else if (t === 0xd6 || t === 0xd7) {
        if (pos >= end) short(pos, 1, end);
        if (b[pos] !== EXT_TIMESTAMP) refused(b[pos]!);
        const size = t === 0xd6 ? 5 : 9;
        if (size > end - pos) short(pos, size, end);
        pos += size;
        continue;
      } else if (t === 0xd5 || t === 0xd8) {
        if (pos >= end) short(pos, 1, end);
        return refused(b[pos]!);
      } else {
        return bad(`byte 0x${t.toString(16)} at offset ${pos - 1}`);
      }
    }
    // An array or a map of n entries: every item takes a byte at least, a larger count is a lie.
    const items = map ? n * 2 : n;
    if (items > end - pos) short(pos, items, end);
    const m = mode[level]!;
    const e = extOf[level]!;
    open(level, m === NORMAL, b, head);
    level++;
    left[level] = items;
    total[level] = items;
    isMap[level] = map ? 1 : 0;
    mode[level] = m === PAYLOAD && (e === EXT_ERROR || e === EXT_CALL_ERROR) ? PARTS : NORMAL;
    extOf[level] = 0;
  }
}

/** Checks the depth of a container opened at `level` and sets its value depth and header offset. */
function open(level: number, counted: boolean, b: Uint8Array, head: number): void {
  if (level >= WIRE_MAX) bad(`nested deeper than ${WIRE_MAX} wire levels at offset ${head}`);
  const depth = depthOf[level]! + (counted ? 1 : 0);
  if (depth > MAX_DEPTH) bad(`${pathOf(b, level)}: nested deeper than ${MAX_DEPTH} levels`);
  depthOf[level + 1] = depth;
  headAt[level + 1] = head;
  protoSeen[level + 1] = 0;
}

function short(pos: number, n: number, end: number): never {
  return bad(`needs ${n} more bytes at offset ${pos}, has ${end - pos}`);
}

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const PROTO = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f]; // "__proto__"
function isProtoKey(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 9; i++) if (b[at + i] !== PROTO[i]) return false;
  return true;
}

// For bytes 0xc0..0xdf: the size of what follows when fixed (-1: it is not), and the size of
// the length that follows (0: none). 0xc1 is never valid.
// prettier-ignore
const FIXED = [0, -1, 0, 0, -1, -1, -1, -1, -1, -1, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
// prettier-ignore
const LEN_BYTES = [0, 0, 0, 0, 1, 2, 4, 1, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 2, 4, 2, 4];

/**
 * `b` with each map at `maps` (offsets of their headers) rewritten as the exact-object
 * extension (`d4 43 00` then an array of its keys and values), which keeps "__proto__" a key.
 */
export function exactObjects(b: Uint8Array, maps: number[]): Uint8Array {
  maps.sort((x, y) => x - y);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const at of maps) {
    const t = b[at]!;
    const [h, n] = t < 0x90 ? [1, t & 0x0f] : t === 0xde ? [3, (b[at + 1]! << 8) | b[at + 2]!] : [5, new DataView(b.buffer, b.byteOffset + at + 1, 4).getUint32(0)];
    const items = n * 2;
    const head = items < 16 ? [0x90 | items] : items < 0x10000 ? [0xdc, items >> 8, items & 0xff] : [0xdd, items >>> 24, (items >> 16) & 0xff, (items >> 8) & 0xff, items & 0xff];
    parts.push(b.subarray(from, at), Uint8Array.of(0xd4, EXT_EXACT_OBJECT, 0, ...head));
    from = at + h;
  }
  parts.push(b.subarray(from));
  return Buffer.concat(parts);
}

/** Where in the value the open level `level` is, for an error: `value[0].a[2]`. */
function pathOf(b: Uint8Array, level: number): string {
  let path = 'value';
  for (let l = 1; l <= level; l++) {
    const i = total[l]! - left[l]! - 1;
    if (mode[l] === PAYLOAD || i < 0) continue;
    if (!isMap[l]) {
      path += `[${i}]`;
      continue;
    }
    path += keyStep(b, keyAt[l]!);
  }
  return path;
}

function keyStep(b: Uint8Array, at: number): string {
  const t = b[at]!;
  const [start, n] = t < 0xc0 ? [at + 1, t & 0x1f] : t === 0xd9 ? [at + 2, b[at + 1]!] : [at + 3, (b[at + 1]! << 8) | b[at + 2]!];
  const s = utf8.decode(b.subarray(start, Math.min(start + n, start + 64)));
  return /^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
}
