// LOAD_MODULE: a child asks its parent for a module; the reply carries the module and every
// module of its static graph the child lacks (or holds in an older version), with the
// freshness token of each. docs/protocol.md describes it.

/** [specifier, importer id or null]. */
export type LoadModuleRequest = [specifier: string, importer: string | null];

/**
 * [id (absolute path on the master), format, source, import map]. The source of tendril's own
 * parent bundle travels brotli-compressed (a Uint8Array); user modules are plain strings. A
 * bundle over the message size limit is 'chunked': its source is the number of parts, each a
 * module of its own (`<id>#<k>`, master/bundle-reply.ts).
 */
export type WireModule = [id: string, format: 'esm' | 'cjs' | 'json' | 'chunked', source: string | Uint8Array, imports: Record<string, string>];

export interface LoadModuleReply {
  /** What the specifier resolved to (an id, or `node:x`), null on error. */
  root: string | null;
  error: string | null;
  modules: WireModule[];
  /**
   * Every module id of the root's static graph (those sent and those the asker already had),
   * so an intermediate context can serve the same graph to its own children from its cache.
   */
  graph?: string[];
  /**
   * Each graph module's freshness token, in the order of `graph` (from the master: a hash of
   * the file's stamp and import map). A cache compares tokens to tell a current copy from an
   * old one; a module whose token changed is sent again.
   */
  tokens?: number[];
}
