// The API reference (docs/reference/, TypeDoc from src/index.ts) is complete and current:
// TypeDoc fails on any public export, member or parameter type without TSDoc
// (validation.notDocumented, notExported, invalidLink, treatWarningsAsErrors in typedoc.json),
// and the committed pages are exactly what it generates now (`npm run docs` rewrites them).
// TypeDoc lets a class without a comment inherit its base class's: the second test requires
// every export's own declaration to carry one.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, expect, it } from 'vitest';
import { repoRoot } from './imports.js';

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'tendril-reference-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else found.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return found;
}

it('every public export is documented, and docs/reference/ is what TypeDoc generates', { timeout: 120_000 }, async () => {
  const typedoc = join(repoRoot, 'node_modules/typedoc/bin/typedoc');
  const result = await run(process.execPath, [typedoc, '--out', out, '--logLevel', 'Warn'], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, output: e.stdout + e.stderr }),
  );
  expect(result.output.split('\n').filter((l) => /warning|error/i.test(l))).toEqual([]);
  expect(result.code).toBe(0);
  const generated = files(out);
  expect(generated.size).toBeGreaterThan(20);
  const committed = files(join(repoRoot, 'docs/reference'));
  const stale = [...new Set([...generated.keys(), ...committed.keys()])].filter((f) => generated.get(f) !== committed.get(f));
  expect(stale, 'docs/reference/ is out of date: run npm run docs').toEqual([]);
});

it('every name src/index.ts exports has its own TSDoc comment (none inherited from a base class)', { timeout: 60_000 }, () => {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(repoRoot, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram([join(repoRoot, 'src/index.ts')], { ...parsed!.options, noEmit: true });
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(join(repoRoot, 'src/index.ts'))!)!;
  const exported = checker.getExportsOfModule(index);
  expect(exported.length).toBeGreaterThan(50);
  const undocumented: string[] = [];
  for (const name of exported) {
    const symbol = name.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(name) : name;
    for (const d of symbol.declarations ?? []) {
      const node = ts.isVariableDeclaration(d) ? d.parent.parent : d;
      if (ts.getJSDocCommentsAndTags(node).length === 0) undocumented.push(`${name.name} (${relative(repoRoot, d.getSourceFile().fileName)})`);
    }
  }
  expect(undocumented).toEqual([]);
});
