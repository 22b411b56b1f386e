// The data of a CALL_FUNCTION message: [chainId | null, module, function name, args], and a
// fifth element when the caller may cancel the call (checked on arrival by
// src/core/handles/call-function.ts): the milliseconds it allows, or null for no deadline.
import { encodeFrameGathered } from '../wire/codec.js';
import { normalizeModuleSpec } from './module-spec.js';

export type CallTuple =
  | [chainId: string | null, module: string, fn: string, args: unknown[]]
  | [chainId: string | null, module: string, fn: string, args: unknown[], limit: number | null];

/**
 * Encodes a call after a reserved frame header (router.sendFrame writes it in place);
 * arguments are validated with paths that read `args[i]...`.
 */
export function encodeCall(
  chainId: string | null,
  module: string | URL,
  fn: string,
  args: unknown[],
  limit?: number | null,
): Uint8Array | Uint8Array[] {
  if (typeof fn !== 'string' || fn === '') throw new TypeError('the function name of a call must be a non-empty string');
  const spec = normalizeModuleSpec(module);
  try {
    const tuple: CallTuple = limit === undefined ? [chainId, spec, fn, args] : [chainId, spec, fn, args, limit];
    return encodeFrameGathered(tuple, 'call');
  } catch (e) {
    if (e instanceof TypeError) e.message = e.message.replace(/call\[3\]/, 'args');
    throw e;
  }
}
