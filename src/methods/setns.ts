// setns: enter a container's namespaces directly (as root), without its engine's exec. Node
// has no setns(2), so util-linux nsenter does it: the container's leader pid comes from its
// engine (docker inspect, lxc-info, lxc query, machinectl show), then
//   nsenter -t PID -m -u -i -n -p [-S UID -G GID] -- sh -c '<node line>'
// The lookup runs in a local /bin/sh (never a login shell), so it may use $(...). With
// username, the account's uid/gid are looked up inside the container (nsenter -m id).
import { StreamError } from '../core/errors.js';
import type { LaunchSpec } from '../parent/connection.js';
import { execSpec, required } from './exec-spec.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { SetnsOptions } from '../core/routing/connection-options.js';
import { shellQuote } from '../parent/shell-quote.js';

function leaderPidCommand(o: SetnsOptions, name: string): string[] {
  switch (o.kind) {
    case 'docker':
      return [o.dockerPath ?? 'docker', 'inspect', '--format', '{{.State.Pid}}', name];
    case 'lxc':
      return [o.lxcInfoPath ?? 'lxc-info', '-H', '-p', '-n', name];
    case 'lxd':
      return [o.lxcPath ?? 'lxc', 'query', `/1.0/instances/${name}/state`];
    case 'machinectl':
      return [o.machinectlPath ?? 'machinectl', 'show', '--property=Leader', '--value', name];
    default:
      throw new StreamError(`setns: kind must be 'docker', 'lxc', 'lxd' or 'machinectl', not ${JSON.stringify(o.kind)}`);
  }
}

export function setnsLaunch(opts: SetnsOptions, node: NodeLaunch): LaunchSpec {
  const name = required(opts.container, 'container', 'setns');
  const lookup = shellQuote(leaderPidCommand(opts, name));
  // lxd's query answers JSON: take its "pid" field.
  const pick = opts.kind === 'lxd' ? ` | sed -n 's/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p'` : '';
  const nsenter = shellQuote([opts.nsenterPath ?? 'nsenter']);
  // The account is looked up in the container's own /etc/passwd.
  const who = opts.username !== undefined ? shellQuote([opts.username]) : null;
  const script =
    `pid=$(${lookup}${pick}) && [ -n "$pid" ] && [ "$pid" != 0 ] || { echo "setns: cannot find the leader pid of ${opts.kind} container ${name.replace(/[^\w.-]/g, '')}" >&2; exit 1; }; ` +
    (who ? `uid=$(${nsenter} -t "$pid" -m -- id -u ${who}) && gid=$(${nsenter} -t "$pid" -m -- id -g ${who}) || exit 1; ` : '') +
    `exec ${nsenter} -t "$pid" -m -u -i -n -p ${who ? '-S "$uid" -G "$gid" ' : ''}-- "$@"`;
  return execSpec(`setns context '${opts.name}' (${opts.kind} ${name})`, ['/bin/sh', '-c', script, 'setns'], opts, node);
}

/** `setns.<container>`. */
setnsLaunch.defaultName = (opts: SetnsOptions): string => `setns.${opts.container}`;
