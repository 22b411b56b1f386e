// Version checks with semver, an npm package that exists only in the master's node_modules.
import semver from 'semver';

export interface NodeCheck {
  version: string;
  ok: boolean;
  /** Why not, when not ok. */
  advice: string | null;
}

export function checkNode(version: string, range: string): NodeCheck {
  const clean = semver.clean(version) ?? version;
  if (semver.satisfies(clean, range)) return { version: clean, ok: true, advice: null };
  const min = semver.minVersion(range);
  return { version: clean, ok: false, advice: `upgrade to ${min ? `>= ${min.version}` : range}` };
}
