// Whether dist/ is already what scripts/build.mjs would make: a sha256 over every input (src/,
// machines/, scripts/, package.json, the lock file, the tsconfigs: their paths and contents)
// is kept in dist/.build-stamp.json with the list of files the build wrote. Contents, not
// mtimes: a checkout, a touch or a clock step can never make a stale dist/ look fresh.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const INPUT_DIRS = ['src', 'machines', 'scripts'];
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && !e.name.endsWith('.tmp')) out.push(p);
  }
}

/** The digest of the build's inputs. */
export function inputDigest(root) {
  const files = [];
  for (const d of INPUT_DIRS) walk(join(root, d), files);
  for (const f of INPUT_FILES) if (existsSync(join(root, f))) files.push(join(root, f));
  const hash = createHash('sha256');
  for (const f of files.sort()) {
    hash.update(relative(root, f)).update('\0');
    try {
      hash.update(readFileSync(f));
    } catch {
      hash.update('(unreadable)');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** What dist/ holds after a build: its files (not dist/types, which tsc owns), relative. */
function outputs(dist) {
  const files = [];
  walk(dist, files);
  return files.map((f) => relative(dist, f)).filter((f) => !f.startsWith('types/') && f !== '.build-stamp.json');
}

export function buildStamp(root, dist, { types }) {
  const path = join(dist, '.build-stamp.json');
  let digest = inputDigest(root);
  return {
    /** True when the last complete build had these very inputs (and types, if asked) and its files are all there. */
    fresh() {
      let saved;
      try {
        saved = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        return false;
      }
      if (saved.digest !== digest || (types && !saved.types)) return false;
      if (types && !existsSync(join(dist, 'types'))) return false;
      if (!saved.files.every((f) => existsSync(join(dist, f)) && statSync(join(dist, f)).isFile())) return false;
      // Up to date by content: give the outputs a fresh mtime, so that checks comparing
      // mtimes (test/architecture/bundles.test.ts) agree after a touch or a checkout.
      const now = new Date();
      for (const f of saved.files) utimesSync(join(dist, f), now, now);
      return true;
    },
    /** Inputs changed during the build (generated tables): the stamp records them as they are now. */
    refresh() {
      digest = inputDigest(root);
    },
    /** Called last, once everything is written. */
    save() {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ digest, types, files: outputs(dist) }, null, 1));
      renameSync(tmp, path);
    },
  };
}
