// TypeScript to what a child runs, with esbuild: ESM (or CJS) with an inline source map and
// no source text (the child maps stack frames to lines; it never needs the original).
import { build } from 'esbuild';
import { dirname } from 'node:path';
import { ModuleNotServable } from './graph-errors.js';

/** Several ESM files in one esbuild pass: each id's output text (ids esbuild skipped are absent). */
export async function transpileMany(ids: readonly string[]): Promise<Map<string, string>> {
  const result = await build({
    entryPoints: [...ids],
    bundle: false,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    sourcemap: 'inline',
    sourcesContent: false,
    target: 'node16',
    logLevel: 'silent',
    // Each output lands beside its source (never written), so map sources stay relative to it.
    outdir: '/',
    outbase: '/',
    absWorkingDir: '/',
  });
  const byPath = new Map(result.outputFiles.map((f) => [f.path, f.text] as const));
  const out = new Map<string, string>();
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    if (!info.entryPoint) continue;
    const text = byPath.get(`/${file}`);
    if (text !== undefined) out.set(`/${info.entryPoint}`, text);
  }
  return out;
}

/** One file; a syntax error is a ModuleNotServable naming its line. */
export async function transpileOne(id: string, format: 'esm' | 'cjs'): Promise<string> {
  // A build of this one file (not a transform) so that the file's own tsconfig applies:
  // imports are kept or dropped exactly as tsc would emit them for this project
  // (verbatimModuleSyntax keeps side-effect-only imports of otherwise unused modules).
  const out = await build({
    entryPoints: [id],
    bundle: false,
    write: false,
    format,
    platform: 'node',
    sourcemap: 'inline',
    sourcesContent: false,
    target: 'node16',
    logLevel: 'silent',
    outfile: `${id}.served.js`,
    absWorkingDir: dirname(id),
  }).catch((e: { errors?: { text: string; location?: { line: number; column: number } | null }[] }) => {
    const err = e.errors?.[0];
    throw new ModuleNotServable(`syntax error in ${id}:${err?.location?.line ?? '?'}:${err?.location ? err.location.column + 1 : '?'}: ${err?.text ?? String(e)}`);
  });
  const file = out.outputFiles.find((f) => f.path.endsWith('.served.js')) ?? out.outputFiles[0]!;
  return file.text;
}
