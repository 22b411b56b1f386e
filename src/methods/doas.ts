// doas (OpenBSD's, and opendoas on Linux): reads a password only from a terminal. Without a
// password it runs on plain pipes with -n (fail rather than ask); with one, on a PTY that is
// only the controlling terminal (the data stays on pipes). pty 'full' runs it all on the PTY.
import { PasswordError, StreamError } from '../core/errors.js';
import type { LaunchSpec } from '../parent/connection.js';
import { becomeSpec, checkPtyMode } from './become.js';
import { said } from './explain.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { DoasOptions } from '../core/routing/connection-options.js';

export function doasLaunch(opts: DoasOptions, node: NodeLaunch): LaunchSpec {
  const mode = checkPtyMode(opts.pty, 'doas');
  const user = opts.username ?? 'root';
  const pty = mode === 'auto' ? (opts.password === undefined ? 'none' : 'prompt') : mode;
  const what = 'doas';
  const incorrect = [/authentication failed/i, ...(opts.incorrectPrompts ?? [])];
  return becomeSpec(
    {
      description: `doas context '${opts.name}' (as ${user})`,
      pty,
      tool: [opts.doasPath ?? 'doas', ...(pty === 'none' ? ['-n'] : []), '-u', user],
      commandAs: 'argv',
      nodePath: opts.nodePath,
      env: opts.env,
      prompts: {
        what,
        password: opts.password,
        prompts: [...(opts.passwordPrompt ? [opts.passwordPrompt] : []), /password:\s*$/i],
        incorrect,
      },
      explain(tail) {
        if (said(tail, /authorization required|authentication required/i)) return [PasswordError, `${what} asks for a password and none was given (option password)`];
        if (said(tail, /authentication failed/i)) return [PasswordError, `the ${what} password was refused (incorrect password)`];
        if (said(tail, /operation not permitted|not permitted/i)) return [StreamError, `doas refused: no doas.conf rule permits it`];
        return undefined;
      },
    },
    node,
  );
}

/** `doas.root`: the account. */
doasLaunch.defaultName = (opts: DoasOptions): string => `doas.${opts.username ?? 'root'}`;
