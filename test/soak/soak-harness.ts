// Soak cycles (issue 15): start a context, call it, shut it down, many times from one Router;
// the master's fds, heap and processes are compared before and after. CI form by default,
// the long form with SOAK=long (`npm run soak`), or an exact count with SOAK_CYCLES.
import { readFileSync, readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Context, Router } from '../../src/index.js';
import { descendantsOf, isGone, waitFor } from '../support/processes.js';

export const LONG = process.env.SOAK === 'long';

/** Cycles of a soak: SOAK_CYCLES if set, else the long or the CI form. */
export function cycles(ci: number, long: number): number {
  const n = Number(process.env.SOAK_CYCLES);
  return Number.isInteger(n) && n > 0 ? n : LONG ? long : ci;
}

// A full GC before each heap reading, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;

/** A process's start time (/proc/PID/stat field 22), so a reused pid is not taken for it. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Still the same process, still running (pids wrap at 32768 here: 1,000 cycles reuse some). */
function stillRunning(pid: number, started: string | null): boolean {
  return !isGone(pid) && started !== null && startTime(pid) === started;
}

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    fullGc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

export interface SoakFigures {
  cycles: number;
  ms: number;
  fdsBefore: number;
  fdsAfter: number;
  heapGrowthMiB: number;
  /** Processes started below the master during the soak that are still running at the end. */
  left: number[];
}

/**
 * Runs `warmup` then `n` cycles of `start` -> one call -> shutdown({ wait: true }) on `router`.
 * The baseline is taken after the warm-up (lazily made pools, JIT, module caches).
 */
export async function soak(router: Router, n: number, start: (i: number) => Promise<Context>, warmup = 3): Promise<SoakFigures> {
  // Keyed by pid and start time: a pid our own later child reuses is a new entry.
  const pids = new Map<string, [number, string | null]>();
  const note = (pid: number): void => {
    const started = startTime(pid);
    pids.set(`${pid}:${started}`, [pid, started]);
  };
  // What ran before the soak (an intermediate the cycles go through) is not the soak's.
  const before = new Set([...router.childPids().values(), ...descendantsOf(process.pid)]);
  const cycle = async (i: number): Promise<void> => {
    const ctx = await start(i);
    for (const pid of [...router.childPids().values(), ...descendantsOf(process.pid)]) if (!before.has(pid)) note(pid);
    // The context's own pid (over ssh it is not our descendant: sshd started it).
    note(Number(await ctx.call('node:fs', 'readlinkSync', '/proc/self')));
    await ctx.shutdown({ wait: true });
  };
  for (let i = 0; i < warmup; i++) await cycle(-1 - i);
  await settle(pids);
  const fdsBefore = openFds();
  const heapBefore = await heapAfterGc();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await cycle(i);
  const ms = performance.now() - t0;
  await settle(pids);
  // fds of a closing stream go a moment after the process: give them a bound, not a delay.
  await waitFor(() => openFds() <= fdsBefore, 5000, 'the master fds to return to their baseline').catch(() => undefined);
  const fdsAfter = openFds();
  const heapAfter = await heapAfterGc();
  return {
    cycles: n,
    ms,
    fdsBefore,
    fdsAfter,
    heapGrowthMiB: (heapAfter - heapBefore) / 2 ** 20,
    left: [...pids.values()].filter(([p, started]) => stillRunning(p, started)).map(([p]) => p),
  };
}

/** Every process seen so far gone (a bound, then the check reports what is left). */
async function settle(pids: Map<string, [number, string | null]>): Promise<void> {
  const deadline = performance.now() + 15_000;
  while ([...pids.values()].some(([p, started]) => stillRunning(p, started)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

export function describeFigures(label: string, f: SoakFigures): string {
  return `${label}: ${f.cycles} cycles in ${(f.ms / 1000).toFixed(1)} s (${(f.ms / f.cycles).toFixed(0)} ms each); master fds ${f.fdsBefore} -> ${f.fdsAfter}; heap growth ${f.heapGrowthMiB.toFixed(2)} MiB; processes left ${f.left.length}`;
}
