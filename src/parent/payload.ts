// The core bundle shipped to every child, brotli-compressed at build time (scripts/build.mjs).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: Uint8Array | null = null;

const CANDIDATES = ['./core.bundle.br', '../../dist/core.bundle.br', '../dist/core.bundle.br'];

/** The compressed core bundle. */
export function corePayload(): Uint8Array {
  if (cached) return cached;
  for (const rel of CANDIDATES) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return (cached = readFileSync(path));
  }
  throw new Error('tendril: the child payload (dist/core.bundle.br) is missing: run `npm run build`');
}

/** `[u32 length][bytes]`, the framing of both bootstrap records. */
export function lengthPrefixed(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + bytes.byteLength);
  out.writeUInt32BE(bytes.byteLength, 0);
  out.set(bytes, 4);
  return out;
}
