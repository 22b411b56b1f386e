// What a reserved handle is: one module per handle in this folder describes its number, name,
// the shape of its data, which thread of a child runs it, and who may send it. The router,
// the broker/dispatcher split, log lines and docs/protocol.md all read these descriptors.
// Leaf module: it imports types only, so src/core/wire/protocol.ts can derive from the table.
import type { HandlePolicy } from './handle-policy.js';

/** The thread of a child that runs a handle's handler: the broker (main) or the dispatcher (user code). */
export type HandleThread = 'broker' | 'dispatcher';

/** The kinds of context that install a handler for a handle. */
export type HandlePlace = 'master' | 'child';

/** What a handle's `parse` returns for data of the wrong shape. */
export const MALFORMED: unique symbol = Symbol('malformed');

/** One reserved protocol handle (numbers below FIRST_USER_HANDLE). */
export interface ReservedHandle<T = unknown> {
  /** The handle number on the wire. */
  readonly id: number;
  /** The name in logs, dead-message reasons and docs. */
  readonly name: string;
  /** Which thread of a child handles it (the broker hands dispatcher handles over). */
  readonly thread: HandleThread;
  /** Where a handler is installed; empty for handles reserved but unused. */
  readonly handledIn: readonly HandlePlace[];
  /** Who may send it (checked before the handler runs; a refusal gets a dead reply). */
  readonly policy: HandlePolicy;
  /** The master's policy, where it differs from `policy`. */
  readonly masterPolicy?: HandlePolicy;
  /** The data, as error messages and docs state it. */
  readonly data: string;
  // The reply as docs state it is not here but in HANDLE_DOCS (index.ts): docs prose stays out of the payload.
  /**
   * Shape check of the decoded data: the payload the handler works with (possibly
   * normalised), or MALFORMED. It allocates nothing beyond what it returns.
   */
  readonly parse: (value: unknown) => T | typeof MALFORMED;
}
