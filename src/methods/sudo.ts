// sudo: a child as another account on the same machine. By default on plain pipes:
// `sudo -S -p <unique prompt> -u USER sh -c '<node line>'`, the prompt on stderr and the
// password on stdin, then the payload (notes/child-io.md). Where sudo insists on a terminal
// (requiretty: "you must have a tty"), pty 'auto' tries again with a PTY as the controlling
// terminal only; pty 'full' runs it all on a raw PTY.
import { PasswordError, StreamError } from '../core/errors.js';
import type { LaunchSpec } from '../parent/connection.js';
import { becomeSpec, checkPtyMode } from './become.js';
import { said } from './explain.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { SudoOptions } from '../core/routing/connection-options.js';

/** sudo options that only change what sudo does around the command: passed through. */
const WITH_VALUE = new Set(['-g', '--group', '-h', '--host', '-r', '--role', '-t', '--type', '-C', '--close-from', '-D', '--chdir', '-T', '--command-timeout', '-R', '--chroot']);
const FLAGS = new Set(['-H', '--set-home', '-E', '--preserve-env', '-P', '--preserve-groups', '-k', '--reset-timestamp', '-n', '--non-interactive', '-B', '--bell']);

/** Checks sudoArgs: the options tendril sets itself or that replace the command are refused. */
export function parseSudoArgs(args: string[]): string[] {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag] = a.split('=', 1) as [string];
    if (FLAGS.has(a) || (flag === '--preserve-env' && a.includes('='))) continue;
    if (WITH_VALUE.has(flag)) {
      if (!a.includes('=')) {
        if (i + 1 >= args.length) throw new StreamError(`sudoArgs: ${a} needs a value`);
        i++;
      }
      continue;
    }
    // -gwheel style: a short option with its value attached.
    if (/^-[ghrtCDTR]./.test(a)) continue;
    const why =
      /^-(u|-user)/.test(a) ? 'use the username option'
      : /^-(S|A|p|-stdin|-askpass|-prompt)/.test(a) ? 'tendril talks to sudo itself (password, passwordPrompt)'
      : /^-(i|s|e|l|v|V|K|b|-login|-shell|-edit|-list|-validate|-version|-remove-timestamp|-background)/.test(a) ? 'it replaces or changes the command tendril runs'
      : 'it is not a sudo option tendril knows to be safe';
    throw new StreamError(`sudoArgs: ${JSON.stringify(a)} is not supported: ${why}`);
  }
  return args;
}

export function sudoLaunch(opts: SudoOptions, node: NodeLaunch): LaunchSpec {
  const mode = checkPtyMode(opts.pty, 'sudo');
  const user = opts.username ?? 'root';
  const extra = parseSudoArgs(opts.sudoArgs ?? []);
  const pty = mode === 'auto' ? 'none' : mode;
  // A prompt no localization or sudoers setting can produce by chance.
  const prompt = `tendril-sudo-password-${node.token.slice(0, 10)}: `;
  const tool = [
    opts.sudoPath ?? 'sudo',
    ...(pty === 'none' ? ['-S'] : []),
    '-p',
    prompt,
    '-u',
    user,
    ...(opts.setHome ? ['-H'] : []),
    ...(opts.preserveEnv ? ['-E'] : []),
    ...extra,
    '--',
  ];
  const what = 'sudo';
  return becomeSpec(
    {
      description: `sudo context '${opts.name}' (as ${user})`,
      pty,
      tool,
      commandAs: 'argv',
      nodePath: opts.nodePath,
      env: opts.env,
      prompts: {
        what,
        password: opts.password,
        prompts: [prompt, ...(opts.passwordPrompt ? [opts.passwordPrompt] : [])],
        incorrect: [/sorry, try again/i, /incorrect password attempt/i],
      },
      explain(tail) {
        if (said(tail, /a password is required|no askpass program|a terminal is required to read the password/)) {
          return [PasswordError, `${what} asks for a password and none was given (option password)`];
        }
        if (said(tail, /incorrect password attempt/)) return [PasswordError, `the ${what} password was refused (incorrect password)`];
        const refused = said(tail, /is not in the sudoers file|is not allowed to (execute|run)|may not run sudo|not allowed to run sudo/);
        if (refused) return [StreamError, `sudo refused: ${refused.input!.replace(/^sudo: /, '').trim()}`];
        if (said(tail, /you must have a tty/)) return [StreamError, `sudo requires a terminal (requiretty): use pty 'prompt' or 'full'`];
        return undefined;
      },
      retry(tail) {
        // requiretty: a controlling terminal is enough, the data can stay on pipes.
        return mode === 'auto' && said(tail, /you must have a tty|a terminal is required/) ? sudoLaunch({ ...opts, pty: 'prompt' }, node) : undefined;
      },
    },
    node,
  );
}

/** `sudo.root`: the account. */
sudoLaunch.defaultName = (opts: SudoOptions): string => `sudo.${opts.username ?? 'root'}`;
