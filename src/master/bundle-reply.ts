// Replies for tendril's own on-demand bundles (the parent side, the connection methods): one
// module when the bundle fits the message size limit, else numbered parts (`tendril:parent#0`,
// ...) that the child's loader fetches and joins (src/core/child/parent-side-loader.ts), so an
// intermediate can become a parent whatever its maxMessageSize.
import { METHODS_BUNDLE_ID, PARENT_BUNDLE_ID } from '../core/child/parent-side-loader.js';
import { EXTRAS_BUNDLE_ID } from '../core/child/on-demand.js';
import type { LoadModuleReply } from '../core/modules/module-protocol.js';
import { extrasBundle, methodsBundle, parentBundle } from '../parent/payload.js';

const BUNDLES: Record<string, () => Uint8Array> = { [PARENT_BUNDLE_ID]: parentBundle, [METHODS_BUNDLE_ID]: methodsBundle, [EXTRAS_BUNDLE_ID]: extrasBundle };

/** Room for the reply's own encoding around a part. */
const REPLY_OVERHEAD = 1024;

/** The reply for `specifier` if it names a bundle or a part of one, else null. */
export function bundleReply(specifier: string, maxMessageSize: number): LoadModuleReply | null {
  const [id, partText] = specifier.split('#');
  const load = Object.prototype.hasOwnProperty.call(BUNDLES, id) ? BUNDLES[id] : undefined;
  if (load === undefined) return null;
  const bundle = load();
  const room = Math.max(REPLY_OVERHEAD, maxMessageSize - REPLY_OVERHEAD);
  const parts = Math.ceil(bundle.byteLength / room);
  if (partText === undefined) {
    return parts <= 1
      ? { root: id, error: null, modules: [[id, 'cjs', bundle, {}]], graph: [id] }
      : { root: id, error: null, modules: [[id, 'chunked', String(parts), {}]], graph: [id] };
  }
  const k = Number(partText);
  if (!Number.isInteger(k) || k < 0 || k >= parts) return { root: null, error: `${id} has no part ${partText}`, modules: [] };
  return { root: specifier, error: null, modules: [[specifier, 'cjs', bundle.subarray(k * room, (k + 1) * room), {}]], graph: [specifier] };
}
