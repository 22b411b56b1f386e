// kubectl: `kubectl [kubectlArgs] exec -i POD [-c CONTAINER] -- sh -c '<node line>'`.
import type { LaunchSpec } from '../parent/connection.js';
import { execSpec, required } from './exec-spec.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { KubectlOptions } from '../core/routing/connection-options.js';

export function kubectlLaunch(opts: KubectlOptions, node: NodeLaunch): LaunchSpec {
  const pod = required(opts.pod, 'pod', 'kubectl');
  const container = opts.container !== undefined ? ['-c', required(opts.container, 'container', 'kubectl')] : [];
  const tool = [opts.kubectlPath ?? 'kubectl', ...(opts.kubectlArgs ?? []), 'exec', '-i', pod, ...container, '--'];
  return execSpec(`kubectl context '${opts.name}' (${pod}${opts.container ? `/${opts.container}` : ''})`, tool, opts, node);
}

/** `kubectl.<pod>` or `kubectl.<pod>/<container>`. */
kubectlLaunch.defaultName = (opts: KubectlOptions): string => `kubectl.${opts.pod}${opts.container !== undefined ? `/${opts.container}` : ''}`;
