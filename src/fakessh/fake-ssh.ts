// fakeSsh(ctx, argv): runs a program (rsync, scp, sftp, git...) on the master with an `ssh` on
// its PATH whose every connection reaches `ctx`. The `ssh` is a two-line script in a private
// directory (mode 0700) running a small node client (client-source.ts) that connects back
// over a Unix socket (mode 0600) in the same directory; each connection's remote command runs
// in ctx (session.ts). The directory and socket are removed on every way out but SIGKILL
// (live-runs.ts).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Context } from '../core/calls/context.js';
import type { ExitStatus } from '../core/calls/shell-types.js';
import { shellQuote } from '../parent/shell-quote.js';
import { CLIENT_SOURCE } from './client-source.js';
import { serveSession } from './session.js';
import { trackDir, trackProgram } from './live-runs.js';

/** Options of {@link fakeSsh}. */
export interface FakeSshOptions {
  /** Working directory of the program on the master (default: the master's). */
  cwd?: string;
  /** Variables added to the program's environment. */
  env?: Record<string, string>;
  /**
   * `'inherit'` (default): the program uses the master's stdin, stdout and stderr; `'pipe'`:
   * its stdin is empty and its output is returned as `stdout` and `stderr`.
   */
  stdio?: 'inherit' | 'pipe';
  /** Kills the program (SIGTERM) when it aborts; its remote commands are killed with it. */
  signal?: AbortSignal;
}

/** How the program ended; with `stdio: 'pipe'`, what it printed too. */
export interface FakeSshResult extends ExitStatus {
  /** Its stdout (utf8), with `stdio: 'pipe'`. */
  stdout?: string;
  /** Its stderr (utf8), with `stdio: 'pipe'`. */
  stderr?: string;
}

/** Programs that run ssh by an absolute path unless told `-S program`. */
const TAKES_DASH_S = new Set(['scp', 'sftp']);

/**
 * Runs `argv` on the master with an `ssh` whose connections reach `ctx`: whatever host the
 * program names, its remote command runs in ctx's host and account (in that account's home
 * directory, under `/bin/sh -c`), with stdin, stdout, stderr, the exit code and signal
 * tunnelled through the tree. `sftp` subsystem requests (scp and sftp) run the target's
 * sftp-server. Resolves with the program's own `{ code, signal }`.
 *
 * The private directory (socket, `ssh` script) is removed however the call ends, and when
 * the master exits or dies of SIGTERM, SIGINT or SIGHUP meanwhile (the program is then sent
 * SIGTERM). A SIGKILLed master cannot clean up: its `tendril-fakessh-*` directory stays in
 * the temp dir.
 *
 * ```ts
 * await fakeSsh(ctx, ['rsync', '-a', '--delete', 'site/', 'any:/srv/site/']);
 * ```
 */
export async function fakeSsh(ctx: Context, argv: string[], opts: FakeSshOptions = {}): Promise<FakeSshResult> {
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new TypeError('fakeSsh: argv is a non-empty array of strings [program, ...args]');
  }
  ctx.assertAlive();
  const dir = mkdtempSync(join(tmpdir(), 'tendril-fakessh-'));
  const removeDir = trackDir(dir);
  const sessions = new Set<Promise<void>>();
  const sockets = new Set<Socket>();
  const server = createServer();
  try {
    chmodSync(dir, 0o700);
    const sock = join(dir, 'sock');
    const token = randomBytes(18).toString('hex');
    let home: Promise<string> | null = null;
    const target = {
      ctx,
      token,
      home: () => (home ??= ctx.call('node:os', 'userInfo').then((u) => (u as { homedir: string }).homedir)),
    };
    server.on('connection', (socket) => {
      sockets.add(socket);
      const p = serveSession(socket, target).finally(() => {
        sessions.delete(p);
        sockets.delete(socket);
      });
      sessions.add(p);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(sock, () => resolve());
    });
    chmodSync(sock, 0o600);
    writeFileSync(join(dir, 'client.cjs'), CLIENT_SOURCE, { mode: 0o600 });
    const ssh = join(dir, 'ssh');
    // NODE_OPTIONS of the master (a loader, an inspector) must not reach the client's node.
    writeFileSync(ssh, `#!/bin/sh\nunset NODE_OPTIONS\nexec ${shellQuote([process.execPath, join(dir, 'client.cjs'), sock, token])} "$@"\n`, { mode: 0o700 });
    return await runProgram(withSsh(argv, ssh), programEnv(opts.env, dir, ssh), opts);
  } finally {
    // The program is gone: its ssh clients end with it (their sockets close, their remote
    // commands are cancelled); nothing is left listening.
    for (const s of sockets) s.destroy();
    await Promise.allSettled([...sessions]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    removeDir();
  }
}

/** scp and sftp run /usr/bin/ssh unless given `-S`: they get ours. */
function withSsh(argv: string[], ssh: string): string[] {
  if (!TAKES_DASH_S.has(basename(argv[0]!)) || argv.some((a) => a === '-S' || (a.startsWith('-S') && a.length > 2))) return argv;
  return [argv[0]!, '-S', ssh, ...argv.slice(1)];
}

function programEnv(extra: Record<string, string> | undefined, dir: string, ssh: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  env.PATH = `${dir}:${env.PATH ?? '/usr/bin:/bin'}`;
  // rsync and git choose their ssh from these before the PATH.
  env.RSYNC_RSH = ssh;
  env.GIT_SSH = ssh;
  env.GIT_SSH_VARIANT = 'ssh';
  delete env.GIT_SSH_COMMAND;
  return env;
}

function runProgram(argv: string[], env: NodeJS.ProcessEnv, opts: FakeSshOptions): Promise<FakeSshResult> {
  const pipe = opts.stdio === 'pipe';
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env, stdio: pipe ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    const untrack = trackProgram(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    const onAbort = (): void => void child.kill('SIGTERM');
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      untrack();
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new Error(`fakeSsh: cannot run '${argv[0]}': ${e.message}`));
    });
    child.on('close', (code, signal) => {
      untrack();
      opts.signal?.removeEventListener('abort', onAbort);
      const result: FakeSshResult = { code, signal };
      if (pipe) {
        result.stdout = Buffer.concat(out).toString('utf8');
        result.stderr = Buffer.concat(err).toString('utf8');
      }
      resolve(result);
    });
  });
}
