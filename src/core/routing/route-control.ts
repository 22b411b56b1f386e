// Keeping every ancestor's routing table right as contexts appear and die anywhere in the
// tree: ADD_ROUTE travels up from the new context's parent to the master; DEL_ROUTE travels
// up from where a death was seen, and down to every child so their receivers learn it too.
import { decode } from '../wire/codec.js';
import { ADD_ROUTE, DEL_ROUTE } from '../wire/protocol.js';
import type { CoreRouter } from './router.js';

export interface RouteHooks {
  /** A context was announced below this one (`parentId` is its parent). */
  onRouteAdded?(id: number, name: string, parentId: number): void;
}

/** Tells the ancestors of `router` about a new child of it. */
export function announceChild(router: CoreRouter, id: number, name: string): void {
  if (router.parent?.alive) router.sendValue(router.parentId, ADD_ROUTE, [id, name, router.myId]);
}

export function installRouteControl(router: CoreRouter, hooks: RouteHooks = {}): void {
  router.addHandler(
    (msg) => {
      const v = decode(msg.data);
      if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'string' || typeof v[2] !== 'number') return;
      const [id, name, parentId] = v as [number, string, number];
      const link = router.linkTo(msg.srcId);
      const existing = router.linkTo(id);
      // A child may not claim this context, an ancestor, or a context routed elsewhere.
      if (link === null || id === router.myId || router.parentIds.includes(id) || (existing !== null && existing !== link)) {
        router.log('warn', `refused ADD_ROUTE for ${id} from context ${msg.srcId}`);
        return;
      }
      router.addRoute(id, link);
      router.contextFor(id, name);
      hooks.onRouteAdded?.(id, name, parentId);
      if (router.parent?.alive) router.sendValue(router.parentId, ADD_ROUTE, [id, name, parentId]);
    },
    // Only a direct child may announce contexts, and only behind itself.
    { handle: ADD_ROUTE, policy: router.isImmediateChild },
  );

  router.addHandler(
    (msg) => {
      const v = decode(msg.data);
      if (!Array.isArray(v) || typeof v[0] !== 'number') return;
      const fromParent = msg.authId !== router.myId && router.parentIds.includes(msg.authId);
      // A child may only report deaths behind itself.
      if (!fromParent && router.linkTo(v[0]) !== router.linkTo(msg.srcId)) return;
      router.contextDied(v[0], String(v[1] ?? 'dead'), fromParent);
    },
    { handle: DEL_ROUTE, policy: (m, l) => router.isImmediateChild(m, l) || router.hasParentAuthority(m) },
  );

  router.addDeathListener((id, reason, fromParent) => {
    if (!fromParent && router.parent?.alive) router.sendValue(router.parentId, DEL_ROUTE, [id, reason]);
    for (const link of router.childLinks()) {
      if (link.remoteId !== id) router.sendValue(link.remoteId, DEL_ROUTE, [id, reason]);
    }
  });
}
