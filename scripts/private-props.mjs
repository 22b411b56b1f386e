// The property names the child payload's build may shorten (esbuild mangleProps): names of
// TypeScript `private` members of src/core classes that appear nowhere else. esbuild renames a
// property name everywhere in a bundle, so a name is taken only if every occurrence of it as a
// property in src/ (any bundle, the master too) resolves, by the type checker, to a private
// member of a core class; a name also read on a Node object, an interface, an object literal,
// through `any`, or written as a string anywhere in src/ (`obj['name']`, `'name' in obj`) stays.
// Members of Error classes stay too (their own properties travel, and show in stacks and logs).
//
// Usage: `privateProps(root)` -> { names: the names to shorten, sorted; others: every other
// property name seen in src/ (the build reserves them, so that no short name equals one).
import { createRequire } from 'node:module';
import { join } from 'node:path';

export function privateProps(root) {
  const ts = createRequire(join(root, 'package.json'))('typescript');
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const srcDir = join(root, 'src') + '/';
  const coreDir = join(root, 'src/core') + '/';
  const program = ts.createProgram(config.fileNames.filter((f) => f.startsWith(srcDir)), config.options);
  const checker = program.getTypeChecker();
  const files = program.getSourceFiles().filter((f) => f.fileName.startsWith(srcDir));

  const isErrorClass = (cls) => {
    for (let t = checker.getTypeAtLocation(cls); t; ) {
      if (t.symbol?.name === 'Error') return true;
      const bases = t.isClass() ? checker.getBaseTypes(t) : [];
      t = bases[0];
    }
    return false;
  };
  /** Whether a declaration is a private member of a core class that is not an Error. */
  const isPrivateCore = (d) => {
    if (!d.getSourceFile().fileName.startsWith(coreDir)) return false;
    const mods = ts.canHaveModifiers(d) ? ts.getModifiers(d) ?? [] : [];
    if (!mods.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) return false;
    const cls = ts.isParameter(d) ? d.parent.parent : d.parent;
    return ts.isClassLike(cls) && !isErrorClass(cls);
  };

  const candidates = new Set();
  const excluded = new Set();
  const note = (name, decls) => {
    if (decls.length > 0 && decls.every(isPrivateCore)) candidates.add(name);
    else excluded.add(name);
  };
  for (const sf of files) {
    const visit = (n) => {
      if (ts.isStringLiteralLike(n)) excluded.add(n.text);
      let nameNode = null;
      if (ts.isPropertyAccessExpression(n)) nameNode = n.name;
      else if ((ts.isPropertyAssignment(n) || ts.isMethodDeclaration(n) || ts.isPropertyDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n) || ts.isPropertySignature(n) || ts.isMethodSignature(n)) && n.name) nameNode = n.name;
      else if (ts.isShorthandPropertyAssignment(n)) nameNode = n.name;
      else if (ts.isBindingElement(n) && ts.isObjectBindingPattern(n.parent)) nameNode = n.propertyName ?? n.name;
      else if (ts.isParameter(n) && ts.isParameterPropertyDeclaration(n, n.parent)) nameNode = n.name;
      if (nameNode && (ts.isIdentifier(nameNode) || ts.isPrivateIdentifier(nameNode))) {
        if (ts.isPrivateIdentifier(nameNode)) {
          // #fields: esbuild shortens those itself.
        } else if (ts.isShorthandPropertyAssignment(n) || ts.isBindingElement(n)) {
          excluded.add(nameNode.text);
        } else {
          const sym = ts.isParameter(n) || ts.isClassElement(n) ? checker.getSymbolAtLocation(nameNode) : checker.getSymbolAtLocation(nameNode);
          note(nameNode.text, sym?.declarations ?? []);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { names: [...candidates].filter((n) => !excluded.has(n)).sort(), others: [...excluded].sort() };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { names } = privateProps(join(new URL('.', import.meta.url).pathname, '..'));
  console.log(`${names.length} names: ${names.join(' ')}`);
}
