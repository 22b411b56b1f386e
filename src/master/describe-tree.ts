// A debugging view of a running program: the tree of contexts with the state of each one's
// lifecycle machine, then the supervisors with their children's states. Every context a
// supervisor owns is marked with the supervisor and child id.
import type { ContextTreeNode, Router } from './router.js';
import { describeSupervisor, type Supervisor, type SupervisorState } from './supervisor.js';

/** Lines for `router`'s contexts and `supervisors` (nested ones are shown inside their parent). */
export function describeTree(router: Router, supervisors: Iterable<Supervisor> = []): string {
  const owners = new Map<number, string>();
  const list = [...supervisors];
  const states = list.map((s) => s.state);
  const collect = (s: SupervisorState): void => {
    for (const ch of Object.values(s.children)) {
      if (ch.contextId !== null) owners.set(ch.contextId, `${s.name}/${ch.id}`);
      if (ch.supervisor) collect(ch.supervisor);
    }
  };
  states.forEach(collect);
  const lines: string[] = [];
  const walk = (node: ContextTreeNode, prefix: string, branch: string): void => {
    const owner = owners.get(node.id);
    lines.push(`${prefix}${branch}${node.name} (#${node.id}) ${node.state}${owner ? `  [${owner}]` : ''}`);
    const below = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    node.children.forEach((c, i) => walk(c, below, i === node.children.length - 1 ? '└─ ' : '├─ '));
  };
  walk(router.contextTree(), '', '');
  // Each supervisor's ages on its own clock (a virtual one in tests).
  for (const s of list) lines.push(...describeSupervisor(s.state, s.clock.now()));
  return lines.join('\n');
}
