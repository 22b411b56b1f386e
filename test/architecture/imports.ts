// Every import of the project's source, read with TypeScript's parser: static imports (value
// and type), re-exports, dynamic import(), `typeof import()` types, import-equals and
// require() calls (including `createRequire(...)('pkg')`, how optional packages are loaded).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export type ImportKind = 'import' | 'export' | 'dynamic' | 'import-type' | 'require';

export interface ImportEdge {
  /** The importing file, relative to the repo root with `/` separators. */
  from: string;
  line: number;
  specifier: string;
  kind: ImportKind;
  /** Erased at compile time: evaluates nothing. */
  typeOnly: boolean;
  /** A project file (repo-relative), a package name, `node:<builtin>`, or null when unresolved. */
  target: string | null;
  targetKind: 'file' | 'package' | 'builtin' | 'unresolved';
}

/** `.ts` files under the given repo-relative folders, sorted, repo-relative. */
export function sourceFiles(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push(path);
    }
  };
  for (const dir of dirs) walk(dir);
  return out.sort();
}

/** The package an import names: `@scope/name` or `name`, without a subpath. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function resolveTarget(from: string, specifier: string): Pick<ImportEdge, 'target' | 'targetKind'> {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const base = resolve(repoRoot, dirname(from), specifier);
    const candidates = [base.replace(/\.(m|c)?js$/, '.$1ts'), base, `${base}.ts`, join(base, 'index.ts')];
    const found = candidates.find((c) => c.endsWith('.ts') && existsSync(c));
    return found ? { target: relative(repoRoot, found).split(sep).join('/'), targetKind: 'file' } : { target: null, targetKind: 'unresolved' };
  }
  if (specifier.startsWith('node:') || isBuiltin(specifier)) {
    return { target: specifier.startsWith('node:') ? specifier : `node:${specifier}`, targetKind: 'builtin' };
  }
  return { target: packageName(specifier), targetKind: 'package' };
}

/** `require`, `localRequire`, ... or `createRequire(x)`: a call of it with a string loads a module. */
function isRequireCallee(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return /require$/i.test(callee.text);
  return ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'createRequire';
}

/** Every import of one file (repo-relative path). */
export function parseImports(file: string): ImportEdge[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined, kind: ImportKind, typeOnly: boolean): void => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    edges.push({ from: file, line, specifier: spec.text, kind, typeOnly, ...resolveTarget(file, spec.text) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      // `import { type A } from` still loads the module under verbatimModuleSyntax: only
      // `import type` is erased.
      add(node, node.moduleSpecifier, 'import', node.importClause?.isTypeOnly === true);
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, 'export', node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, 'require', node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(node, arg.literal, 'import-type', true);
    } else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0], 'dynamic', false);
      else if (isRequireCallee(node.expression)) add(node, node.arguments[0], 'require', false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

/** import() and require() calls whose argument is not a string: they cannot be checked. */
export function uncheckableLoads(file: string): { line: number; text: string }[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && !ts.isStringLiteralLike(arg)) {
        out.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: node.getText(sf) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Imports of every file, by file. */
export function importGraph(files: string[]): Map<string, ImportEdge[]> {
  return new Map(files.map((f) => [f, parseImports(f)]));
}

/** Files reachable from `start` through value imports (type-only ones evaluate nothing). */
export function valueClosure(graph: Map<string, ImportEdge[]>, start: string): Set<string> {
  const seen = new Set<string>([start]);
  const todo = [start];
  while (todo.length) {
    for (const e of graph.get(todo.pop()!) ?? []) {
      if (e.typeOnly || e.targetKind !== 'file' || seen.has(e.target!)) continue;
      seen.add(e.target!);
      todo.push(e.target!);
    }
  }
  return seen;
}

/** Packages loaded (at run time) by `start` and the project files it loads. */
export function valuePackages(graph: Map<string, ImportEdge[]>, start: string): Set<string> {
  const out = new Set<string>();
  for (const f of valueClosure(graph, start)) {
    for (const e of graph.get(f) ?? []) if (!e.typeOnly && e.targetKind === 'package') out.add(e.target!);
  }
  return out;
}
