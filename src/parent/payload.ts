// The bundles built by scripts/build.mjs: the core bundle every child is bootstrapped with
// (brotli-compressed), and the parent bundle a child receives when it becomes a parent.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cache = new Map<string, Buffer>();

/** dist/<name>, found from src/ (tests, tsx) or from dist/ itself (the built package). */
function distFile(name: string): Buffer {
  const hit = cache.get(name);
  if (hit) return hit;
  for (const dir of ['./', '../../dist/', '../dist/']) {
    const path = fileURLToPath(new URL(dir + name, import.meta.url));
    if (existsSync(path)) {
      const data = readFileSync(path);
      cache.set(name, data);
      return data;
    }
  }
  throw new Error(`tendril: dist/${name} is missing: run \`npm run build\``);
}

/** The compressed core bundle. */
export function corePayload(): Uint8Array {
  return distFile('core.bundle.br');
}

/** The parent bundle (src/methods/parent-entry.ts), brotli-compressed JavaScript. */
export function parentBundle(): Uint8Array {
  return distFile('parent.bundle.br');
}

/** The connection methods other than local (src/methods/remote-entry.ts), for intermediates. */
export function methodsBundle(): Uint8Array {
  return distFile('methods.bundle.br');
}

/** The dispatcher's on-demand core parts (src/core/child/on-demand.ts): shell runner, streams, 'tendril'. */
export function extrasBundle(): Uint8Array {
  return distFile('extras.bundle.br');
}
