// FreeBSD jails: `jexec [-U USER] JAIL sh -c '<node line>'`.
import type { LaunchSpec } from '../parent/connection.js';
import { execSpec, required } from './exec-spec.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { JailOptions } from '../core/routing/connection-options.js';

export function jailLaunch(opts: JailOptions, node: NodeLaunch): LaunchSpec {
  const jail = required(opts.container, 'container', 'jail');
  const user = opts.username !== undefined ? ['-U', opts.username] : [];
  return execSpec(`jail context '${opts.name}' (${jail})`, [opts.jexecPath ?? 'jexec', ...user, jail], opts, node);
}

/** `jail.<jail>`. */
jailLaunch.defaultName = (opts: JailOptions): string => `jail.${opts.container}`;
