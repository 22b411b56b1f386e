// The extra Node binaries that target tests run children on, as fetched by
// scripts/fetch-node.mjs into .cache/node/<version>/bin/node.
import { accessSync, constants, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Versions `node scripts/fetch-node.mjs` fetches by default (keep in sync with it). */
export const EXPECTED_NODE_VERSIONS: readonly string[] = ['14.21.3', '16.20.2', '18.20.8', '22.23.3'];

/** Oldest Node a child supports (see src/parent/first-stage.ts). */
export const MIN_SUPPORTED_MAJOR = 16;

const CACHE = fileURLToPath(new URL('../../.cache/node/', import.meta.url));

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const byVersion = (a: string, b: string): number => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
};

/** Every Node binary present under .cache/node, oldest first. */
export function nodeBinaries(): { version: string; path: string }[] {
  let entries: string[];
  try {
    entries = readdirSync(CACHE);
  } catch {
    return [];
  }
  return entries
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .sort(byVersion)
    .map((version) => ({ version, path: `${CACHE}${version}/bin/node` }))
    .filter((b) => isExecutable(b.path));
}

/**
 * The binaries present. On CI (`CI=true`) every expected version must be there, so a
 * missing one fails the test run instead of silently testing less; elsewhere a test uses
 * what it finds (possibly nothing) and should skip the rest.
 */
export function requireNodeBinaries(): { version: string; path: string }[] {
  const present = nodeBinaries();
  if (process.env.CI === 'true') {
    const have = new Set(present.map((b) => b.version));
    const missing = EXPECTED_NODE_VERSIONS.filter((v) => !have.has(v));
    if (missing.length) {
      throw new Error(
        `Node ${missing.join(', ')} missing under .cache/node: run \`node scripts/fetch-node.mjs\` first`,
      );
    }
  }
  return present;
}

/** Binaries a child must run on (the supported ones), oldest first. */
export function supportedNodeBinaries(): { version: string; path: string }[] {
  return requireNodeBinaries().filter((b) => Number(b.version.split('.')[0]) >= MIN_SUPPORTED_MAJOR);
}

/** Binaries too old to host a child (there to test the refusal). */
export function unsupportedNodeBinaries(): { version: string; path: string }[] {
  return requireNodeBinaries().filter((b) => Number(b.version.split('.')[0]) < MIN_SUPPORTED_MAJOR);
}
