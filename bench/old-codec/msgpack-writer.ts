// MessagePack encoder for tendril's closed set of types, in one pass: it validates while it
// writes (an unsupported value is a TypeError naming its path, raised before anything is
// sent) and writes straight after a reserved frame header, so a message is built in place.
// Wire format: standard MessagePack; tendril's own types are a fixext1 marker (d4 <type> 00)
// followed by an ordinary value (msgpack-ext.ts; docs/protocol.md lists them). The byte level
// is msgpack-buffer.ts.
import { CallError } from '../../src/core/errors.js';
import { isRefusedInstance } from '../../src/core/wire/class-instance.js';
import { errorBase, errorName, hiddenEntries } from '../../src/core/wire/error-value.js';
import { MsgpackBuffer } from './msgpack-buffer.js';
import {
  EXT_CALL_ERROR, EXT_ERROR, EXT_MAP, EXT_REF, EXT_REGEXP, EXT_SET, EXT_UNDEFINED, WIRE_REF, type HasWireRef,
} from './msgpack-ext.js';
import { fromOtherRealm } from '../../src/core/wire/other-realm.js';
import { keyPath, typeName, Unsupported } from '../../src/core/wire/unsupported-value.js';

export { GATHER_MIN } from './msgpack-buffer.js';

export class MsgpackWriter extends MsgpackBuffer {
  /** Containers being written, to refuse cycles. */
  private readonly stack: object[] = [];
  /** Encodes a thrown error's properties one by one, to leave out those that cannot travel. */
  private probe: MsgpackWriter | null = null;

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
            : `cannot send ${root}${e.path}: ${e.what} (only data crosses contexts; not functions, symbols, handles, streams or emitters)`,
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
    if (o instanceof Map) return this.map(o);
    if (o instanceof Set) return this.set(o);
    if (o instanceof CallError) return this.callError(o);
    if (o instanceof Error) return this.error(o);
    if (o instanceof RegExp) {
      this.ext1(EXT_REGEXP);
      this.arrayHeader(2);
      this.string(o.source);
      return this.string(o.flags);
    }
    const foreign = fromOtherRealm(o, proto);
    if (foreign !== undefined) return this.value(foreign);
    if (isRefusedInstance(o, proto)) throw new Unsupported(typeName(o), '');
    // Any other class instance: its own enumerable data, as structuredClone copies it.
    return this.plainObject(o as Record<string, unknown>);
  }

  private map(o: Map<unknown, unknown>): void {
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
  }

  private set(o: Set<unknown>): void {
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

  /** A map of named values; a failure names the entry's key in the path. */
  private entries(list: [string, unknown][]): void {
    this.mapHeader(list.length);
    for (const [k, v] of list) {
      this.string(k);
      try {
        this.value(v);
      } catch (e) {
        throw Unsupported.prefix(e, keyPath(k));
      }
    }
  }

  /** An Error value: [base class, name, hidden own properties, own enumerable properties]. */
  private error(e: Error): void {
    this.enter(e);
    const base = errorBase(e);
    this.ext1(EXT_ERROR);
    this.arrayHeader(4);
    this.string(base);
    this.string(errorName(e, base));
    this.entries(hiddenEntries(e));
    this.entries(Object.keys(e).map((k) => [k, (e as unknown as Record<string, unknown>)[k]]));
    this.stack.pop();
  }

  /**
   * A remote failure: [type, message, stack, contextId, contextName, code, props, cause]. Its
   * props come from whatever was thrown: those that cannot travel are left out, never refused.
   */
  private callError(o: CallError): void {
    this.enter(o);
    this.ext1(EXT_CALL_ERROR);
    this.arrayHeader(8);
    this.string(o.remoteType);
    this.string(o.remoteMessage);
    this.string(o.remoteStack);
    const c = o.context;
    this.value(c ? c.id : null);
    this.value(c ? c.name : null);
    this.value(o.code ?? null);
    const probe = (this.probe ??= new MsgpackWriter());
    const keys: string[] = [];
    const parts: Uint8Array[] = [];
    for (const k of Object.keys(o.remoteProps)) {
      try {
        parts.push(probe.encode(o.remoteProps[k], ''));
        keys.push(k);
      } catch {
        // Not data (a socket, a function): it stays behind.
      }
    }
    this.mapHeader(keys.length);
    for (let i = 0; i < keys.length; i++) {
      this.string(keys[i]!);
      this.raw(parts[i]!);
    }
    try {
      this.value(o.cause ?? null);
    } catch (e) {
      throw Unsupported.prefix(e, '.cause');
    }
    this.stack.pop();
  }
}
