// The layers of tendril and what each may import (README "Layout", issue 9):
//   core     runs in every context and is the child payload: core only, node builtins, rxjs, msgpackr (the wire codec);
//            from machines/ only what evaluates without xstate (generated tables), or types
//   parent   creating children (shipped on demand): core, parent
//   methods  one file per connection method (shipped on demand): core, parent, methods
//   master   master only (src/master, src/index.ts): anything in src and machines
//   machines pure XState definitions: machines and xstate, nothing else (not even node builtins)
//   files    file transfer (src/files, issue 13): core, files, and the package root, through
//            which FileService (served to children) imports tendril
// Packages must be runtime dependencies of package.json; each layer names the ones it may load.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ImportEdge, repoRoot, valuePackages } from './imports.js';

export type Layer = 'core' | 'parent' | 'methods' | 'master' | 'machines' | 'files';

export function layerOf(file: string): Layer | null {
  // fakessh runs only in the master (it spawns local programs and serves their ssh).
  if (file === 'src/index.ts' || file.startsWith('src/master/') || file.startsWith('src/fakessh/')) return 'master';
  // The tendril command line is a master program built on the package root.
  if (file.startsWith('src/cli/')) return 'master';
  if (file.startsWith('src/files/')) return 'files';
  const m = /^src\/(core|parent|methods)\//.exec(file);
  if (m) return m[1] as Layer;
  return file.startsWith('machines/') ? 'machines' : null;
}

/** Project layers a layer may import from. */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  core: ['core', 'machines'], // machines: restricted further below
  parent: ['core', 'parent'],
  methods: ['core', 'parent', 'methods'],
  master: ['core', 'parent', 'methods', 'master', 'machines', 'files'],
  machines: ['machines'],
  files: ['core', 'files', 'master'],
};

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
// Optional ones (node-pty: it compiles from source) are runtime dependencies that may be missing.
const DEPENDENCIES = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];

/**
 * Packages a layer may load. node-pty and ssh2 are loaded with createRequire only in the
 * master (src/master/methods.ts installs them), never bundled for a child.
 */
const MAY_LOAD: Record<Layer, readonly string[]> = {
  core: ['rxjs', 'msgpackr'],
  parent: ['rxjs', 'node-pty'],
  methods: ['rxjs', 'ssh2'],
  master: DEPENDENCIES,
  machines: ['xstate'],
  files: ['rxjs'],
};

const BUILTINS_ALLOWED: Record<Layer, boolean> = { core: true, parent: true, methods: true, master: true, machines: false, files: true };

/** Why this import breaks the layering, or null when it is allowed. */
export function layerViolation(edge: ImportEdge, graph: Map<string, ImportEdge[]>): string | null {
  const from = layerOf(edge.from);
  if (!from) return null;
  const where = `${edge.from}:${edge.line} (${from}) ${edge.typeOnly ? 'type-imports' : 'imports'} '${edge.specifier}'`;
  switch (edge.targetKind) {
    case 'unresolved':
      return `${where}: no such file`;
    case 'builtin':
      return BUILTINS_ALLOWED[from] ? null : `${where}: ${from} may not use node builtins`;
    case 'package':
      if (!DEPENDENCIES.includes(edge.target!)) return `${where}: not a dependency in package.json`;
      return MAY_LOAD[from].includes(edge.target!) ? null : `${where}: ${from} may load only ${MAY_LOAD[from].join(', ')}`;
    case 'file': {
      const to = layerOf(edge.target!);
      if (!to) return `${where}: ${edge.target} is outside src/ and machines/`;
      if (!MAY_IMPORT[from].includes(to)) {
        const allowed = MAY_IMPORT[from].map((l) => (from === 'core' && l === 'machines' ? 'machines without xstate' : l));
        return `${where}: ${from} may import only ${allowed.join(', ')}`;
      }
      if (from === 'files' && to === 'master' && edge.target !== 'src/index.ts' && !edge.typeOnly) {
        return `${where}: files may import the master only through the package root (src/index.ts)`;
      }
      if (from === 'core' && to === 'machines' && !edge.typeOnly) {
        const pulled = valuePackages(graph, edge.target!);
        if (pulled.size) return `${where}: that machine loads ${[...pulled].join(', ')}, which the child payload must not carry`;
      }
      return null;
    }
  }
}
