// The contexts one start of a supervised child makes. start() is handed a view of the router
// that records every context created through it (directly or `via:` one another); they
// belong to that incarnation. A start that throws half-way has them shut down at once (and
// any that arrive after it threw); one that succeeds keeps them as the companions of the
// context it returned (the ssh hop of `sudo({ via: ssh })`), which go when it goes.
import type { Context } from '../../core/calls/context.js';
import { ConnectionMethods } from '../../core/routing/connection-methods.js';
import type { ContextTreeNode, Router } from '../router.js';

/** The per-method helpers (local, ssh, ...): they call `this.connect`, which must be the view's. */
const METHOD_HELPERS = new Set<PropertyKey>(Object.getOwnPropertyNames(ConnectionMethods.prototype).filter((n) => n !== 'constructor'));

/** `real`, except that every connect() is reported to `onConnect`. */
function recordingRouter(real: Router, onConnect: (p: Promise<Context>) => void): Router {
  const connect: Router['connect'] = (method, opts) => {
    const p = real.connect(method, opts);
    onConnect(p);
    return p;
  };
  const view: Router = new Proxy(real, {
    get(target, prop) {
      if (prop === 'connect') return connect;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      return METHOD_HELPERS.has(prop) ? (...args: unknown[]) => fn.apply(view, args) : fn.bind(target);
    },
  });
  return view;
}

/** Ids of the contexts on the way from the master to `id`, `id` included (empty if unknown). */
export function pathTo(tree: ContextTreeNode, id: number): number[] {
  const path: number[] = [];
  const find = (node: ContextTreeNode): boolean => {
    path.push(node.id);
    if (node.id === id || node.children.some(find)) return true;
    path.pop();
    return false;
  };
  return find(tree) ? path : [];
}

export class StartScope {
  /** The router to hand to start(). */
  readonly router: Router;
  /** Contexts made so far, in creation order. */
  private readonly made: Context[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Shutdowns of contexts that arrived after the start was discarded. */
  private readonly late: Promise<void>[] = [];
  private main: Context | null = null;
  private discarded = false;

  constructor(real: Router) {
    this.router = recordingRouter(real, (p) => {
      this.inFlight.add(p);
      p.then(
        (ctx) => {
          this.inFlight.delete(p);
          if (this.discarded) this.late.push(shutDownAll([ctx]));
          else this.made.push(ctx);
        },
        () => this.inFlight.delete(p),
      );
    });
  }

  /** The start resolved with `ctx`: the other contexts it made are its companions. */
  keep(ctx: Context): void {
    this.main = ctx;
  }

  /** Companions still alive (latest made first). */
  companions(): Context[] {
    return this.made.filter((c) => c !== this.main && c.state !== 'dead').reverse();
  }

  /** Takes over a companion of another incarnation that this one runs through. */
  adopt(ctx: Context): void {
    if (!this.made.includes(ctx)) this.made.push(ctx);
  }

  /**
   * The start threw, or finished when nobody wanted it any more: shuts down every context it
   * made (`main` too, when given), now and as late ones arrive.
   */
  async discard(main?: Context): Promise<void> {
    this.discarded = true;
    const all = [...this.made];
    if (main && !all.includes(main)) all.push(main);
    this.made.length = 0;
    await shutDownAll(all.reverse());
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.late);
  }

  /**
   * The incarnation is gone: shuts down its companions (latest first), except those another
   * live context runs through (`inUse`, by id), which are returned for their new owner.
   */
  async release(inUse: Set<number>): Promise<Context[]> {
    const companions = this.companions();
    this.made.length = 0;
    const kept = companions.filter((c) => inUse.has(c.id));
    await shutDownAll(companions.filter((c) => !inUse.has(c.id)));
    return kept;
  }

  /** Force-disconnects every companion (the incarnation did not stop in time). */
  kill(router: Router, inUse: Set<number>): void {
    for (const c of this.companions()) if (!inUse.has(c.id)) router.disconnect(c);
  }
}

/** Shuts contexts down one after the other (children before the contexts they run through). */
async function shutDownAll(contexts: Context[]): Promise<void> {
  for (const c of contexts) if (c.state !== 'dead') await c.shutdown({ wait: true }).catch(() => undefined);
}
