// LXC family: lxc (classic, `lxc-attach --clear-env -n NAME -- ...`), lxd (`lxc exec NAME
// --mode=non-interactive -- ...`) and incus (`incus exec NAME --mode=non-interactive -- ...`).
import type { LaunchSpec } from '../parent/connection.js';
import { execSpec, required } from './exec-spec.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { IncusOptions, LxcOptions, LxdOptions } from '../core/routing/connection-options.js';

export function lxcLaunch(opts: LxcOptions, node: NodeLaunch): LaunchSpec {
  const name = required(opts.container, 'container', 'lxc');
  return execSpec(`lxc context '${opts.name}' (${name})`, [opts.lxcAttachPath ?? 'lxc-attach', '--clear-env', '-n', name, '--'], opts, node);
}

export function lxdLaunch(opts: LxdOptions, node: NodeLaunch): LaunchSpec {
  const name = required(opts.container, 'container', 'lxd');
  return execSpec(`lxd context '${opts.name}' (${name})`, [opts.lxcPath ?? 'lxc', 'exec', name, '--mode=non-interactive', '--'], opts, node);
}

export function incusLaunch(opts: IncusOptions, node: NodeLaunch): LaunchSpec {
  const name = required(opts.container, 'container', 'incus');
  return execSpec(`incus context '${opts.name}' (${name})`, [opts.incusPath ?? 'incus', 'exec', name, '--mode=non-interactive', '--'], opts, node);
}

/** `lxc.<container>`. */
lxcLaunch.defaultName = (opts: LxcOptions): string => `lxc.${opts.container}`;

/** `lxd.<container>`. */
lxdLaunch.defaultName = (opts: LxdOptions): string => `lxd.${opts.container}`;

/** `incus.<container>`. */
incusLaunch.defaultName = (opts: IncusOptions): string => `incus.${opts.container}`;
