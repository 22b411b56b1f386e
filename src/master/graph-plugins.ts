// esbuild plugins of the module finder's graph walk: what it records (files loaded, native
// addons met) and what it leaves out (tendril itself, which every child has built in).
import type { Plugin } from 'esbuild';
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TENDRIL_MODULE_ID } from '../core/modules/child-api.js';

/** Records every file esbuild loads, so that a failed graph can be stamped like a good one. */
export function loadRecorder(seen: Set<string>): Plugin {
  return {
    name: 'tendril-load-recorder',
    setup(b) {
      b.onLoad({ filter: /.*/ }, (args) => {
        if (args.namespace === 'file') seen.add(args.path);
        return undefined;
      });
    },
  };
}

/** Marks native addons so the whole graph can be refused with the package named. */
export function nativeAddonPlugin(found: string[]): Plugin {
  return {
    name: 'tendril-native-addons',
    setup(b) {
      b.onResolve({ filter: /\.node$/ }, (args) => {
        const path = isAbsolute(args.path) ? args.path : resolvePath(args.resolveDir, args.path);
        found.push(path);
        return { path, external: true };
      });
    },
  };
}

/** The package (under the last node_modules) a path belongs to, or the path itself. */
export function packageOf(path: string): string {
  const parts = path.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return path;
  const first = parts[at + 1] ?? '';
  return first.startsWith('@') ? `${first}/${parts[at + 2]}` : first;
}

/** tendril's own entry module on the master (src/index.ts, or dist/index.js when built). */
const OWN_ENTRIES = new Set(
  ['../index.ts', '../index.js', './index.js'].map((rel) => {
    try {
      return realpathSync(fileURLToPath(new URL(rel, import.meta.url)));
    } catch {
      return '';
    }
  }).filter(Boolean),
);

/** Imports of tendril itself stay external: the child has the runtime built in. */
export function ownPackagePlugin(): Plugin {
  return {
    name: 'tendril-own-package',
    setup(b) {
      b.onResolve({ filter: /^tendril$/ }, () => ({ path: TENDRIL_MODULE_ID, external: true }));
      b.onResolve({ filter: /(^|\/)index(\.[cm]?[jt]s)?$/ }, (args) => {
        if (!args.path.startsWith('.') && !isAbsolute(args.path)) return undefined;
        const base = resolvePath(args.resolveDir, args.path).replace(/\.[cm]?[jt]s$/, '');
        for (const ext of ['.ts', '.js']) {
          let real = '';
          try {
            real = realpathSync(base + ext);
          } catch {
            continue;
          }
          if (OWN_ENTRIES.has(real)) return { path: TENDRIL_MODULE_ID, external: true };
        }
        return undefined;
      });
    },
  };
}
