// Keeping every ancestor's routing table right as contexts appear and die anywhere in the
// tree: ADD_ROUTE travels up from the new context's parent to the master; DEL_ROUTE travels
// up from where a death was seen, and down to the children that asked for one of the dead
// (ADD_ROUTE [[ids]], routing/interests.ts) so their waiters learn it: one message per link
// per death event, however many contexts died in it.
import { ADD_ROUTE, DEL_ROUTE } from '../wire/protocol.js';
import { installHandle } from '../handles/install.js';
import { payloadOrDrop } from '../handles/payload.js';
import { addRouteHandle } from '../handles/add-route.js';
import { deathPairs, delRouteHandle } from '../handles/del-route.js';
import { encode } from '../wire/codec.js';
import type { HandlePlace } from '../handles/reserved-handle.js';
import type { Link } from '../links/stream.js';
import type { CoreRouter } from './router.js';

export interface RouteHooks {
  /** A context was announced below this one (`parentId` is its parent). */
  onRouteAdded?(id: number, name: string, parentId: number): void;
}

/**
 * The link of child `srcId` when it may speak about context `id`: a context behind it (or
 * becoming so). Never this context, an ancestor, or a context routed through another link.
 */
export function claimantLink(router: CoreRouter, srcId: number, id: number): Link | null {
  const link = router.linkTo(srcId);
  const existing = router.linkTo(id);
  if (link === null || id === router.myId || router.parentIds.includes(id) || (existing !== null && existing !== link)) return null;
  return link;
}

/** Tells the ancestors of `router` about a new child of it. */
export function announceChild(router: CoreRouter, id: number, name: string): void {
  if (router.parent?.alive) router.sendValue(router.parentId, ADD_ROUTE, [id, name, router.myId]);
}

export function installRouteControl(router: CoreRouter, hooks: RouteHooks = {}, place: HandlePlace = 'child'): void {
  // Only a direct child may announce contexts, and only behind itself (the table's policy).
  installHandle(
    router,
    addRouteHandle,
    (msg) => {
      const v = payloadOrDrop(router, addRouteHandle, msg);
      if (v === undefined) return;
      if (v.length === 1) {
        askedFor(router, v[0], router.linkTo(msg.srcId));
        return;
      }
      const [id, name, parentId] = v;
      const link = claimantLink(router, msg.srcId, id);
      if (link === null) {
        router.log('warn', `refused ADD_ROUTE for ${id} from context ${msg.srcId}`);
        return;
      }
      router.addRoute(id, link, parentId);
      router.contextFor(id, name);
      hooks.onRouteAdded?.(id, name, parentId);
      // Routed means running: the lifecycle step goes on the bus (lifecycle/bus.ts).
      router.lifecycle.emit({ id, name, parentId, event: 'BOOTSTRAPPED', reason: null, from: link });
      if (router.parent?.alive) router.sendValue(router.parentId, ADD_ROUTE, [id, name, parentId]);
    },
    place,
  );

  installHandle(
    router,
    delRouteHandle,
    (msg) => {
      const v = payloadOrDrop(router, delRouteHandle, msg);
      if (v === undefined) return;
      const fromParent = msg.authId !== router.myId && router.parentIds.includes(msg.authId);
      const from = fromParent ? router.parent : router.linkTo(msg.srcId);
      if (from === null) return;
      // A child may only report deaths behind itself (checked before any of them is killed:
      // a death takes the routes of the subtree with it).
      const pairs = deathPairs(v);
      router.contextsDied(fromParent ? pairs : pairs.filter(([id]) => router.linkTo(id) === from), from);
    },
    place,
  );

  // Each death event (a context and the subtree that died with it) is told as ONE message
  // carrying every dead id with its reason, once to every neighbour that may not know it and
  // may wait on one of them: the parent unless the news came from there (every ancestor knows
  // the deaths below it), and each other child whose subtree asked for one of the dead ids
  // (routing/interests.ts); never echoed back. A death costs O(depth + the paths to its
  // waiters) messages, whatever the size of the tree or of the dead subtree (bench/simulation.ts).
  router.addDeathsListener((dead, from) => {
    const payload: (number | string)[] = [];
    for (const [id, reason] of dead) payload.push(id, reason);
    const data = encode(payload);
    if (from !== router.parent && router.parent?.alive) router.sendData(router.parentId, DEL_ROUTE, data);
    const interests = router.delivery.interests;
    for (const link of router.childLinks()) {
      if (link !== from && !router.isDead(link.remoteId) && interests.wanted(dead, link)) router.sendData(link.remoteId, DEL_ROUTE, data);
    }
    interests.forget(dead, from !== null && from !== router.parent && !from.alive ? from : null);
  });
}

/** A child asked for the deaths of `ids` (ADD_ROUTE [[ids]]): recorded; those already dead are told at once. */
function askedFor(router: CoreRouter, ids: number[], link: Link | null): void {
  if (link === null) return;
  const dead = router.delivery.interests.record(ids, link);
  if (dead.length === 0) return;
  const payload: (number | string)[] = [];
  for (const [id, reason] of dead) payload.push(id, reason);
  router.sendValue(link.remoteId, DEL_ROUTE, payload);
}
