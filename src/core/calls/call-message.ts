// The data of a CALL_FUNCTION message: [chainId | null, module, function name, args]
// (checked on arrival by src/core/handles/call-function.ts).
import { encodeFrameGathered } from '../wire/codec.js';
import { normalizeModuleSpec } from './module-spec.js';

export type CallTuple = [chainId: string | null, module: string, fn: string, args: unknown[]];

/**
 * Encodes a call after a reserved frame header (router.sendFrame writes it in place);
 * arguments are validated with paths that read `args[i]...`.
 */
export function encodeCall(chainId: string | null, module: string | URL, fn: string, args: unknown[]): Uint8Array | Uint8Array[] {
  if (typeof fn !== 'string' || fn === '') throw new TypeError('the function name of a call must be a non-empty string');
  const spec = normalizeModuleSpec(module);
  try {
    return encodeFrameGathered([chainId, spec, fn, args], 'call');
  } catch (e) {
    if (e instanceof TypeError) e.message = e.message.replace(/call\[3\]/, 'args');
    throw e;
  }
}
