// local: a child node process on this machine, as this user.
import type { LaunchSpec } from '../parent/connection.js';
import type { LocalOptions } from '../core/routing/connection-options.js';

export function localLaunch(opts: LocalOptions, node: { command: string; args: string[] }): LaunchSpec {
  return {
    description: `local context '${opts.name ?? 'local'}'`,
    command: node.command,
    args: node.args,
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
  };
}

/** `local.3`: the id keeps local names apart. */
localLaunch.defaultName = (_opts: LocalOptions, id: number): string => `local.${id}`;
