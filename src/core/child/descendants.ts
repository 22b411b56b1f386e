// Finding and killing every process started below this one (Linux /proc). A worker stuck in
// execSync keeps the process alive until its program exits: killing the program ends it.
import { readFileSync, readdirSync } from 'node:fs';

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ')) {
        if (c.trim()) out.push(Number(c));
      }
    } catch {
      // the task ended meanwhile
    }
  }
  return out;
}

/** Every descendant pid, parents before their children. */
export function descendants(pid = process.pid): number[] {
  const all: number[] = [];
  const todo = childrenOf(pid);
  while (todo.length > 0) {
    const p = todo.shift()!;
    all.push(p);
    todo.push(...childrenOf(p));
  }
  return all;
}

export function killDescendants(signal: NodeJS.Signals = 'SIGKILL'): number {
  const pids = descendants();
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
  return pids.length;
}
