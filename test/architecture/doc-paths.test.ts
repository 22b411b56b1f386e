// The docs walk readers through the source by file name: every src/... path they name must exist
// (a rename that leaves the docs pointing at a file that is gone fails here).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from './imports.js';

const docs = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

it('every src/ file the README and docs/*.md name exists', () => {
  const named = docs.flatMap((doc) =>
    [...readFileSync(join(repoRoot, doc), 'utf8').matchAll(/\bsrc\/[\w/.-]+\.(?:ts|mjs|js)\b/g)].map((m) => ({ doc, path: m[0] })),
  );
  expect(named.length).toBeGreaterThan(20);
  expect(named.filter(({ path }) => !existsSync(join(repoRoot, path))).map(({ doc, path }) => `${doc}: ${path}`)).toEqual([]);
});
