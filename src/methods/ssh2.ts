// The ssh2 transport (master only): ssh in-process with the ssh2 package. Password and key
// auth without any PTY, host keys checked against known_hosts (src/methods/known-hosts.ts),
// keepalive on by default, and one connection per host and account shared by every context
// on it (one channel each; the connection closes with its last user). A connection that is
// closing is out of the pool at once: a start right after the last context ended opens a new
// one instead of being handed one that is going (issue 15.1).
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { HostKeyError, PasswordError, StreamError } from '../core/errors.js';
import type { LaunchIO, Target } from '../parent/connection.js';
import { checkHostKey, defaultKnownHostsFile, hostId, keyType, recordHostKey } from './known-hosts.js';
import type { SshOptions } from '../core/routing/connection-options.js';

const DEFAULT_KEEPALIVE_MS = 15_000;
/**
 * After kill(): how long the channel's close from the server is awaited before the launch
 * counts as ended anyway (a frozen remote node never lets sshd close it), and how long an
 * ended connection may take to close before its socket is destroyed.
 */
const CLOSE_WAIT_MS = 1000;

interface Shared {
  client: Client;
  ready: Promise<void>;
  /** Launches using it (from openSsh2 until their end): it closes when the last one ends. */
  users: number;
  /** Ending or ended: never handed out again. */
  closed: boolean;
  /** Launches that keep the process alive (ChildSet ref/unref). */
  refs: Set<object>;
  /** One user ended: the last one ends the connection. */
  release(): void;
}

const pool = new Map<string, Shared>();

/** Connections currently open, all or to one host and account (for tests and benchmarks). */
export function ssh2Connections(filter?: { hostname: string; username: string }): number {
  return [...pool.entries()].filter(([key, s]) => {
    if (s.closed) return false;
    if (!filter) return true;
    const [host, , user] = JSON.parse(key) as [string, number, string];
    return host === filter.hostname && user === filter.username;
  }).length;
}

function loadSsh2(): typeof import('ssh2') {
  try {
    return createRequire(import.meta.url)('ssh2') as typeof import('ssh2');
  } catch (e) {
    throw new StreamError(`the ssh2 transport needs the ssh2 package: npm install ssh2 (${(e as Error).message})`);
  }
}

function defaultKey(): Buffer | undefined {
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const path = join(homedir(), '.ssh', name);
    if (existsSync(path)) return readFileSync(path);
  }
  return undefined;
}

/** Keepalive of a connection: probes every `interval` ms, dropped after `countMax` unanswered. */
export function ssh2Keepalive(opts: SshOptions): { interval: number; countMax: number } {
  return { interval: opts.keepaliveInterval ?? DEFAULT_KEEPALIVE_MS, countMax: opts.keepaliveCountMax ?? 3 };
}

/**
 * Probes the connection ourselves (ssh2's own keepalive timer is not unref'd: it would keep
 * the master alive while nothing is pending). Any data from the server counts as an answer.
 */
function startKeepalive(client: Client, { interval, countMax }: { interval: number; countMax: number }): void {
  const internals = client as unknown as { _protocol?: { ping?(): void }; _sock?: NodeJS.EventEmitter & { destroy(): void } };
  const sock = internals._sock;
  if (interval <= 0 || !sock || typeof internals._protocol?.ping !== 'function') return;
  let unanswered = 0;
  sock.on('data', () => (unanswered = 0));
  const timer = setInterval(() => {
    if (++unanswered > countMax) {
      clearInterval(timer);
      sock.destroy();
      return;
    }
    try {
      internals._protocol!.ping!();
    } catch {
      // the connection is closing
    }
  }, interval);
  timer.unref();
  client.once('close', () => clearInterval(timer));
}

