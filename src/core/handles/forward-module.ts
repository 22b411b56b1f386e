// FORWARD_MODULE: an ancestor asks a context to hold modules ahead of use
// (`ctx.forwardModules()`, src/core/modules/module-preload.ts): the context pulls each one and
// its static graph through its module cache (LOAD_MODULE up its own chain), so every
// intermediate on the way keeps them for its subtree.
import { PARENT_AUTHORITY } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** FORWARD_MODULE (8): data `[specifier, ...]` (calls' module specifiers, resolved from the master's cwd). */
export const forwardModuleHandle: ReservedHandle<string[]> = {
  id: 8,
  name: 'FORWARD_MODULE',
  thread: 'broker',
  handledIn: ['child'],
  policy: PARENT_AUTHORITY,
  data: '[specifier, ...]',
  parse: (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : MALFORMED),
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const forwardModulePurpose =
  'preloading (`ctx.forwardModules()`): the context fetches these modules and their static graphs into its module cache, through every intermediate on the way, ahead of the calls that need them';

/** docs/protocol.md's reply column (docs only: left out of the child payload). */
export const forwardModuleReply =
  '[modules held] once every graph is in the cache, or a CallError naming the module that failed';
