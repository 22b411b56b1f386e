// router.dump(): the whole live picture as plain data, for a person or a log: every context
// with its lifecycle state (and its stream's, for direct children), why it died, the calls
// from the master still waiting on it (module#fn and age) and its other waiting receivers,
// and every supervisor with its children. Built on demand; nothing is tracked for it.
import type { PendingCall } from '../core/routing/handler-table.js';
import type { ContextTreeNode } from './actor-tree.js';
import type { SupervisorState } from './supervisor/types.js';

/** One context in {@link RouterDump}. */
export interface DumpedContext {
  /** The context's id. */
  id: number;
  /** Its name. */
  name: string;
  /** Its lifecycle state (its machine's). */
  state: string;
  /** Why it died, once dead. */
  deadReason: string | null;
  /** The state of its stream's machine (direct children of the master), else null. */
  stream: string | null;
  /** Calls from the master waiting for its reply. */
  pendingCalls: PendingCall[];
  /** Other receivers of the master waiting on it. */
  receivers: number;
  /** The contexts it started. */
  children: DumpedContext[];
}

/** What {@link Router.dump} returns. */
export interface RouterDump {
  /** When it was taken (ms since the epoch). */
  time: number;
  /** The master and, below it, every context. */
  contexts: DumpedContext;
  /** Every live top-level supervisor of this router, as its `state` reads now (nested ones are in their parent's). */
  supervisors: SupervisorState[];
}

/** What the dump reads from the router. */
export interface DumpSource {
  tree: ContextTreeNode;
  deadReason(id: number): string | null;
  streamState(id: number): string | null;
  awaiting: Map<number, { handlers: number; calls: PendingCall[] }>;
  supervisors: SupervisorState[];
}

export function takeDump(src: DumpSource): RouterDump {
  const walk = (node: ContextTreeNode): DumpedContext => {
    const waiting = src.awaiting.get(node.id);
    const calls = waiting?.calls ?? [];
    return {
      id: node.id,
      name: node.name,
      state: node.state,
      deadReason: src.deadReason(node.id),
      stream: src.streamState(node.id),
      pendingCalls: calls,
      receivers: (waiting?.handlers ?? 0) - calls.length,
      children: node.children.map(walk),
    };
  };
  return { time: Date.now(), contexts: walk(src.tree), supervisors: src.supervisors };
}
