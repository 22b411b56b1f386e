// In-memory links between CoreRouters in one process: what a stream does, without a process
// at the other end. Each frame is copied (a sender may reuse its buffer, as over a real
// stream) and delivered on a later microtask, so handlers that answer asynchronously work.
import type { Link } from '../../../src/core/links/stream.js';
import type { CoreRouter } from '../../../src/core/routing/router.js';

export class MemLink implements Link {
  alive = true;
  peer!: MemLink;
  /** Frames sent over this end (for tests that count round trips). */
  sent = 0;

  constructor(
    readonly label: string,
    readonly remoteId: number,
    readonly owner: CoreRouter,
  ) {}

  send(frame: Uint8Array): void {
    if (!this.alive) return;
    this.sent++;
    const copy = frame.slice();
    const peer = this.peer;
    queueMicrotask(() => {
      if (peer.alive) peer.owner.route(copy, peer);
    });
  }
}

/** A parent-child pair of links: `down` is the parent's end, `up` the child's. */
export interface MemPair {
  down: MemLink;
  up: MemLink;
  /** Both ends die, and each router hears of it (as when a stream closes). */
  cut(reason: string): void;
}

/** Links `child` under `parent` (routes and the child's parent link), as a parent does on bootstrap. */
export function linkChild(parent: CoreRouter, child: CoreRouter): MemPair {
  const down = new MemLink(`${parent.name}->${child.name}`, child.myId, parent);
  const up = new MemLink(`${child.name}->${parent.name}`, parent.myId, child);
  down.peer = up;
  up.peer = down;
  child.parent = up;
  parent.addRoute(child.myId, down);
  return {
    down,
    up,
    cut(reason) {
      if (!down.alive) return;
      down.alive = false;
      up.alive = false;
      parent.linkDied(down, reason);
      child.linkDied(up, reason);
    },
  };
}

/** Resolves after every queued delivery (and what they queued) has run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}
