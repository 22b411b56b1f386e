// Errors, RegExps and class instances on the wire (src/core/wire/): an Error arrives as a real
// instance of its built-in class with the same name, message, stack, cause and own data, a
// RegExp as itself, a class instance as its own enumerable data (as structuredClone copies it);
// what holds no data (a function, a socket, a stream) is still refused with its path; a
// decoded error runs no code and reaches no prototype; a thrown error becomes a CallError with
// its code, its other data and its cause.
import { statSync, promises as fsp } from 'node:fs';
import { Socket } from 'node:net';
import { types } from 'node:util';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallError } from '../src/core/errors.js';
import { decode, encode } from '../src/core/wire/codec.js';
import {
  Bag, classInstance, difference, errorValue, expectRoundTrip, hooks, Point, Point3, prototypeSnapshot, regexp, supported,
} from './support/codec-values.js';
import { assertProperty } from './support/fc.js';

let prototypeKeys: string[] = [];
beforeAll(() => {
  prototypeKeys = prototypeSnapshot();
});
afterEach(() => {
  expect(prototypeSnapshot()).toEqual(prototypeKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

const errorOf = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
};

describe('Error values', () => {
  it('round-trip exactly: base class, name, message, stack, cause, own data, in any structure', () => {
    assertProperty(fc.property(errorValue, expectRoundTrip), { numRuns: 400 });
    assertProperty(fc.property(fc.array(errorValue, { maxLength: 3 }), supported, (errors, other) => expectRoundTrip({ errors, other })), { numRuns: 100 });
  });

  it('arrive as real instances of their built-in class', () => {
    assertProperty(
      fc.property(errorValue, (e) => {
        const got = decode(encode(e), hooks) as Error;
        expect(types.isNativeError(got)).toBe(true);
        expect(got).toBeInstanceOf(Error);
        if (typeof e.name === 'string') expect(got.name).toBe(e.name);
      }),
      { numRuns: 300 },
    );
  });

  it('a Node system error keeps code, errno, syscall and path; a user subclass arrives as its base with its name', async () => {
    const missing = (await fsp.readFile('/nonexistent/tendril-values').catch((e: unknown) => e)) as NodeJS.ErrnoException;
    const got = decode(encode(missing)) as NodeJS.ErrnoException;
    expect(got).toBeInstanceOf(Error);
    expect([got.code, got.errno, got.syscall, got.path]).toEqual(['ENOENT', missing.errno, 'open', '/nonexistent/tendril-values']);
    expect(got.message).toBe(missing.message);
    class QuotaError extends RangeError {
      override name = 'QuotaError';
      limit = 10;
    }
    const q = decode(encode(new QuotaError('over', { cause: 'disk' }))) as RangeError & { limit: number };
    expect(Object.getPrototypeOf(q)).toBe(RangeError.prototype);
    expect([q.name, q.message, q.limit, q.cause]).toEqual(['QuotaError', 'over', 10, 'disk']);
  });

  it('a DOMException arrives as an Error with its name and message', () => {
    const got = decode(encode(new DOMException('stopped', 'AbortError'))) as Error;
    expect(got).toBeInstanceOf(Error);
    expect([got.name, got.message]).toEqual(['AbortError', 'stopped']);
  });

  it('errors and RegExps made in another realm travel like local ones', () => {
    const [e, r] = runInNewContext('[Object.assign(new TypeError("far", { cause: 1 }), { code: "E_FAR" }), /x+/gi]') as [Error, RegExp];
    const [ge, gr] = decode(encode([e, r])) as [Error & { code: string }, RegExp];
    expect(Object.getPrototypeOf(ge)).toBe(TypeError.prototype);
    expect([ge.message, ge.cause, ge.code]).toEqual(['far', 1, 'E_FAR']);
    expect(Object.getPrototypeOf(gr)).toBe(RegExp.prototype);
    expect(String(gr)).toBe('/x+/gi');
  });

  it('a function, socket or cycle inside an error is refused with its path', () => {
    const withFn = Object.assign(new Error('f'), { retry: () => 1 });
    expect(() => encode({ err: withFn }, 'result')).toThrow(/cannot send result\.err\.retry: function/);
    const withSocket = new Error('s', { cause: { conn: new Socket() } });
    expect(() => encode([withSocket], 'args')).toThrow(/cannot send args\[0\]\.cause\.conn: Socket/);
    const loop = new Error('loop');
    Object.defineProperty(loop, 'cause', { value: loop, enumerable: false, writable: true, configurable: true });
    expect(() => encode(loop, 'result')).toThrow(/cannot send result\.cause: the value contains a cycle/);
  });
});

describe('RegExp values', () => {
  it('round-trip source and flags', () => {
    assertProperty(fc.property(regexp, expectRoundTrip), { numRuns: 500 });
  });

  it('arrive usable, with lastIndex reset (as structuredClone does)', () => {
    const r = /(?<word>\w+)/g;
    r.exec('ab cd');
    const got = decode(encode(r)) as RegExp;
    expect(got.lastIndex).toBe(0);
    expect('ab cd'.match(got)).toEqual(['ab', 'cd']);
  });
});

describe('class instances', () => {
  it('arrive as their own enumerable data: no prototype, methods, getters, private or hidden fields', () => {
    assertProperty(
      fc.property(classInstance, (o) => {
        const got = decode(encode(o), hooks) as Record<string, unknown>;
        expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
        expect(difference(o, got)).toBe(null);
        expect(Object.keys(got)).toEqual(Object.keys(o));
      }),
      { numRuns: 500 },
    );
    expect(decode(encode(new Point3()))).toEqual({ x: 0, y: 0, z: 0 });
    expect(decode(encode(new Bag()))).toEqual({ items: [] });
    expect(decode(encode([new Point(new Point(1, 2), new Map([[1, new Bag()]]))]))).toEqual([{ x: { x: 1, y: 2 }, y: new Map([[1, { items: [] }]]) }]);
  });

  it('fs.Stats arrive with their fields, dates as Date', () => {
    const s = statSync(import.meta.dirname);
    const got = decode(encode(s)) as Record<string, unknown>;
    expect(got.size).toBe(s.size);
    expect(got.mtime).toBeInstanceOf(Date);
    expect((got.mtime as Date).getTime()).toBe(s.mtime.getTime());
    expect(Object.keys(got)).toEqual(Object.keys(s));
  });

  it('a function held by an instance is refused with its path', () => {
    class Job {
      id = 1;
      done = (): void => {};
    }
    expect(() => encode({ queue: [new Job()] }, 'result')).toThrow(/cannot send result\.queue\[0\]\.done: function/);
  });

  it('an iterator, a stream, an emitter or a handle is refused by its class, not copied', () => {
    const sock = new Socket();
    try {
      expect(() => encode({ conn: sock }, 'result')).toThrow(/cannot send result\.conn: Socket/);
    } finally {
      sock.destroy();
    }
    const t = setTimeout(() => {}, 1000);
    try {
      expect(() => encode([t], 'result')).toThrow(/cannot send result\[0\]: Timeout/);
    } finally {
      clearTimeout(t);
    }
    expect(() => encode(new Set([1]).values(), 'result')).toThrow(/cannot send result: Set Iterator/);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile Error and RegExp extensions

/** d4 45 00 followed by the given msgpack array of [base, name, hidden, props]. */
const errorBytes = (...parts: Buffer[]): Buffer => Buffer.concat([Buffer.from('d4450094', 'hex'), ...parts]);
const str = (s: string): Buffer => Buffer.concat([Buffer.from([0xa0 | s.length]), Buffer.from(s)]);
const map = (entries: [string, Buffer][]): Buffer => Buffer.concat([Buffer.from([0x80 | entries.length]), ...entries.flatMap(([k, v]) => [str(k), v])]);
const polluting = map([['polluted', Buffer.from([0xc3])]]);

describe('decoding hostile Error and RegExp extensions', () => {
  it('an unknown base class is a plain Error; the name is only a name', () => {
    for (const base of ['Function', '__proto__', 'constructor', 'toString', 'DOMException', 'CallError']) {
      const got = decode(errorBytes(str(base), str('__proto__'), map([]), map([]))) as Error;
      expect(Object.getPrototypeOf(got)).toBe(Error.prototype);
      expect(got.name).toBe('__proto__');
      expect(Object.getOwnPropertyDescriptor(got, 'name')?.value).toBe('__proto__');
    }
  });

  it('"__proto__", "constructor" and "toString" properties stay own data', () => {
    const got = decode(errorBytes(str('TypeError'), str('TypeError'), map([['message', str('m')]]), map([['__proto__', polluting], ['constructor', polluting], ['toString', Buffer.from([0x01])]]))) as Error & Record<string, unknown>;
    expect(Object.getPrototypeOf(got)).toBe(TypeError.prototype);
    expect(Object.keys(got)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(got, '__proto__')?.value).toEqual({ polluted: true });
    expect(got.polluted).toBeUndefined();
    expect(got.message).toBe('m');
  });

  it('a hidden property outside message, stack, cause and errors is refused', () => {
    for (const key of ['name', 'toString', '__proto__', 'code', 'valueOf']) {
      expect(() => decode(errorBytes(str('Error'), str('Error'), map([[key, polluting]]), map([])))).toThrow(TypeError);
    }
  });

  it('malformed Error and RegExp contents are TypeErrors', () => {
    for (const hex of ['d4450090', 'd4450093a1617a7b7c', 'd4450094c0a0 8080'.replace(/ /g, ''), 'd4450094a0a09080', 'd4480091a161', 'd4480092a128a0', 'd4480092a161a17a', 'd4480092a161c0']) {
      expect(() => decode(Buffer.from(hex, 'hex'))).toThrow(TypeError);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Thrown errors as CallError

describe('CallError.fromThrown', () => {
  const where = { id: 3, name: 'local.3' };

  it('keeps code, the other own data (remoteProps) and the cause chain as CallErrors', async () => {
    const missing = await fsp.readFile('/nonexistent/tendril-values').catch((e: unknown) => e);
    const wrapped = new Error('could not load config', { cause: missing });
    const got = decode(encode(CallError.fromThrown(wrapped, where))) as CallError;
    expect(got.code).toBe(undefined);
    expect(got.remoteProps).toEqual({});
    expect(got.cause).toBeInstanceOf(CallError);
    const cause = got.cause!;
    expect(cause.code).toBe('ENOENT');
    expect(cause.remoteType).toBe('Error');
    expect(cause.remoteProps).toEqual({ errno: (missing as NodeJS.ErrnoException).errno, syscall: 'open', path: '/nonexistent/tendril-values' });
    expect(cause.context).toEqual(where);
    expect(cause.cause).toBe(undefined);
  });

  it('a non-error cause becomes a CallError of its typeof; a cycle of causes ends', () => {
    const a = new Error('a', { cause: 'disk full' });
    expect(CallError.fromThrown(a, null).cause?.remoteType).toBe('string');
    const x = new Error('x');
    const y = new Error('y', { cause: x });
    Object.defineProperty(x, 'cause', { value: y, enumerable: false, configurable: true, writable: true });
    const got = decode(encode(CallError.fromThrown(x, null))) as CallError;
    expect(got.remoteMessage).toBe('x');
    expect(got.cause?.remoteMessage).toBe('y');
    expect(got.cause?.cause).toBe(undefined);
  });

  it('properties that cannot travel are left out, never a reason to lose the error', () => {
    const sock = new Socket();
    try {
      const e = Object.assign(new Error('busy'), { code: 'EBUSY', conn: sock, retry: () => 1, attempts: 3 });
      Object.defineProperty(e, 'broken', { get: () => { throw new Error('getter'); }, enumerable: true });
      const got = decode(encode(CallError.fromThrown(e, where))) as CallError;
      expect(got.code).toBe('EBUSY');
      expect(got.remoteProps).toEqual({ attempts: 3, broken: undefined });
    } finally {
      sock.destroy();
    }
  });

  it('a numeric code is kept; another code stays in remoteProps', () => {
    expect(CallError.fromThrown(Object.assign(new Error('n'), { code: 42 }), null).code).toBe(42);
    const odd = CallError.fromThrown(Object.assign(new Error('o'), { code: { deep: 1 } }), null);
    expect(odd.code).toBe(undefined);
    expect(odd.remoteProps).toEqual({ code: { deep: 1 } });
  });

  it('a thrown Error value keeps its class on its own: only a CallError wraps it', () => {
    const e = errorOf(() => JSON.parse('{'));
    const c = CallError.fromThrown(e, null);
    expect([c.remoteType, c.remoteMessage]).toEqual(['SyntaxError', e.message]);
  });
});
