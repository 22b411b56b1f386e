// CallError.fromThrown() never throws itself, whatever user code threw: a value String() and
// JSON.stringify() both refuse must still become a CallError (the dispatcher replies with it).
import { describe, expect, it } from 'vitest';
import { CallError } from '../../src/core/errors.js';

describe('CallError.fromThrown', () => {
  it('describes a thrown value without a prototype that JSON cannot write', () => {
    const thrown = Object.assign(Object.create(null) as object, { big: 1n });
    const err = CallError.fromThrown(thrown, null);
    expect(err).toBeInstanceOf(CallError);
    expect(err.remoteType).toBe('object');
    expect(err.message).toBe('object: [object Object]');
  });

  it('describes an Error whose message String() refuses', () => {
    const e = new Error('x');
    Object.defineProperty(e, 'message', { value: Object.create(null) });
    const err = CallError.fromThrown(e, null);
    expect(err.remoteType).toBe('Error');
    expect(err.message).toBe('Error: [object Object]');
  });
});
