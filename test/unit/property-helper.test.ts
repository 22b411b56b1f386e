// The shared fast-check runner (test/support/fc.ts): FC_SEED fixes the run, a failure prints
// the seed, the path and the command that reproduces it, FC_PATH replays the counterexample,
// and no test runs a property any other way.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assertProperty } from '../support/fc.js';

const saved = { FC_SEED: process.env.FC_SEED, FC_PATH: process.env.FC_PATH };
function setEnv(vars: { FC_SEED?: string; FC_PATH?: string }): void {
  for (const key of ['FC_SEED', 'FC_PATH'] as const) {
    const v = vars[key];
    if (v === undefined) delete process.env[key];
    else process.env[key] = v;
  }
}
afterEach(() => {
  setEnv(saved);
  vi.restoreAllMocks();
});

/** Runs a property that fails for values of 1000 and up; returns the error and what it printed. */
function failing(seen: number[] = []): { message: string; printed: string } {
  const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    assertProperty(fc.property(fc.nat(), (v) => {
      seen.push(v);
      return v < 1000;
    }));
  } catch (e) {
    return { message: (e as Error).message, printed: printed.mock.calls.map((c) => String(c[0])).join('\n') };
  } finally {
    printed.mockRestore();
  }
  throw new Error('the property did not fail');
}

const seedOf = (message: string): string => /property failed with seed (-?\d+)/.exec(message)![1]!;
const pathOf = (message: string): string => /, path ([\d:]+)/.exec(message)![1]!;

describe('assertProperty', () => {
  it('FC_SEED fixes the generated values', () => {
    setEnv({ FC_SEED: '1234' });
    const runs = [[], []].map((seen: number[]) => {
      assertProperty(fc.property(fc.nat(), (v) => void seen.push(v)), { numRuns: 25 });
      return seen;
    });
    expect(runs[0]).toHaveLength(25);
    expect(runs[1]).toEqual(runs[0]);
  });

  it('a failure names its seed and path, and prints the command that reruns this test', () => {
    setEnv({ FC_SEED: '1234' });
    const { message, printed } = failing();
    expect(seedOf(message)).toBe('1234');
    expect(pathOf(message)).toMatch(/^\d+(:\d+)*$/);
    expect(message).toContain('Counterexample: [1000]');
    const rerun = "FC_SEED=1234 npx vitest run test/unit/property-helper.test.ts -t '^assertProperty a failure names its seed and path, and prints the command that reruns this test$'";
    expect(message).toContain(rerun);
    expect(printed).toContain(rerun);
    expect(printed).toContain(`FC_SEED=1234 FC_PATH='${pathOf(message)}' npx vitest run test/unit/property-helper.test.ts`);
  });

  it('without FC_SEED the seed is fresh, and the reported one reproduces the failure', () => {
    setEnv({});
    const first: number[] = [];
    const { message } = failing(first);
    setEnv({ FC_SEED: seedOf(message) });
    const again: number[] = [];
    const second = failing(again);
    expect(second.message).toBe(message);
    expect(again).toEqual(first);
  });

  it('FC_PATH (with its FC_SEED) goes straight to the counterexample', () => {
    setEnv({ FC_SEED: '99' });
    const { message } = failing();
    setEnv({ FC_SEED: '99', FC_PATH: pathOf(message) });
    const seen: number[] = [];
    failing(seen);
    // The counterexample first; then fast-check only tries to shrink it further.
    expect(seen[0]).toBe(1000);
    expect(seen.length).toBeLessThan(5);
    setEnv({ FC_PATH: pathOf(message) });
    expect(() => assertProperty(fc.property(fc.nat(), () => true))).toThrow(/set FC_SEED as well/);
  });

  it('async properties run the same way', async () => {
    setEnv({ FC_SEED: '7' });
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const err = await assertProperty(fc.asyncProperty(fc.nat(), async (v) => v < 1000)).then(() => null, (e: Error) => e);
    expect(err?.message).toContain('property failed with seed 7');
    expect(printed).toHaveBeenCalledOnce();
  });

  it('no test in test/ runs fast-check any other way', () => {
    const root = join(import.meta.dirname, '..');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ts$/.test(f) && f !== join('support', 'fc.ts'));
    const direct = files.filter((f) => /\bfc\s*\.\s*(assert|check)\s*\(/.test(readFileSync(join(root, f), 'utf8')));
    expect(files.length).toBeGreaterThan(20);
    expect(direct).toEqual([]);
  });
});
