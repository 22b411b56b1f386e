// Functions the demo calls in its children. This file exists only on the master: each child
// fetches it (transpiled) over its channel the first time it is called.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Survey {
  host: string;
  pid: number;
  node: string;
  title: string;
  load: number;
  freeMemMiB: number;
}

export function survey(): Survey {
  // Anything a child prints reaches the master's logs, tagged with the child's name.
  console.log(`surveying from pid ${process.pid}`);
  return {
    host: os.hostname(),
    pid: process.pid,
    node: process.version,
    title: process.title,
    load: os.loadavg()[0] ?? 0,
    freeMemMiB: Math.round(os.freemem() / 2 ** 20),
  };
}

/** Sums 1..n slowly, to have a call in flight when the demo kills a child. */
export async function slowSum(n: number, ms: number): Promise<number> {
  await sleep(ms);
  return (n * (n + 1)) / 2;
}
