// Failures on the master's side of a transfer, as CallErrors with the errno code, like the
// remote ones (API.md: "a missing source, a refused path, a full disk are CallErrors with the
// code"), so callers handle both sides one way.
import { CallError } from '../core/errors.js';

export function localError(e: unknown, what: string): CallError {
  if (e instanceof CallError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : 'EIO';
  const type = err instanceof Error ? err.constructor.name : typeof e;
  return new CallError(type, `${what}: ${err?.message ?? String(e)}`, err?.stack ?? '', { id: 0, name: 'master' }, { code });
}
