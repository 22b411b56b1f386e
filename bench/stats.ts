// Timing and statistics helpers shared by the benchmarks.

/** Nanoseconds from a monotonic clock. */
export const now = (): bigint => process.hrtime.bigint();

/** Milliseconds elapsed since `t0` (a `now()` value). */
export const msSince = (t0: bigint): number => Number(now() - t0) / 1e6;

/** The q-quantile (0..1) of `xs`, nearest rank on a sorted copy. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resident set size of a process in KiB (VmRSS from /proc), or NaN when unreadable. */
export async function rssKiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
