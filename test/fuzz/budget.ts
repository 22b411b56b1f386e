// How many inputs the fuzz suite tries: 1e5 in all by default (the CI form, well under 60 s
// here), FUZZ_RUNS in all when set (`FUZZ_RUNS=1000000` for the long form, `npm run soak`).
// Each property takes its share; its timeout grows with it.

const raw = process.env.FUZZ_RUNS?.trim();
export const FUZZ_TOTAL = raw ? Number(raw) : 100_000;
if (!Number.isSafeInteger(FUZZ_TOTAL) || FUZZ_TOTAL < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got '${raw}'`);

/** This property's number of inputs: `fraction` of the total. */
export const runs = (fraction: number): number => Math.max(1, Math.round(FUZZ_TOTAL * fraction));

/** A timeout for `n` inputs: generous (a loaded 2-core machine), only there to catch a hang. */
export const timeoutFor = (n: number): number => Math.max(60_000, n * 2);

