// How the module finder tells a file (or folder) changed since it was served: a stamp of
// mtime, size and inode (an editor that saves by renaming a new file over the old one may keep
// the mtime on coarse file systems).
import { statSync } from 'node:fs';

/** The stamp of `path` now; '-' when it does not exist. */
export const stamp = (path: string): string => {
  try {
    const st = statSync(path);
    return `${st.mtimeMs}/${st.size}/${st.ino}`;
  } catch {
    return '-';
  }
};

/** True when every path still has the stamp recorded. */
export function unchanged(stamps: Map<string, string>): boolean {
  for (const [path, t] of stamps) if (stamp(path) !== t) return false;
  return true;
}
