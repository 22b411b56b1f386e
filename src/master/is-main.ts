import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * True only in the master, for its entry module: guard an entry script's top-level code with
 * `if (isMain(import.meta))` so it does not run again where the module is loaded remotely.
 */
export function isMain(meta: { url: string }): boolean {
  if (!meta.url.startsWith('file:')) return false;
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    const self = realpathSync(fileURLToPath(meta.url));
    const main = realpathSync(entry);
    return self === main || self.replace(/\.[cm]?[jt]s$/, '') === main.replace(/\.[cm]?[jt]s$/, '');
  } catch {
    return false;
  }
}
