// Lifecycle steps crossing processes. Upward: a context that starts a child reports each step
// (STARTED, CONNECTED, DRAINING) to its parent, and every ancestor passes it on, so the master
// sees `via=` and remotely created contexts walk connecting -> bootstrapping like its own
// (running travels as ADD_ROUTE, dead as DEL_ROUTE: route-control.ts). Inward: a broker tells
// its dispatcher every step and every death it learns (CONTEXT_STATE), so code running in the
// dispatcher sees the same lifecycles, and its calls to a context that died settle at once.
import { contextStateHandle } from '../handles/context-state.js';
import { installHandle } from '../handles/install.js';
import { lifecycleHandle, type LifecyclePayload } from '../handles/lifecycle.js';
import { payloadOrDrop } from '../handles/payload.js';
import type { HandlePlace } from '../handles/reserved-handle.js';
import type { Link } from '../links/stream.js';
import { claimantLink } from '../routing/route-control.js';
import type { CoreRouter } from '../routing/router.js';
import { encode } from '../wire/codec.js';
import { NO_REPLY, encodeFrame } from '../wire/protocol.js';

/** Reports steps upward and takes children's reports (every context that may have children). */
export function installLifecycleNotices(router: CoreRouter, place: HandlePlace): void {
  installHandle(
    router,
    lifecycleHandle,
    (msg) => {
      const v = payloadOrDrop(router, lifecycleHandle, msg);
      if (v === undefined) return;
      const [id, name, parentId, event, reason] = v;
      // Only about contexts behind the sender (deaths travel as DEL_ROUTE).
      const link = claimantLink(router, msg.srcId, id);
      if (link === null || event === 'DEAD') {
        router.log('warn', `refused LIFECYCLE ${event} for ${id} from context ${msg.srcId}`);
        return;
      }
      router.lifecycle.emit({ id, name, parentId, event, reason, from: link });
    },
    place,
  );
  router.lifecycle.listen((s) => {
    // Running is announced by ADD_ROUTE, which goes up by itself.
    if (s.event === 'BOOTSTRAPPED' || router.parent === null || !router.parent.alive) return;
    const payload: LifecyclePayload = [s.id, s.name, s.parentId, s.event, s.reason];
    router.sendValue(router.parentId, lifecycleHandle.id, payload);
  });
}

/** A context tells its parent it drains (the request may have come from any ancestor). */
export function reportDraining(router: CoreRouter, id: number, name: string, reason: string): void {
  if (router.parent === null || !router.parent.alive) return;
  const payload: LifecyclePayload = [id, name, router.parentId, 'DRAINING', reason];
  router.sendValue(router.parentId, lifecycleHandle.id, payload);
}

/** In a broker: every step and death it learns, told to its dispatcher over `link`. */
export function tellDispatcher(router: CoreRouter, link: Link): void {
  const tell = (payload: LifecyclePayload): void => {
    if (!link.alive) return;
    link.send(encodeFrame(router.myId, router.myId, router.myId, contextStateHandle.id, NO_REPLY, encode(payload)));
  };
  router.lifecycle.listen((s) => tell([s.id, s.name, s.parentId, s.event, s.reason]));
  router.addDeathListener((id, reason) => {
    tell([id, router.contextById(id)?.name ?? `context-${id}`, router.parentOf(id) ?? -1, 'DEAD', reason]);
  });
}

/** In a dispatcher: what its broker tells, replayed on this thread's router. */
export function listenToBroker(router: CoreRouter): void {
  installHandle(router, contextStateHandle, (msg) => {
    const v = payloadOrDrop(router, contextStateHandle, msg);
    if (v === undefined) return;
    const [id, name, parentId, event, reason] = v;
    router.contextFor(id, name);
    if (parentId >= 0) router.noteParent(id, parentId);
    if (event === 'DEAD') router.contextDied(id, reason ?? 'dead', router.parent);
    else router.lifecycle.emit({ id, name, parentId, event, reason, from: router.parent });
  });
}