/** The ssh2 connect options for `opts` (exported for tests; keepalive is ours: ssh2Keepalive). */
export function ssh2Config(opts: SshOptions, connectTimeout: number, onHostKeyProblem: (problem: string) => void = () => undefined): ConnectConfig {
  const port = opts.port ?? 22;
  const mode = opts.checkHostKeys ?? 'enforce';
  const knownHosts = opts.knownHostsFile ?? defaultKnownHostsFile();
  let privateKey: Buffer | undefined;
  try {
    privateKey = opts.identityFile !== undefined ? readFileSync(opts.identityFile) : opts.password === undefined ? defaultKey() : undefined;
  } catch (e) {
    throw new StreamError(`ssh2: cannot read identityFile ${opts.identityFile}: ${(e as Error).message}`);
  }
  const useAgent = !(opts.identityFile !== undefined && opts.identitiesOnly !== false) && process.env.SSH_AUTH_SOCK;
  return {
    host: opts.hostname,
    port,
    username: opts.username ?? userInfo().username,
    password: opts.password,
    privateKey,
    agent: useAgent || undefined,
    tryKeyboard: opts.password !== undefined,
    readyTimeout: connectTimeout,
    keepaliveInterval: 0,
    algorithms: opts.compression === false ? { compress: ['none'] } : { compress: ['zlib@openssh.com', 'zlib', 'none'] },
    hostVerifier: (blob: Buffer): boolean => {
      if (mode === 'ignore') return true;
      const status = checkHostKey([knownHosts, '/etc/ssh/ssh_known_hosts'], opts.hostname, port, blob);
      if (status === 'known') return true;
      if (status === 'unknown' && mode === 'accept') {
        recordHostKey(knownHosts, opts.hostname, port, blob);
        return true;
      }
      onHostKeyProblem(
        status === 'revoked' ? `ssh2: the host key of ${hostId(opts.hostname, port)} is revoked in ${knownHosts}`
        : status === 'changed' ? `ssh2: REMOTE HOST IDENTIFICATION HAS CHANGED for ${hostId(opts.hostname, port)} (${knownHosts})`
        : `ssh2: No ${keyType(blob)} host key is known for ${hostId(opts.hostname, port)} in ${knownHosts}`,
      );
      return false;
    },
  };
}

function connect(opts: SshOptions, connectTimeout: number): Shared {
  const port = opts.port ?? 22;
  const username = opts.username ?? userInfo().username;
  const mode = opts.checkHostKeys ?? 'enforce';
  const knownHosts = opts.knownHostsFile ?? defaultKnownHostsFile();
  const key = JSON.stringify([opts.hostname, port, username, opts.password ?? null, opts.identityFile ?? null, opts.identitiesOnly ?? true, mode, knownHosts, opts.compression ?? true]);
  const existing = pool.get(key);
  if (existing && !existing.closed) return existing;

  const { Client } = loadSsh2();
  const client = new Client();
  let hostKeyProblem: string | null = null;
  const config = ssh2Config(opts, connectTimeout, (problem) => (hostKeyProblem = problem));
  const shared: Shared = { client, ready: Promise.resolve(), users: 0, closed: false, refs: new Set(), release: () => undefined };
  pool.set(key, shared);
  shared.release = () => {
    if (--shared.users > 0 || shared.closed) return;
    shared.closed = true;
    if (pool.get(key) === shared) pool.delete(key);
    client.end();
    // A server that does not answer the end (its session stuck) does not keep the socket open.
    const sock = (client as unknown as { _sock?: { destroy(): void } })._sock;
    const t = setTimeout(() => sock?.destroy(), CLOSE_WAIT_MS);
    t.unref();
    client.once('close', () => clearTimeout(t));
  };
  client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => opts.password ?? '')));
  shared.ready = new Promise<void>((resolve, reject) => {
    client.once('ready', () => {
      startKeepalive(client, ssh2Keepalive(opts));
      resolve();
    });
    client.once('error', (e: Error & { level?: string; code?: string }) => {
      shared.closed = true;
      if (hostKeyProblem) reject(Object.assign(new HostKeyError(hostKeyProblem), { line: hostKeyProblem }));
      else if (e.level === 'client-authentication') reject(Object.assign(new PasswordError(e.message), { line: `ssh2: Permission denied (${e.message})` }));
      else reject(Object.assign(new StreamError(e.message), { line: `ssh2: ${e.code ?? ''} ${e.message}`.replace('  ', ' ') }));
    });
    // Closed without an error before it was ready: the start fails now, not at connectTimeout.
    client.once('close', () => {
      const line = 'ssh2: the connection closed before it was ready';
      reject(Object.assign(new StreamError(line), { line }));
    });
  });
  shared.ready.catch(() => undefined);
  const gone = (): void => {
    shared.closed = true;
    if (pool.get(key) === shared) pool.delete(key);
  };
  client.on('close', gone);
  client.on('end', gone);
  client.on('error', () => undefined);
  try {
    client.connect(config);
  } catch (e) {
    shared.closed = true;
    pool.delete(key);
    throw new StreamError(`ssh2: ${(e as Error).message}`);
  }
  return shared;
}

