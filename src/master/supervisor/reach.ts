// Whether a supervised child can be reached: up to stay (its context), never again (a
// SupervisorError saying why), or not yet (wait). whenUp() asks on every change of the
// supervisor and of its ancestors.
import type { Context } from '../../core/calls/context.js';
import { SupervisorError } from './error.js';
import type { SupervisorState } from './types.js';

/** What reachability needs of a supervisor. */
export interface SupervisorNode {
  readonly name: string;
  readonly state: SupervisorState;
  readonly parent: SupervisorNode | null;
}

/** Child `id`'s context (`ctx`, its current one) if it is up to stay, a SupervisorError if it can never be up again, null to wait. */
export function reach(sup: SupervisorNode, id: string, ctx: Context | null | undefined): Context | SupervisorError | null {
  const state = sup.state;
  const ch = state.children[id]!;
  const end = endOf(sup);
  if (end) {
    const last = ch.lastError ? `; child '${id}' last error: ${ch.lastError}` : '';
    return new SupervisorError(`${end.why}${last}`, { supervisor: sup.name, child: id, status: end.status, lastError: ch.lastError ?? end.failure });
  }
  if (state.status === 'running' && (ch.status === 'failed' || ch.status === 'stopped')) {
    return new SupervisorError(`child '${id}' is ${ch.status}${ch.lastError ? `: ${ch.lastError}` : ''} (supervisor ${sup.name})`, {
      supervisor: sup.name, child: id, status: ch.status, lastError: ch.lastError,
    });
  }
  const steady = state.status === 'running' && ch.status === 'up' && !ch.stopQueued && steadyInParents(sup);
  return steady && ctx && ctx.state !== 'dead' ? ctx : null;
}

/** Why `sup` will never run again (it or an ancestor stopped or failed for good), or null. */
function endOf(sup: SupervisorNode): { why: string; status: string; failure: string | null } | null {
  const s = sup.state;
  const p = sup.parent;
  const own = { why: `supervisor ${sup.name} is ${s.status}${s.failure ? `: ${s.failure}` : ''}`, status: s.status, failure: s.failure };
  if (!p) return s.status === 'running' ? null : own;
  const above = endOf(p);
  if (above) return { ...above, why: `${above.why} (it holds supervisor ${sup.name})` };
  // A parent that is failing or restarting will start this one again from scratch.
  if (p.state.status !== 'running') return null;
  const entry = p.state.children[sup.name];
  return entry && (entry.status === 'stopped' || entry.status === 'failed') ? own : null;
}

/** No ancestor is about to stop `sup` (for its own strategy or its shutdown). */
function steadyInParents(sup: SupervisorNode): boolean {
  for (let s = sup; s.parent; s = s.parent) {
    const entry = s.parent.state.children[s.name];
    if (s.parent.state.status !== 'running' || !entry || entry.status !== 'up' || entry.stopQueued) return false;
  }
  return true;
}
