// scripts/build-stamp.mjs: the build is skipped only when every input is byte-for-byte what
// the last complete build saw, and its files are all there.
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { buildStamp } from '../../scripts/build-stamp.mjs';

interface Stamp {
  fresh(): boolean;
  refresh(): void;
  save(): void;
}
const stampOf = (root: string, types: boolean): Stamp => (buildStamp as (r: string, d: string, o: { types: boolean }) => Stamp)(root, join(root, 'dist'), { types });

function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'tendril-stamp-'));
  mkdirSync(join(root, 'src/core'), { recursive: true });
  mkdirSync(join(root, 'dist/types'), { recursive: true });
  writeFileSync(join(root, 'src/core/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'package.json'), '{}');
  writeFileSync(join(root, 'dist/index.js'), 'built');
  return root;
}

describe('build stamp', () => {
  it('fresh only after a save with the same inputs; a changed, added or removed input, or a missing output, rebuilds', () => {
    const root = project();
    try {
      expect(stampOf(root, true).fresh()).toBe(false); // never built
      stampOf(root, true).save();
      expect(stampOf(root, true).fresh()).toBe(true);
      expect(stampOf(root, false).fresh()).toBe(true); // a build with types covers one without
      // A touch alone changes nothing: contents count, not times.
      utimesSync(join(root, 'src/core/a.ts'), new Date(), new Date(Date.now() + 60_000));
      expect(stampOf(root, true).fresh()).toBe(true);
      // ...and the outputs are given a newer mtime than the touched input (mtime checks agree).
      expect(statSync(join(root, 'dist/index.js')).mtimeMs).toBeGreaterThanOrEqual(Date.now() - 5_000);
      writeFileSync(join(root, 'src/core/a.ts'), 'export const a = 2;\n');
      expect(stampOf(root, true).fresh()).toBe(false);
      stampOf(root, true).save();
      writeFileSync(join(root, 'src/core/b.ts'), '');
      expect(stampOf(root, true).fresh()).toBe(false);
      rmSync(join(root, 'src/core/b.ts'));
      expect(stampOf(root, true).fresh()).toBe(true);
      rmSync(join(root, 'dist/index.js'));
      expect(stampOf(root, true).fresh()).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a build without types does not stand for one with types', () => {
    const root = project();
    try {
      stampOf(root, false).save();
      expect(stampOf(root, false).fresh()).toBe(true);
      expect(stampOf(root, true).fresh()).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
