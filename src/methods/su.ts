// su: a child as another account on the same machine. util-linux su reads the password from
// its stdin when that is not a terminal, so by default everything is plain pipes: the prompt
// on stderr, the password on stdin, then the payload. The command goes through the account's
// login shell (su -c), hence the shell-proof command line. pty 'prompt' or 'full' for su
// implementations that insist on a terminal ("must be run from a terminal"; 'auto' retries).
import { StreamError } from '../core/errors.js';
import type { LaunchSpec } from '../parent/connection.js';
import { INCORRECT_PASSWORD_TEXTS, LOCALIZED_PASSWORD_PROMPTS } from '../parent/prompts.js';
import { becomeSpec, checkPtyMode } from './become.js';
import { explainPassword, said } from './explain.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { SuOptions } from '../core/routing/connection-options.js';

export function suLaunch(opts: SuOptions, node: NodeLaunch): LaunchSpec {
  const mode = checkPtyMode(opts.pty, 'su');
  const user = opts.username ?? 'root';
  if (user.startsWith('-')) throw new StreamError(`su: username ${JSON.stringify(user)} is not an account name`);
  const what = 'su';
  const incorrect = [...INCORRECT_PASSWORD_TEXTS, ...(opts.incorrectPrompts ?? [])];
  return becomeSpec(
    {
      description: `su context '${opts.name}' (as ${user})`,
      pty: mode === 'auto' ? 'none' : mode,
      tool: [opts.suPath ?? 'su', user, '-c'],
      commandAs: 'shell',
      nodePath: opts.nodePath,
      env: opts.env,
      prompts: {
        what,
        password: opts.password,
        prompts: [...(opts.passwordPrompt ? [opts.passwordPrompt] : []), ...LOCALIZED_PASSWORD_PROMPTS],
        incorrect,
      },
      explain(tail) {
        const unknown = said(tail, /user \S+ does not exist|unknown (user|login)/i);
        if (unknown) return [StreamError, unknown.input!.trim()];
        return explainPassword(tail, `the ${what} password was refused`, incorrect.map((p) => (typeof p === 'string' ? new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') : p)));
      },
      retry(tail) {
        return mode === 'auto' && said(tail, /must be run from a terminal|standard in must be a tty|a terminal is required/i) ? suLaunch({ ...opts, pty: 'prompt' }, node) : undefined;
      },
    },
    node,
  );
}

/** `su.root`: the account. */
suLaunch.defaultName = (opts: SuOptions): string => `su.${opts.username ?? 'root'}`;
