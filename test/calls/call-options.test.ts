// Merging and checking call options (src/core/calls/call-options.ts), without processes:
// later values replace earlier ones, signals combine, bad timeouts are refused.
import { describe, expect, it } from 'vitest';
import { NO_OPTIONS, mergeCallOptions } from '../../src/core/calls/call-options.js';

describe('call options', () => {
  it('later values replace earlier ones; the result is frozen', () => {
    const merged = mergeCallOptions({ timeout: 100, highWaterMark: 8 }, { timeout: 5000 });
    expect(merged).toEqual({ timeout: 5000, highWaterMark: 8 });
    expect(Object.isFrozen(merged)).toBe(true);
    expect(mergeCallOptions(NO_OPTIONS, {})).toEqual({});
  });

  it('two signals combine: either aborts the merged one, with its reason', () => {
    const a = new AbortController();
    const b = new AbortController();
    const merged = mergeCallOptions({ signal: a.signal }, { signal: b.signal });
    expect(merged.signal).not.toBe(a.signal);
    expect(merged.signal!.aborted).toBe(false);
    b.abort('second');
    expect(merged.signal!.aborted).toBe(true);
    expect(merged.signal!.reason).toBe('second');
    // One signal is kept as it is.
    expect(mergeCallOptions({ signal: a.signal }, { timeout: 1 }).signal).toBe(a.signal);
  });

  it('refuses a timeout that is not a finite number of ms >= 0', () => {
    for (const timeout of [-1, Number.NaN, Infinity, '5' as unknown as number]) {
      expect(() => mergeCallOptions(NO_OPTIONS, { timeout })).toThrow(/timeout must be a finite number/);
    }
  });
});
