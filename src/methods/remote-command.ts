// The command line that starts the first stage on a target reached through another program
// (ssh, sudo, su, doas, a container CLI). The channel is the program's stdin/stdout, so the
// line moves it to fds 3/4 and sends node's own prints to stderr:
//   exec sh -c 'exec node ... -e "<decoder>" TOKEN base64 <FIRST STAGE> 3<&0 4>&1 0</dev/null 1>&2'
// It passes through any login shell (bash, dash, zsh, tcsh, fish, mksh, busybox...): inside the
// single quotes there is no ', \, !, $, backtick or newline (notes/child-io.md). The first stage
// travels as base64 and the decoder pops it (and the word 'base64') off process.argv, leaving
// the token where the first stage expects it.
import { StreamError } from '../core/errors.js';
import { firstStageSource } from '../core/child/first-stage.js';

const DECODER = 'eval(Buffer.from(process.argv.pop(),process.argv.pop()).toString())';
/** Characters a word may contain as is. */
const PLAIN = /^[A-Za-z0-9_./:=,+@%^-]+$/;
/** Characters that cannot appear at all (the outer single quotes, history, expansions). */
const FORBIDDEN = /['\\!$`"\n\r\0]/;

/** A word of the inner command: as is, or in double quotes when it has spaces and such. */
function word(text: string, what: string): string {
  if (PLAIN.test(text)) return text;
  if (FORBIDDEN.test(text)) {
    throw new StreamError(`${what} ${JSON.stringify(text)} cannot be passed through a remote shell: it may not contain ' \\ ! $ \` " or a newline`);
  }
  return `"${text}"`;
}

export interface RemoteNodeOptions {
  /** node on the target (default `node`, found on the target's PATH). */
  nodePath?: string | string[];
  env?: Record<string, string>;
  token: string;
  /**
   * The channel is a terminal: make it raw, and send prints to two FIFOs (config.printsFifos).
   * The one exception to "nothing is written to the target's disk": a private directory with
   * two FIFOs, removed by the launch line itself before node starts (see remoteNodeLine).
   */
  fullPty?: boolean;
}

/** The inner command (what `sh -c` runs). */
export function remoteNodeLine(o: RemoteNodeOptions): string {
  const node = o.nodePath === undefined ? ['node'] : Array.isArray(o.nodePath) ? o.nodePath : [o.nodePath];
  if (node.length === 0 || !node[0]) throw new StreamError('nodePath must name a node binary');
  const env = Object.entries(o.env ?? {}).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new StreamError(`env: ${JSON.stringify(k)} is not a variable name`);
    return word(`${k}=${v}`, 'env value');
  });
  const argv = [
    ...(env.length ? ['env', ...env] : []),
    ...node.map((w) => word(w, 'nodePath')),
    '--experimental-vm-modules',
    '-e',
    `"${DECODER}"`,
    o.token,
    'base64',
    Buffer.from(firstStageSource()).toString('base64'),
  ].join(' ');
  if (!o.fullPty) return `exec ${argv} 3<&0 4>&1 0</dev/null 1>&2`;
  // Full PTY: node's fds 1/2 cannot be the terminal (it is the channel). A POSIX shell cannot
  // make a pipe without a pipeline (which would leave a shell as node's parent, receiving the
  // signals meant for node), so the prints go through two FIFOs: the shell opens both ends on
  // fds 5/6 (read-write, so no open blocks), removes the directory at once, then execs node
  // with 1/2 on them; the child reads them back through /proc/self/fd/5 and 6. The names exist
  // only for the few shell steps before node starts (issue 15.10); a trap removes them if the
  // shell is hung up or terminated meanwhile (a SIGKILL in that window cannot be caught).
  const dir = printsDir(o.token);
  return (
    `trap "rm -rf ${dir}" HUP INT TERM && stty raw -echo && mkdir -m 700 ${dir} && mkfifo ${dir}/1 ${dir}/2 && ` +
    `exec 5<>${dir}/1 6<>${dir}/2 && rm -rf ${dir} && ` +
    `exec ${argv} 3<&0 4>&1 0</dev/null 1>&5 2>&6`
  );
}

/** The private directory of a full-PTY child's two FIFOs, on the target, until node starts. */
export function printsDir(token: string): string {
  return `/tmp/tendril-${token}`;
}

/** Where a full-PTY child reads its own prints: the FIFOs the launch line left on fds 5/6 (Linux /proc). */
export function printsFifos(_token: string): string[] {
  return ['/proc/self/fd/5', '/proc/self/fd/6'];
}

/** The whole command for a program that hands it to a shell (ssh, su -c, kubectl exec sh -c...). */
export function remoteShellCommand(o: RemoteNodeOptions): string {
  // exec: the login shell does not stay around (dash would, as node's parent).
  return `exec sh -c '${remoteNodeLine(o)}'`;
}

/** The same as an argv, for programs that exec it directly (sudo, doas, docker exec...). */
export function remoteArgv(o: RemoteNodeOptions): string[] {
  return ['sh', '-c', remoteNodeLine(o)];
}