function applyRef(shared: Shared): void {
  const sock = (shared.client as unknown as { _sock?: { ref?(): void; unref?(): void } })._sock;
  if (shared.refs.size > 0) sock?.ref?.();
  else sock?.unref?.();
}

/** Opens a channel running `command` on a (shared) connection; the Target's streams are live at once. */
export function openSsh2(opts: SshOptions, command: string, io: LaunchIO, connectTimeout: number): Target {
  const shared = connect(opts, connectTimeout);
  shared.users++;
  const toChild = new PassThrough();
  const fromChild = new PassThrough();
  const stderr = new PassThrough();
  let channel: ClientChannel | null = null;
  let ended = false;
  const token = {};
  const proc = Object.assign(new EventEmitter(), {
    pid: undefined,
    exitCode: null as number | null,
    signalCode: null as NodeJS.Signals | null,
    stdout: null,
    stderr: null,
    kill(): boolean {
      if (channel) {
        try {
          channel.signal('KILL');
        } catch {
          // not supported by the server: closing the channel gives node EOF
        }
        try {
          channel.close();
        } catch {
          // the connection is gone already
        }
        // A frozen node (or a stuck session) may never let the server close the channel: the
        // launch ends anyway, and with it the connection when it was the last user.
        const t = setTimeout(() => finish(null, 'SIGKILL'), CLOSE_WAIT_MS);
        t.unref();
      } else finish(null, 'SIGKILL');
      return true;
    },
    ref(): void {
      shared.refs.add(token);
      applyRef(shared);
    },
    unref(): void {
      shared.refs.delete(token);
      applyRef(shared);
    },
  });
  const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
    if (ended) return;
    ended = true;
    shared.refs.delete(token);
    proc.exitCode = code;
    proc.signalCode = signal;
    fromChild.end();
    stderr.end();
    proc.emit('exit', code, signal);
    proc.emit('close', code, signal);
    applyRef(shared);
    shared.release();
  };
  shared.ready.then(
    () => {
      if (ended) return;
      const started = (err: Error | undefined, ch: ClientChannel | undefined): void => {
        if (err || ended || !ch) {
          if (err) io.line('stderr', `ssh2: cannot start the remote command: ${err.message}`);
          if (ch) ch.close();
          finish(255, null);
          return;
        }
        channel = ch;
        let status: number | null = null;
        let signal: NodeJS.Signals | null = null;
        ch.on('exit', (code: number | null, sig?: string) => {
          status = code;
          // ssh2 names it with the SIG prefix (the protocol's name has none).
          if (sig) signal = (sig.startsWith('SIG') ? sig : `SIG${sig}`) as NodeJS.Signals;
        });
        ch.on('close', () => finish(status, signal));
        ch.on('error', () => undefined);
        ch.pipe(fromChild);
        ch.stderr.pipe(stderr);
        toChild.pipe(ch);
      };
      try {
        // Throws 'Not connected' when the connection dropped between ready and now.
        shared.client.exec(command, started);
      } catch (e) {
        started(e as Error, undefined);
      }
    },
    (e: Error & { line?: string }) => {
      if (e.line) io.line('stderr', e.line);
      finish(255, null);
    },
  );
  return { proc: proc as unknown as ChildProcess, toChild, fromChild, outputs: [['stderr', stderr]] };
}
