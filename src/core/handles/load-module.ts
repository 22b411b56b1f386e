// LOAD_MODULE: a child asks its parent for a module (src/core/modules/module-cache.ts in a
// child, src/master/module-responder.ts in the master; docs/protocol.md section 5).
import type { LoadModuleRequest } from '../modules/module-protocol.js';
import { ANYONE, IMMEDIATE_CHILD } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** LOAD_MODULE (7): data `[specifier, importerId | nil]` (an importer that is not a string reads as nil). */
export const loadModuleHandle: ReservedHandle<LoadModuleRequest> = {
  id: 7,
  name: 'LOAD_MODULE',
  thread: 'broker',
  handledIn: ['master', 'child'],
  policy: IMMEDIATE_CHILD,
  // The master owns every module: it answers whoever asks.
  masterPolicy: ANYONE,
  data: '[specifier, importerId | nil]',
  parse: (v) => (Array.isArray(v) && typeof v[0] === 'string' ? [v[0], typeof v[1] === 'string' ? v[1] : null] : MALFORMED),
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const loadModulePurpose =
  "a child asks its parent for a module and the modules of its static graph it lacks or holds in an older version; an intermediate answers from its cache after checking with its own parent (freshness tokens)";

/** docs/protocol.md's reply column (docs only: left out of the child payload). */
export const loadModuleReply =
  '{root, error, modules, graph?, tokens?}, each module [id, format, source, importMap] (section 5)';
