// What sudo, su and doas share: running the node command line as another account on this
// machine, with a password conversation, and a PTY only when the tool insists on one.
import { StreamError } from '../core/errors.js';
import type { LaunchSpec } from '../parent/connection.js';
import type { PromptRules } from '../parent/prompts.js';
import { openStdio } from '../parent/stdio-target.js';
import { explainNode, type Explanation } from './explain.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { PtyMode } from '../core/routing/connection-options.js';
import { printsFifos, remoteArgv, remoteShellCommand } from './remote-command.js';

export interface BecomeLaunch {
  description: string;
  /** Terminal use of this attempt (auto resolved by the method). */
  pty: 'none' | 'prompt' | 'full';
  /** The tool and its arguments, before the command. */
  tool: string[];
  /** sudo/doas exec an argv; su hands a string to the account's login shell. */
  commandAs: 'argv' | 'shell';
  nodePath: string | string[] | undefined;
  env: Record<string, string> | undefined;
  prompts: PromptRules;
  explain?(tail: string[], why: string): Explanation;
  retry?(tail: string[]): LaunchSpec | undefined;
}

export function becomeSpec(b: BecomeLaunch, node: NodeLaunch): LaunchSpec {
  const full = b.pty === 'full';
  const remote = { nodePath: b.nodePath ?? process.execPath, env: b.env, token: node.token, fullPty: full };
  const argv = [...b.tool, ...(b.commandAs === 'argv' ? remoteArgv(remote) : [remoteShellCommand(remote)])];
  return {
    description: b.description,
    command: argv[0]!,
    args: argv.slice(1),
    open: (io) => openStdio(io, { argv, pty: b.pty === 'none' ? undefined : b.pty, prompts: b.prompts }),
    explain: (tail, why) => b.explain?.(tail, why) ?? explainNode(tail, why, remote.nodePath),
    retry: b.retry,
    config: full ? { printsFifos: printsFifos(node.token) } : undefined,
  };
}

export function checkPtyMode(mode: PtyMode | undefined, what: string): PtyMode {
  const m = mode ?? 'auto';
  if (m !== 'auto' && m !== 'prompt' && m !== 'full') throw new StreamError(`${what}: pty must be 'auto', 'prompt' or 'full', not ${JSON.stringify(mode)}`);
  return m;
}
