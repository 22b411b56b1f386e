// CPU time by thread from /proc/<pid>/task/<tid>/schedstat (ns on CPU, ns waiting for a CPU).
// On a small shared machine wall-clock figures move with other load; CPU time per operation
// and run-queue wait say how much of a figure is our own work and how much is contention.
import { readFileSync, readdirSync } from 'node:fs';

export interface ThreadTimes {
  /** ns on CPU, by role: main thread, tendril dispatcher thread, everything else (V8/libuv helpers). */
  run: Record<string, number>;
  /** ns runnable but waiting for a CPU, all threads. */
  wait: number;
}

export function threadTimes(pid: number | 'self'): ThreadTimes {
  const run: Record<string, number> = { main: 0, worker: 0, helpers: 0 };
  let wait = 0;
  const main = pid === 'self' ? String(process.pid) : String(pid);
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [r, w] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        // A child's dispatcher thread inherits the main thread's name, tendril:<name>.
        const role = tid === main ? 'main' : comm.startsWith('tendril:') ? 'worker' : 'helpers';
        run[role]! += r!;
        wait += w!;
      } catch {
        // the thread ended between readdir and read
      }
    }
  } catch {
    // no /proc (not Linux) or the process is gone
  }
  return { run, wait };
}

/** Difference b - a, per operation, in microseconds. */
export function perOp(a: ThreadTimes, b: ThreadTimes, ops: number): { run: Record<string, number>; wait: number } {
  const run: Record<string, number> = {};
  for (const k of Object.keys(b.run)) run[k] = (b.run[k]! - (a.run[k] ?? 0)) / 1e3 / ops;
  return { run, wait: (b.wait - a.wait) / 1e3 / ops };
}

/** Whole-machine busy time and our own (self + reaped children) from /proc, in seconds. */
export function machineBusy(): { busy: number; ours: number } {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const busy = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!;
    const st = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // fields after ") ": state is [0]; utime [11], stime [12], cutime [13], cstime [14]
    const ours = Number(st[11]) + Number(st[12]) + Number(st[13]) + Number(st[14]);
    return { busy: busy / 100, ours: ours / 100 };
  } catch {
    return { busy: NaN, ours: NaN };
  }
}
