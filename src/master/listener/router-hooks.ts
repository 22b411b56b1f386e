// The router's death and lifecycle buses have no removal: a listener registering its own
// callbacks on every router.listen() would leave two behind per listen/close, for the
// router's lifetime. So each router gets one pair, registered the first time, which hands the
// news to the listeners open now; a listener leaves the set when it closes.
import type { LifecycleStep } from '../../core/lifecycle/bus.js';
import type { CoreRouter } from '../../core/routing/router.js';

/** What an open listener hears about the router's contexts. */
export interface RouterWatcher {
  contextDied(id: number, reason: string): void;
  lifecycleStep(step: LifecycleStep): void;
}

const watchers = new WeakMap<CoreRouter, Set<RouterWatcher>>();

/** Starts telling `w` about `router`'s deaths and lifecycle steps; returns the removal. */
export function watchRouter(router: CoreRouter, w: RouterWatcher): () => void {
  let set = watchers.get(router);
  if (!set) {
    const live = new Set<RouterWatcher>();
    set = live;
    watchers.set(router, live);
    router.addDeathListener((id, reason) => {
      for (const x of live) x.contextDied(id, reason);
    });
    router.lifecycle.listen((s) => {
      for (const x of live) x.lifecycleStep(s);
    });
  }
  set.add(w);
  const mine = set;
  return () => void mine.delete(w);
}
