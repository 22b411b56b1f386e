// Death reasons shared by the lifecycle machines and the runtime's record of deaths
// (src/core/routing/deaths.ts). Plain functions: no xstate, so the child payload can use them.

/** The reason of a context whose parent died (with the parent's name when known). */
export const parentDiedReason = (parent: string | undefined, reason: string): string =>
  parent === undefined ? `parent context died: ${reason}` : `parent context '${parent}' died: ${reason}`;
