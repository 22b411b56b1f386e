// Who is dead in this process, and why. Every death goes through one Deaths (one per router):
// a death found here (a stream ended, a heartbeat stopped, the lifecycle said so) and one
// reported by a neighbour (DEL_ROUTE) are the same event, recorded once, with one reason.
//
// The reason rule (the lifecycle machines follow the same one, machines/context.ts): the
// first reason recorded wins. A context that was draining dies with its drain reason however
// it ends, unless its grace period ran out (a reason starting with GRACE_EXPIRED); otherwise the context whose death was detected gets the detected reason, and every
// context below it (their parents are known from ADD_ROUTE) dies with
// `parent context '<name>' died: <the parent's reason>`, computed top-down, so every process
// that learns of a subtree's death records the same reasons.
import { GRACE_EXPIRED, parentDiedReason } from '../../../machines/reasons.js';

export { GRACE_EXPIRED };
import type { Link } from '../links/stream.js';

/** Told of each death once, top-down; `from` is the link the news came on (null: seen here). */
export type DeathListener = (id: number, reason: string, from: Link | null) => void;

/** Told once per death event: every context it killed, `[id, reason]`, parents first. */
export type DeathsListener = (dead: readonly [number, string][], from: Link | null) => void;

export class Deaths {
  private readonly reasons = new Map<number, string>();
  private readonly parentOf = new Map<number, number>();
  private readonly childrenOf = new Map<number, Set<number>>();
  private readonly drainReasons = new Map<number, string>();

  /** Records that `id` was started by `parentId` (direct children, ADD_ROUTE). */
  setParent(id: number, parentId: number): void {
    if (this.parentOf.get(id) === parentId) return;
    this.parentOf.set(id, parentId);
    let set = this.childrenOf.get(parentId);
    if (!set) this.childrenOf.set(parentId, (set = new Set()));
    set.add(id);
  }

  parent(id: number): number | undefined {
    return this.parentOf.get(id);
  }

  /** Live contexts started by `id`, as far as this process knows. */
  children(id: number): number[] {
    const set = this.childrenOf.get(id);
    return set ? [...set].filter((c) => !this.reasons.has(c)) : [];
  }

  isDead(id: number): boolean {
    return this.reasons.has(id);
  }

  reason(id: number): string | undefined {
    return this.reasons.get(id);
  }

  /** `id` started draining: this becomes its reason when it dies (first reason wins). */
  draining(id: number, reason: string): void {
    if (!this.reasons.has(id) && !this.drainReasons.has(id)) this.drainReasons.set(id, reason);
  }

  /** A route for `id` appeared again (only tests reuse ids): it is alive. */
  revive(id: number): void {
    this.reasons.delete(id);
  }

  /**
   * Marks `id` and every live context below it dead. Returns the newly dead with their
   * reasons, parents before children (nothing when `id` was already dead).
   */
  kill(id: number, reason: string, nameOf: (id: number) => string): [number, string][] {
    if (this.reasons.has(id)) return [];
    const out: [number, string][] = [];
    const visit = (at: number, detected: string): void => {
      const why = detected.startsWith(GRACE_EXPIRED) ? detected : this.drainReasons.get(at) ?? detected;
      this.drainReasons.delete(at);
      this.reasons.set(at, why);
      out.push([at, why]);
      const below = this.childrenOf.get(at);
      if (!below) return;
      for (const child of below) {
        if (!this.reasons.has(child)) visit(child, parentDiedReason(nameOf(at), why));
      }
    };
    visit(id, reason);
    return out;
  }
}
