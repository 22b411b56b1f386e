// Helpers of the file transfer tests: random files of a given size, their sha256, a scratch
// directory per test file, and the fault mounts of test/hosts/up.sh.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, openSync, closeSync, writeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATE_DIR } from '../hosts/hosts.js';

/** up.sh's 1 MiB tmpfs and read-only tmpfs. */
export const FULL_DIR = `${STATE_DIR}/files/full`;
export const RO_DIR = `${STATE_DIR}/files/ro`;

/** The sizes issue 13 names (the 300 MiB case is separate). */
export const SIZES = [0, 1, 64 * 1024 - 1, 64 * 1024 + 1];

/** A scratch directory any account can write into (ssh and sudo targets write there too). */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tendril-${name}-`));
  chmodSync(dir, 0o1777);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes `size` random bytes to `path` (in 4 MiB pieces); returns its sha256. */
export function randomFile(path: string, size: number, mode = 0o644): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'w', mode);
  try {
    const piece = 4 << 20;
    for (let done = 0; done < size; ) {
      const buf = randomBytes(Math.min(piece, size - done));
      hash.update(buf);
      writeSync(fd, buf);
      done += buf.byteLength;
    }
  } finally {
    closeSync(fd);
  }
  chmodSync(path, mode);
  return hash.digest('hex');
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const sameBytes = (a: string, b: string): boolean => readFileSync(a).equals(readFileSync(b));

/** Names in `dir` that are temporary files of a transfer. */
export function tempFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.tendril-') && n.endsWith('.part'));
}
