// Who may wait on which contexts, so that a death goes only where someone can be waiting on it
// (issue 15: a death costs O(its subtree + the paths to its waiters), not O(tree)).
//
// Asking (every context with a parent, every thread): a context this process may wait on (a
// Context object was made for it, or a handler awaits it as respondent) whose death would not
// reach it anyway (it is not this context, an ancestor, or behind it) is asked of the parent
// once: ADD_ROUTE [[id, ...]], the ids of one turn together. Recording (route-control.ts): a
// parent records each child link's asks per id and asks its own parent in turn for an id not
// behind it, so asks climb to the lowest common ancestor, which sees every death behind it. A
// death goes down a link only if that link asked for one of its ids; an ask for a context
// already dead is answered at once with its death, so an ask racing the death ends its waiters.
// Nothing here runs per message: one set lookup per respondent once its id was seen.
import type { Link } from '../links/stream.js';
import { ADD_ROUTE } from '../wire/protocol.js';
import type { CoreRouter } from './router.js';

export class Interests {
  /** Ids this router looked at once (asked for, or needless to ask for). */
  private readonly considered = new Set<number>();
  /** Ids asked of the parent: their deaths come down to this router. */
  private readonly asked = new Set<number>();
  /** Contexts started below this one (a lifecycle step named them: a child being connected). */
  private readonly below = new Set<number>();
  private pending: number[] = [];
  private scheduled = false;
  /** Id -> the child links whose subtrees asked for it. */
  private readonly byId = new Map<number, Set<Link>>();

  constructor(private readonly router: CoreRouter) {
    // Every step on the bus is about a context below this one (lifecycle/bus.ts).
    router.lifecycle.listen((s) => void this.below.add(s.id));
    // A dead context is never asked for again (isDead says so): what was kept for it goes.
    router.addDeathListener((id) => {
      this.considered.delete(id);
      this.asked.delete(id);
      this.below.delete(id);
    });
  }

  /** This process may wait on `id` (a Context object, a handler's respondent). */
  consider(id: number): void {
    if (this.router.parentIds.length === 0 || this.considered.has(id)) return;
    this.considered.add(id);
    this.enqueue(id);
  }

  /** A child link asks for the deaths of `ids`; returns those already dead (answered at once). */
  record(ids: readonly number[], link: Link): [number, string][] {
    const r = this.router;
    const dead: [number, string][] = [];
    for (const id of ids) {
      if (id === r.myId || r.parentIds.includes(id) || r.linkTo(id) === link) continue;
      const reason = r.deadReason(id);
      if (reason !== undefined) {
        dead.push([id, reason]);
        continue;
      }
      let links = this.byId.get(id);
      if (links === undefined) this.byId.set(id, (links = new Set()));
      links.add(link);
      if (r.parentIds.length > 0) this.enqueue(id);
    }
    return dead;
  }

  /** Did `link` ask for one of the dead ids? */
  wanted(dead: readonly [number, string][], link: Link): boolean {
    for (const [id] of dead) if (this.byId.get(id)?.has(link) === true) return true;
    return false;
  }

  /** The dead ids' asks are done with (their deaths were told); a dead child link's asks go with it. */
  forget(dead: readonly [number, string][], deadLink: Link | null): void {
    for (const [id] of dead) this.byId.delete(id);
    if (deadLink === null) return;
    for (const [id, links] of this.byId) if (links.delete(deadLink) && links.size === 0) this.byId.delete(id);
  }

  private enqueue(id: number): void {
    this.pending.push(id);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.flush);
  }

  /** A turn's asks, as one message (kept while there is no parent link yet: the next ask sends them). */
  private readonly flush = (): void => {
    const r = this.router;
    this.scheduled = false;
    if (r.parent === null || !r.parent.alive) return;
    const ids = this.pending;
    this.pending = [];
    const ask: number[] = [];
    for (const id of ids) {
      if (this.asked.has(id) || !this.needed(id)) continue;
      this.asked.add(id);
      ask.push(id);
    }
    if (ask.length > 0) r.sendValue(r.parentId, ADD_ROUTE, [ask]);
  };

  /** The death of `id` would not reach this router by itself: it is not here, above or below. */
  private needed(id: number): boolean {
    const r = this.router;
    if (id === r.myId || r.parentIds.includes(id) || r.linkTo(id) !== null || r.isDead(id) || this.below.has(id)) return false;
    let at = r.parentOf(id);
    for (let hops = 0; at !== undefined && hops < 256; hops++, at = r.parentOf(at)) if (at === r.myId) return false;
    return true;
  }
}
