// Value-level import cycles: files that need each other evaluated first. Type-only imports are
// erased and dynamic import() runs later, so neither makes a cycle.
import type { ImportEdge } from './imports.js';

function valueTargets(edges: readonly ImportEdge[]): string[] {
  return edges.filter((e) => !e.typeOnly && e.kind !== 'dynamic' && e.targetKind === 'file').map((e) => e.target!);
}

/** Strongly connected components with more than one file (or a file importing itself), Tarjan. */
export function importCycles(graph: Map<string, ImportEdge[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of valueTargets(graph.get(v) ?? [])) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || valueTargets(graph.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return out;
}

/** One concrete loop through a component, for the message: a -> b -> ... -> a. */
export function exampleLoop(graph: Map<string, ImportEdge[]>, scc: readonly string[]): string[] {
  const members = new Set(scc);
  const start = scc[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of valueTargets(graph.get(v) ?? [])) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...scc];
}
