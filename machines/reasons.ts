// Death reasons shared by the lifecycle machines and the runtime's record of deaths
// (src/core/routing/deaths.ts). Plain functions: no xstate, so the child payload can use them.

/** Why a context that did not finish draining within its grace period died. */
export const GRACE_EXPIRED = 'shutdown grace period expired';
/** The drain reason when none is given. */
export const DEFAULT_DRAIN_REASON = 'shutdown';

/** The reason of a context whose parent died (with the parent's name when known). */
export const parentDiedReason = (parent: string | undefined, reason: string): string =>
  parent === undefined ? `parent context died: ${reason}` : `parent context '${parent}' died: ${reason}`;
