// A supervisor's state as lines of text (describe(), describeTree()).
import type { SupervisorState } from './types.js';

/** Lines describing a supervisor state, nested ones indented; ages measured from `now` (the supervisor's clock). */
export function describeSupervisor(s: SupervisorState, now = Date.now()): string[] {
  const limit = s.intensityScope === 'child' ? `${s.intensity} restarts per child` : `${s.recentRestarts}/${s.intensity} restarts`;
  const head = `supervisor ${s.name} [${s.strategy}] ${s.status}${s.failure ? ` (${s.failure})` : ''}, ${limit} in ${s.period} ms`;
  const out = [head];
  const ids = Object.keys(s.children);
  ids.forEach((id, i) => {
    const ch = s.children[id]!;
    const last = i === ids.length - 1;
    const age = ((now - ch.since) / 1000).toFixed(1);
    const ctx = ch.contextId !== null ? ` context #${ch.contextId}` : '';
    const delay = ch.status === 'restarting' && ch.delay !== null ? ` (backoff ${ch.delay} ms)` : '';
    const queued = ch.stopQueued ? ' (to be restarted with its set)' : '';
    const err = ch.lastError ? `, last error: ${ch.lastError}` : '';
    out.push(`${last ? '└─' : '├─'} ${id}: ${ch.status}${delay}${queued}${ctx} for ${age} s, ${ch.restarts} restarts${err}`);
    if (ch.supervisor) for (const line of describeSupervisor(ch.supervisor, now)) out.push(`${last ? '   ' : '│  '}${line}`);
  });
  return out;
}
