// ssh: a child on another machine. The default transport runs the user's own OpenSSH client,
// so ~/.ssh/config, agents and ProxyJump keep working: `ssh -T ... host "sh -c '<node line>'"`,
// the channel on ssh's stdin/stdout, prints on its stderr. BatchMode, and no PTY, unless a
// password is given: then ssh asks on a PTY that is only its controlling terminal. The ssh2
// transport (in-process, src/methods/ssh2.ts) is registered by the master.
import { HostKeyError, PasswordError, StreamError } from '../core/errors.js';
import type { LaunchIO, LaunchSpec, Target } from '../parent/connection.js';
import { openStdio } from '../parent/stdio-target.js';
import { explainNode, said, type Explanation } from './explain.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { SshOptions } from '../core/routing/connection-options.js';
import { printsFifos, remoteShellCommand } from './remote-command.js';

/** The in-process transport, when this process can run it (the master: see src/methods/ssh2.ts). */
export type Ssh2Opener = (opts: SshOptions, command: string, io: LaunchIO, connectTimeout: number) => Target;
let ssh2Opener: Ssh2Opener | null = null;
export function setSsh2Opener(open: Ssh2Opener): void {
  ssh2Opener = open;
}

const DEFAULT_CONNECT_TIMEOUT = 30_000;

export function checkSshOptions(opts: SshOptions): void {
  if (typeof opts.hostname !== 'string' || !opts.hostname) throw new StreamError('ssh: hostname is required');
  if (opts.hostname.startsWith('-')) throw new StreamError(`ssh: hostname ${JSON.stringify(opts.hostname)} may not start with '-'`);
  const mode = opts.checkHostKeys ?? 'enforce';
  if (!['enforce', 'accept', 'ignore'].includes(mode)) throw new StreamError(`ssh: checkHostKeys must be 'enforce', 'accept' or 'ignore', not ${JSON.stringify(mode)}`);
  if (opts.transport !== undefined && opts.transport !== 'openssh' && opts.transport !== 'ssh2') {
    throw new StreamError(`ssh: transport must be 'openssh' or 'ssh2', not ${JSON.stringify(opts.transport)}`);
  }
}

/** The OpenSSH client's argv (without the remote command). */
export function opensshArgv(opts: SshOptions): string[] {
  const o = (kv: string): string[] => ['-o', kv];
  const mode = opts.checkHostKeys ?? 'enforce';
  const tty = (opts.sshArgs ?? []).some((a) => /^-t+$/.test(a));
  return [
    opts.sshPath ?? 'ssh',
    ...(tty ? ['-e', 'none'] : ['-T']),
    ...o(`BatchMode=${opts.password === undefined ? 'yes' : 'no'}`),
    ...(opts.password !== undefined ? o('NumberOfPasswordPrompts=1') : []),
    ...o(`StrictHostKeyChecking=${mode === 'enforce' ? 'yes' : mode === 'accept' ? 'accept-new' : 'no'}`),
    ...(mode === 'ignore' ? [...o('UserKnownHostsFile=/dev/null'), ...o('GlobalKnownHostsFile=/dev/null')] : []),
    ...(mode !== 'ignore' && opts.knownHostsFile ? o(`UserKnownHostsFile=${opts.knownHostsFile}`) : []),
    ...o(`ConnectTimeout=${Math.max(1, Math.ceil((opts.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT) / 1000))}`),
    ...(opts.port !== undefined ? ['-p', String(opts.port)] : []),
    ...(opts.username !== undefined ? ['-l', opts.username] : []),
    ...(opts.identityFile !== undefined ? ['-i', opts.identityFile, ...(opts.identitiesOnly !== false ? o('IdentitiesOnly=yes') : [])] : []),
    ...(opts.compression !== false ? ['-C'] : o('Compression=no')),
    ...(opts.keepaliveInterval !== undefined ? o(`ServerAliveInterval=${Math.max(1, Math.round(opts.keepaliveInterval / 1000))}`) : []),
    ...(opts.keepaliveCountMax !== undefined ? o(`ServerAliveCountMax=${opts.keepaliveCountMax}`) : []),
    ...(opts.sshArgs ?? []),
    opts.hostname,
  ];
}

