// router.files.push(): the tree of contexts a file goes down. Each target is reached through
// the contexts that started it (its ancestors, learnt from the router); the plan has one node
// per context on those paths, so the file crosses each link once: a node that is not a target
// keeps a temporary copy only while it serves its children.
import type { Context } from '../core/calls/context.js';
import type { CoreRouter } from '../core/routing/router.js';

export interface PlanNode {
  ctx: Context;
  /** Where the copy goes in that context; null: an intermediate only (cached, then removed). */
  dest: string | null;
  children: PlanNode[];
}

/** The nodes below the master (its direct children on the way to every target). */
export function planPush(router: CoreRouter, targets: readonly Context[], dest: string): PlanNode[] {
  const nodes = new Map<number, PlanNode>();
  const roots: PlanNode[] = [];
  const nodeFor = (id: number): PlanNode => {
    let node = nodes.get(id);
    if (node) return node;
    const ctx = router.contextById(id);
    if (!ctx) throw new TypeError(`push: context #${id} (on the way to a target) is not known to this router`);
    node = { ctx, dest: null, children: [] };
    nodes.set(id, node);
    const parent = router.parentOf(id);
    if (parent === undefined || parent === router.myId) roots.push(node);
    else nodeFor(parent).children.push(node);
    return node;
  };
  for (const t of targets) {
    if (t.router !== router) throw new TypeError(`push: ${t.name} belongs to another router`);
    if (t.id === router.myId) throw new TypeError('push: the master cannot be a target of its own push');
    nodeFor(t.id).dest = dest;
  }
  return roots;
}

/** Every target id in a plan. */
export function targetIds(nodes: readonly PlanNode[]): number[] {
  const out: number[] = [];
  for (const n of nodes) {
    if (n.dest !== null) out.push(n.ctx.id);
    out.push(...targetIds(n.children));
  }
  return out;
}
