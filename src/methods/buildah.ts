// buildah: `buildah run [--user USER] CONTAINER -- sh -c '<node line>'` (a working container).
import type { LaunchSpec } from '../parent/connection.js';
import { execSpec, required } from './exec-spec.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { BuildahOptions } from '../core/routing/connection-options.js';

export function buildahLaunch(opts: BuildahOptions, node: NodeLaunch): LaunchSpec {
  const container = required(opts.container, 'container', 'buildah');
  const user = opts.username !== undefined ? ['--user', opts.username] : [];
  return execSpec(`buildah context '${opts.name}' (${container})`, [opts.buildahPath ?? 'buildah', 'run', ...user, container, '--'], opts, node);
}

/** `buildah.<container>`. */
buildahLaunch.defaultName = (opts: BuildahOptions): string => `buildah.${opts.container}`;
