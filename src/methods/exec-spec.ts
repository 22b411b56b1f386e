// The launch of a child through a CLI that runs a command somewhere else and passes its stdio
// through (docker exec, kubectl exec, lxc-attach, jexec, nsenter...): the channel is the CLI's
// stdin/stdout, node is looked up on the target's PATH unless nodePath says otherwise.
import type { LaunchSpec } from '../parent/connection.js';
import { openStdio } from '../parent/stdio-target.js';
import { explainNode, said } from './explain.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { CommonOptions } from '../core/routing/connection-options.js';
import { remoteArgv } from './remote-command.js';
import { StreamError } from '../core/errors.js';

export function execSpec(description: string, tool: string[], opts: CommonOptions, node: NodeLaunch): LaunchSpec {
  const argv = [...tool, ...remoteArgv({ nodePath: opts.nodePath, env: opts.env, token: node.token })];
  return {
    description,
    command: argv[0]!,
    args: argv.slice(1),
    open: (io) => openStdio(io, { argv }),
    explain(tail, why) {
      const missing = said(tail, /no such (container|object|pod)|not found: .*(container|pod)|is not running|does not exist|not found$/i);
      if (missing && !/node/.test(missing.input!)) return [StreamError, `the container is not available: ${missing.input!.trim()}`];
      return explainNode(tail, why, opts.nodePath);
    },
  };
}

export function required(value: string | undefined, what: string, method: string): string {
  if (typeof value !== 'string' || !value) throw new StreamError(`${method}: ${what} is required`);
  if (value.startsWith('-')) throw new StreamError(`${method}: ${what} ${JSON.stringify(value)} may not start with '-'`);
  return value;
}
