// What the bundles a child receives are made of (esbuild metafiles written by scripts/build.mjs):
// the child payload is core + msgpackr (rxjs is on demand), the on-demand parent and methods bundles carry no
// master-only file and none of the master's packages, and share only the core modules the
// broker offers them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreModules } from '../../src/core/child/core-modules.js';
import { type ImportEdge, importGraph, repoRoot, sourceFiles } from './imports.js';
import { layerOf } from './layers.js';

interface Metafile {
  inputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

/** Reads dist/<name>.meta.json, refusing one older than a file it was built from. */
function metafile(name: string): Metafile {
  const path = join(repoRoot, 'dist', `${name}.meta.json`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run node scripts/build.mjs`);
  const meta = JSON.parse(readFileSync(path, 'utf8')) as Metafile;
  const built = statSync(path).mtimeMs;
  const stale = Object.keys(meta.inputs).filter((f) => !f.startsWith('node_modules/') && (!existsSync(join(repoRoot, f)) || statSync(join(repoRoot, f)).mtimeMs > built));
  if (stale.length) throw new Error(`dist/${name}.meta.json is older than ${stale.join(', ')}: run node scripts/build.mjs`);
  return meta;
}

/** The npm package an input of node_modules belongs to. */
function packageOf(input: string): string | null {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? m[1]! : null;
}

const MASTER_PACKAGES = ['xstate', 'esbuild', 'ssh2', 'node-pty'];
const graph = importGraph(sourceFiles('src', 'machines'));

/** Project files a bundle may not contain, with why: master files, and files that load a master package. */
function forbiddenInputs(meta: Metafile, projectImports: Map<string, ImportEdge[]> = graph): string[] {
  const out: string[] = [];
  for (const [input, { imports }] of Object.entries(meta.inputs)) {
    const pkg = packageOf(input);
    if (pkg && MASTER_PACKAGES.includes(pkg)) out.push(`${input}: package ${pkg}`);
    if (input.startsWith('src/') && layerOf(input) === 'master') out.push(`${input}: master-only file`);
    for (const i of imports) if (MASTER_PACKAGES.includes(i.path)) out.push(`${input}: imports ${i.path}`);
    // createRequire('pkg') is invisible to esbuild: the project's own import graph sees it.
    for (const e of projectImports.get(input) ?? []) {
      if (!e.typeOnly && e.targetKind === 'package' && MASTER_PACKAGES.includes(e.target!)) out.push(`${input}:${e.line}: loads ${e.target}`);
    }
  }
  return out;
}

describe('bundles', () => {
  it('the child payload is src/core plus msgpackr (rxjs and the first stage are not in it)', () => {
    const inputs = Object.keys(metafile('core').inputs);
    expect(inputs).toContain('src/core/child/child-main.ts');
    // machines/ files may come in only without xstate (generated tables): forbiddenInputs says.
    const foreign = inputs.filter((f) => !(f.startsWith('src/core/') || f.startsWith('machines/') || packageOf(f) === 'msgpackr'));
    expect(foreign).toEqual([]);
    // Left to on-demand bundles (scripts/build.mjs): only a child that needs them loads them.
    expect(inputs.filter((f) => packageOf(f) === 'rxjs' || f === 'src/core/child/first-stage.ts')).toEqual([]);
    expect(forbiddenInputs(metafile('core'))).toEqual([]);
  });

  it.each(['parent', 'methods'])('the %s bundle has no master file, xstate, esbuild, ssh2 or node-pty', (name) => {
    const meta = metafile(name);
    expect(Object.keys(meta.inputs).some((f) => f.startsWith('src/methods/'))).toBe(true);
    expect(forbiddenInputs(meta)).toEqual([]);
    // Core is not bundled again: it comes from the broker, which must offer every module asked
    // for; only the first stage (pure, and not in the payload) comes as the bundle's own copy.
    expect(Object.keys(meta.inputs).filter((f) => f.startsWith('src/core/'))).toEqual(['src/core/child/first-stage.ts']);
    const shared = Object.values(meta.inputs).flatMap((i) => i.imports.filter((x) => x.external && x.path.startsWith('tendril-core:')).map((x) => x.path.slice('tendril-core:'.length)));
    expect(shared.filter((m) => !(m in coreModules))).toEqual([]);
  });

  it('recognises a bundle that pulls what it must not', () => {
    const bad: Metafile = {
      inputs: {
        'node_modules/xstate/dist/xstate.cjs.js': { imports: [] },
        'src/master/router.ts': { imports: [] },
        'src/parent/pty.ts': { imports: [] },
        'src/methods/ssh.ts': { imports: [{ path: 'ssh2', external: true }] },
      },
    };
    // As the parser reports `createRequire(import.meta.url)('node-pty')`: invisible to esbuild.
    const hidden: ImportEdge = {
      from: 'src/parent/pty.ts', line: 7, specifier: 'node-pty', kind: 'require', typeOnly: false, target: 'node-pty', targetKind: 'package',
    };
    expect(forbiddenInputs(bad, new Map([['src/parent/pty.ts', [hidden]]]))).toEqual([
      'node_modules/xstate/dist/xstate.cjs.js: package xstate',
      'src/master/router.ts: master-only file',
      'src/parent/pty.ts:7: loads node-pty',
      'src/methods/ssh.ts: imports ssh2',
    ]);
  });
});
