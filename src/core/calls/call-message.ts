// The data of a CALL_FUNCTION message: [chainId | null, module, function name, args].
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

export function isCallTuple(v: unknown): v is CallTuple {
  return (
    Array.isArray(v) && v.length === 4 && (v[0] === null || typeof v[0] === 'string') &&
    typeof v[1] === 'string' && typeof v[2] === 'string' && Array.isArray(v[3])
  );
}
