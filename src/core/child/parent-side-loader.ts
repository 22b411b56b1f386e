// Loads the parent bundle (src/methods/parent-entry.ts, built into dist/parent.bundle.js) the
// first time this child must start a child of its own. It arrives like any module
// (LOAD_MODULE 'tendril:parent') and runs in the broker with the broker's own core modules.
import type { ChildConfig } from './child-config.js';
import { runBundle } from './on-demand.js';
import type { Message } from '../messaging/message.js';
import type { ModuleCache } from '../modules/module-cache.js';
import type { CoreRouter } from '../routing/router.js';

export const PARENT_BUNDLE_ID = 'tendril:parent';
export interface ParentSide {
  createChild(msg: Message): Promise<void>;
  /** `cascade`: why this context is going down, when its parent did not ask it to. */
  shutdownAll(cascade?: string): Promise<void>;
}

/** Loads another on-demand bundle (e.g. METHODS_BUNDLE_ID) and returns its exports. */
export type LoadBundle = (id: string) => Promise<unknown>;

type CreateParentSide = (router: CoreRouter, config: ChildConfig, payload: Uint8Array, loadBundle: LoadBundle) => ParentSide;

/** The connection methods other than local, for a child that becomes a parent (src/methods/remote-entry.ts). */
export const METHODS_BUNDLE_ID = 'tendril:methods';

/** Requester id of the broker itself in the module cache. */
const BROKER = -2;

export async function loadParentSide(router: CoreRouter, cache: ModuleCache, config: ChildConfig, payload: Uint8Array): Promise<ParentSide> {
  const exports = (await loadBundle(cache, PARENT_BUNDLE_ID)) as { createParentSide?: CreateParentSide };
  if (typeof exports.createParentSide !== 'function') throw new Error('the parent bundle has no createParentSide');
  return exports.createParentSide(router, config, payload, (id) => loadBundle(cache, id));
}

/** A bundle's bytes; one over the message size limit comes in parts, fetched together and joined. */
async function fetchBundle(cache: ModuleCache, id: string): Promise<Uint8Array | string> {
  const reply = await cache.serve(BROKER, id, null);
  const entry = reply.modules.find((m) => m[0] === id);
  if (reply.error !== null || entry === undefined) throw new Error(`cannot load ${id}: ${reply.error ?? 'not in the reply'}`);
  if (entry[1] !== 'chunked') return entry[2];
  const parts = await Promise.all(Array.from({ length: Number(entry[2]) }, (_, k) => fetchBundle(cache, `${id}#${k}`)));
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

/** Fetches a bundle built by scripts/build.mjs through the module cache and runs it in the broker. */
async function loadBundle(cache: ModuleCache, id: string): Promise<unknown> {
  return runBundle(await fetchBundle(cache, id), id);
}
