// One concept per file: no source file over 400 lines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot, sourceFiles } from './imports.js';

const MAX_LINES = 400;

it(`no file in src/ has more than ${MAX_LINES} lines`, () => {
  const files = sourceFiles('src');
  expect(files.length).toBeGreaterThan(50);
  const lines = (f: string): number => readFileSync(join(repoRoot, f), 'utf8').split('\n').length - 1;
  const long = files.filter((f) => lines(f) > MAX_LINES).map((f) => `${f}: ${lines(f)} lines`);
  expect(long).toEqual([]);
});
