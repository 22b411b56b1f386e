import type { Context } from '../core/context.js';

/** Options every connection method accepts. */
export interface CommonOptions {
  /** Shown in `ps` as `tendril:<name>` and in logs. */
  name?: string;
  /** The node binary on the target, or an argv (binary then extra arguments). */
  nodePath?: string | string[];
  /** Give up connecting after this many ms (default 30000). */
  connectTimeout?: number;
  debug?: boolean;
  unidirectional?: boolean;
  /** Start the connection from this context instead of the master. */
  via?: Context;
  /** Extra environment variables for the target. */
  env?: Record<string, string>;
}

export interface LocalOptions extends CommonOptions {
  /** Working directory of the child (default: the master's). */
  cwd?: string;
}
