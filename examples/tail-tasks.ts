// What examples/tail.ts runs in each context: `tail -f` of a log file as an async generator
// (ctx.stream() streams it), and a look at /proc for processes left behind.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { currentCall } from 'tendril';

/** Follows `path` like `tail -f`, a line at a time; the tail process ends when the consumer stops. */
export async function* follow(path: string): AsyncGenerator<string> {
  const tail = spawn('tail', ['-n', '+1', '-F', path], { stdio: ['ignore', 'pipe', 'ignore'] });
  // The caller gave up (cancel, unsubscribe, timeout, its death): stop tail at once, which
  // ends the loop below even while it waits for a line.
  currentCall().signal.addEventListener('abort', () => tail.kill(), { once: true });
  try {
    for await (const line of createInterface({ input: tail.stdout })) yield line;
  } finally {
    tail.kill();
  }
}

/** Pids of this process's descendants whose command line contains `marker`. */
export function leftovers(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(marker) && !cmd.includes('leftovers')) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
