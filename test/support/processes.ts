// Process checks against /proc. PID 1 on the test machines reaps zombies late, so a zombie
// (state Z) or a dead task (X) counts as gone: it runs no code and holds no resources.
import { readFileSync } from 'node:fs';

/** The one-letter state of a process from /proc/PID/stat, or null when it does not exist. */
export function processState(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) S ..." where comm may itself contain spaces and parentheses.
  const close = stat.lastIndexOf(')');
  return stat.slice(close + 2, close + 3) || null;
}

export function isGone(pid: number): boolean {
  const s = processState(pid);
  return s === null || s === 'Z' || s === 'X' || s === 'x';
}

/**
 * Waits until every pid is gone; resolves with the ms it took, rejects naming the pids still
 * running after `timeoutMs` (with their command lines, to tell what was left behind).
 */
export async function waitGone(pids: number | Iterable<number>, timeoutMs: number): Promise<number> {
  const list = typeof pids === 'number' ? [pids] : [...pids];
  const start = performance.now();
  for (;;) {
    const left = list.filter((p) => !isGone(p));
    if (left.length === 0) return performance.now() - start;
    if (performance.now() - start > timeoutMs) {
      const what = left.map((p) => `${p} [${processState(p)}] ${commandLine(p).slice(0, 80)}`).join('; ');
      throw new Error(`still running after ${timeoutMs} ms: ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** argv of a process as ps shows it (NULs as spaces), '' when gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Every descendant of a process (the runtime's own /proc walk, parents first). */
export { descendants as descendantsOf } from '../../src/core/child/descendants.js';

/** Polls `pred` until it is true; rejects with `what` after `timeoutMs`. */
export async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = performance.now();
  while (!pred()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
