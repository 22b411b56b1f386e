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
const left = new Float64Array(WIRE_MAX + 2); // items still to read at each open level
const total = new Float64Array(WIRE_MAX + 2);
const isMap = new Uint8Array(WIRE_MAX + 2);
const mode = new Uint8Array(WIRE_MAX + 2);
const extOf = new Uint8Array(WIRE_MAX + 2); // the extension a PAYLOAD level belongs to
const depthOf = new Uint16Array(WIRE_MAX + 2); // value depth of the containers around a level's items
const keyAt = new Int32Array(WIRE_MAX + 2); // offset of the last key read at a map level
const headAt = new Int32Array(WIRE_MAX + 2); // offset of a level's map or array header
const protoSeen = new Uint8Array(WIRE_MAX + 2); // a map level that has a "__proto__" key

const CONTAINER_EXT = new Set([EXT_MAP, EXT_SET, EXT_EXACT_OBJECT, EXT_ERROR, EXT_CALL_ERROR]);
const LEAF_EXT = new Set([EXT_REF, EXT_BIGINT, EXT_REGEXP, EXT_BOM_STRING]);
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
  let protoMaps: number[] | null = null;
  const end = b.byteLength;
  const view = new DataView(b.buffer, b.byteOffset, end);
  let pos = 0;
  let level = 0;
  left[0] = 1;
  total[0] = 1;
  isMap[0] = 0;
  mode[0] = NORMAL;
  depthOf[0] = 0;

  const need = (n: number): void => {
    if (n > end - pos) bad(`needs ${n} more bytes at offset ${pos}, has ${end - pos}`);
  };
  const open = (map: boolean, items: number, counted: boolean, childMode: number, ext: number, head: number): void => {
    if (level >= WIRE_MAX) bad(`nested deeper than ${WIRE_MAX} wire levels at offset ${pos}`);
    const depth = depthOf[level]! + (counted ? 1 : 0);
    if (depth > MAX_DEPTH) bad(`${pathOf(b, level)}: nested deeper than ${MAX_DEPTH} levels`);
    level++;
    left[level] = items;
    total[level] = items;
    isMap[level] = map ? 1 : 0;
    mode[level] = childMode;
    extOf[level] = ext;
    depthOf[level] = depth;
    headAt[level] = head;
    protoSeen[level] = 0;
  };
  const container = (map: boolean, n: number, head: number): void => {
    need(map ? n * 2 : n); // every item takes a byte at least: a larger count is a lie
    const m = mode[level]!;
    const childMode = m === PAYLOAD && (extOf[level] === EXT_ERROR || extOf[level] === EXT_CALL_ERROR) ? PARTS : NORMAL;
    open(map, map ? n * 2 : n, m === NORMAL, childMode, 0, head);
  };
  const str = (n: number): void => {
    need(n);
    pos += n;
  };

  for (;;) {
    while (left[level] === 0) {
      if (level === 0) {
        if (pos !== end) bad(`${end - pos} bytes after the value`);
        return protoMaps;
      }
      level--;
    }
    left[level]!--;
    need(1);
    const t = b[pos++]!;
    if (isMap[level] && left[level]! % 2 === 1) {
      // A key: a string.
      keyAt[level] = pos - 1;
      let n: number;
      if (t >= 0xa0 && t < 0xc0) n = t & 0x1f;
      else if (t === 0xd9) (need(1), (n = b[pos++]!));
      else if (t === 0xda) (need(2), (n = view.getUint16(pos)), (pos += 2));
      else if (t === 0xdb) (need(4), (n = view.getUint32(pos)), (pos += 4));
      else bad('a map key that is not a string (plain objects only; Map travels as an extension)');
      need(n);
      if (n === 9 && !protoSeen[level] && utf8.decode(b.subarray(pos, pos + 9)) === '__proto__') {
        protoSeen[level] = 1;
        (protoMaps ??= []).push(headAt[level]!);
      }
      pos += n;
      continue;
    }
    if (t < 0x80 || t >= 0xe0) continue;
    if (t < 0x90) { container(true, t & 0x0f, pos - 1); continue; }
    if (t < 0xa0) { container(false, t & 0x0f, pos - 1); continue; }
    if (t < 0xc0) { str(t & 0x1f); continue; }
    switch (t) {
      case 0xc0: case 0xc2: case 0xc3: continue;
      case 0xc4: need(1); str(b[pos++]!); continue;
      case 0xc5: need(2); pos += 2; str(view.getUint16(pos - 2)); continue;
      case 0xc6: need(4); pos += 4; str(view.getUint32(pos - 4)); continue;
      case 0xca: case 0xce: case 0xd2: str(4); continue;
      case 0xcb: case 0xcf: case 0xd3: str(8); continue;
      case 0xcc: case 0xd0: str(1); continue;
      case 0xcd: case 0xd1: str(2); continue;
      case 0xd9: need(1); str(b[pos++]!); continue;
      case 0xda: need(2); pos += 2; str(view.getUint16(pos - 2)); continue;
      case 0xdb: need(4); pos += 4; str(view.getUint32(pos - 4)); continue;
      case 0xdc: need(2); pos += 2; container(false, view.getUint16(pos - 2), pos - 3); continue;
      case 0xdd: need(4); pos += 4; container(false, view.getUint32(pos - 4), pos - 5); continue;
      case 0xde: need(2); pos += 2; container(true, view.getUint16(pos - 2), pos - 3); continue;
      case 0xdf: need(4); pos += 4; container(true, view.getUint32(pos - 4), pos - 5); continue;
      case 0xd4: {
        need(2);
        const type = b[pos]!;
        pos += 2;
        if (type === EXT_UNDEFINED || type === EXT_TIMESTAMP) continue;
        if (!CONTAINER_EXT.has(type) && !LEAF_EXT.has(type)) refused(type);
        // The marker is a level of the value for containers; its content comes next.
        const m = mode[level]!;
        const counted = CONTAINER_EXT.has(type) && !(m === PARTS && type === EXT_EXACT_OBJECT) && m !== PAYLOAD;
        open(false, 1, counted, PAYLOAD, type, pos - 3);
        continue;
      }
      case 0xd6: case 0xd7: {
        need(1);
        if (b[pos] !== EXT_TIMESTAMP) refused(b[pos]!);
        str(1 + (t === 0xd6 ? 4 : 8));
        continue;
      }
      case 0xc7: case 0xc8: case 0xc9: {
        const h = t === 0xc7 ? 1 : t === 0xc8 ? 2 : 4;
        need(h + 1);
        const n = h === 1 ? b[pos]! : h === 2 ? view.getUint16(pos) : view.getUint32(pos);
        const type = b[pos + h]!;
        if (type !== EXT_TIMESTAMP) refused(type);
        if (n !== 12) bad(`timestamp of length ${n}`);
        pos += h + 1;
        str(n);
        continue;
      }
      case 0xd5: case 0xd8:
        need(1);
        return refused(b[pos]!);
      default:
        return bad(`byte 0x${t.toString(16)} at offset ${pos - 1}`);
    }
  }
}

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