/** What OpenSSH's (or ssh2's) last words mean. */
export function explainSsh(tail: string[], why: string, opts: SshOptions): Explanation {
  const host = `${opts.hostname}${opts.port ? ` port ${opts.port}` : ''}`;
  const mode = opts.checkHostKeys ?? 'enforce';
  if (said(tail, /REMOTE HOST IDENTIFICATION HAS CHANGED|host key .*(changed|mismatch)/i)) {
    return [HostKeyError, `the host key of ${host} has changed (checkHostKeys '${mode}'): possible man-in-the-middle, or the host was reinstalled; fix known_hosts`];
  }
  if (said(tail, /No \S+ host key is known for|Host key verification failed|host key .*(unknown|not known)/i)) {
    return [HostKeyError, `the host key of ${host} is not in known_hosts (checkHostKeys '${mode}'): add it, or use checkHostKeys 'accept'`];
  }
  const denied = said(tail, /Permission denied \(([^)]*)\)|All configured authentication methods failed|authentication failed/i);
  if (denied) {
    return [PasswordError, opts.password === undefined
      ? `authentication to ${host} failed (${denied[1] ?? 'no method left'}): a password is needed (option password) or a key it accepts`
      : `authentication to ${host} failed: the password was refused (or the account cannot log in)`];
  }
  if (said(tail, /Could not resolve hostname|Name or service not known|ENOTFOUND|EAI_AGAIN|Temporary failure in name resolution/)) {
    return [StreamError, `cannot resolve the host name '${opts.hostname}' (DNS)`];
  }
  if (said(tail, /Connection refused|ECONNREFUSED/)) return [StreamError, `${host} refused the connection (nothing listens there?)`];
  if (said(tail, /timed out|ETIMEDOUT|Timed out while waiting for handshake/i)) return [StreamError, `connecting to ${host} timed out`];
  if (said(tail, /No route to host|Network is unreachable|EHOSTUNREACH|ENETUNREACH/)) return [StreamError, `${host} is unreachable`];
  if (said(tail, /Connection (closed|reset) by|kex_exchange_identification|ECONNRESET/)) return [StreamError, `${host} closed the connection before the login completed`];
  return explainNode(tail, why, opts.nodePath);
}

export function sshLaunch(opts: SshOptions, node: NodeLaunch): LaunchSpec {
  checkSshOptions(opts);
  // sshArgs are OpenSSH's: the ssh2 transport ignores them.
  const tty = opts.transport !== 'ssh2' && (opts.sshArgs ?? []).some((a) => /^-t+$/.test(a));
  const command = remoteShellCommand({ nodePath: opts.nodePath, env: opts.env, token: node.token, fullPty: tty });
  const who = `${opts.username ? `${opts.username}@` : ''}${opts.hostname}${opts.port ? `:${opts.port}` : ''}`;
  const base = {
    description: `ssh context '${opts.name}' (${who}${opts.transport === 'ssh2' ? ', ssh2' : ''})`,
    explain: (tail: string[], why: string) => explainSsh(tail, why, opts),
    config: tty ? { printsFifos: printsFifos(node.token) } : undefined,
  };
  if (opts.transport === 'ssh2') {
    return {
      ...base,
      command: 'ssh2',
      args: [],
      open(io) {
        if (!ssh2Opener) {
          throw new StreamError(
            `${base.description}: the ssh2 transport runs only in the master (the ssh2 package is not shipped to contexts); use transport 'openssh' with via=`,
          );
        }
        return ssh2Opener(opts, command, io, opts.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT);
      },
    };
  }
  const argv = [...opensshArgv(opts), command];
  return {
    ...base,
    command: argv[0]!,
    args: argv.slice(1),
    // OpenSSH passes the remote exit status on, but has no way to report a remote signal.
    describeExit: (code) =>
      code === 255 ? 'ssh exited with code 255: the connection was lost, or the remote node was killed by a signal' : undefined,
    open: (io) =>
      openStdio(io, {
        argv,
        pty: opts.password !== undefined ? 'prompt' : undefined,
        prompts: opts.password !== undefined ? { what: `ssh ${who}`, password: opts.password, prompts: [/password:\s*$/i, /passphrase for key .*:\s*$/i], incorrect: [/permission denied/i] } : undefined,
      }),
  };
}

/** `ssh.web1`, `ssh.web1:2222`: the host (and a port other than 22). */
sshLaunch.defaultName = (opts: SshOptions): string =>
  `ssh.${opts.hostname}${opts.port !== undefined && opts.port !== 22 ? `:${opts.port}` : ''}`;
