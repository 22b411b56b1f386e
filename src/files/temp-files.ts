// Temporary files of transfers: written next to the destination (so the final rename is
// atomic, on one file system) under a name that says whose they are, and listed in a journal
// per process in the account's temporary directory. A process killed mid-transfer leaves its
// temporary file behind; the next FileService started in that account removes the files of
// every journal whose process is gone (sweepStale).
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
const JOURNALS = join(tmpdir(), `tendril-files-${uid}`);
const journal = join(JOURNALS, `${process.pid}.list`);

/** `.name.tendril-<pid>-<random>.part` in the destination's directory. */
export function tempPathFor(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.tendril-${process.pid}-${randomBytes(4).toString('hex')}.part`);
}

/** True for a name tempPathFor() makes. */
export const isTempName = (name: string): boolean => /^\..*\.tendril-\d+-[0-9a-f]{8}\.part$/.test(name);

/** Records a temporary file before it is created, so that a later process can remove it. */
export function noteTemp(path: string): void {
  mkdirSync(JOURNALS, { recursive: true, mode: 0o700 });
  appendFileSync(journal, `${path}\n`, { mode: 0o600 });
}

/** Removes a temporary file, ignoring one already gone. */
export function removeTemp(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already renamed into place, or never created
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (whose parent died too and nobody reaps it) answers kill(0) but is gone.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Removes the temporary files of processes that died mid-transfer; returns how many. */
export function sweepStale(): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(JOURNALS);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = /^(\d+)\.list$/.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    const path = join(JOURNALS, name);
    let lines: string[] = [];
    try {
      lines = readFileSync(path, 'utf8').split('\n');
    } catch {
      continue;
    }
    for (const line of lines) {
      if (!line || !isTempName(basename(line))) continue;
      try {
        unlinkSync(line);
        removed++;
      } catch {
        // renamed into place or removed before the process died
      }
    }
    removeTemp(path);
  }
  return removed;
}
