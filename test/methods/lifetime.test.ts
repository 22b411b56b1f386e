// Lifetimes around real transports: an idle master exits by itself whatever the method (ssh2's
// connection, PTYs and their handles must not keep it alive), and keepalive detects a frozen
// ssh server side (heartbeats off, so keepalive alone decides).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { ChannelError, type Context } from '../../src/index.js';
import { HOST_A, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { commandLine, waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import type * as Tasks from '../fixtures/methods/tasks.js';

const tasksUrl = new URL('../fixtures/methods/tasks.ts', import.meta.url);
const tasks = (ctx: Context): ReturnType<typeof ctx.import<typeof Tasks>> => ctx.import<typeof Tasks>(tasksUrl);
const script = fileURLToPath(new URL('../fixtures/methods/idle-master.ts', import.meta.url));

function runMaster(method: string, opts: object): Promise<{ code: number | null; out: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ['--import', 'tsx', script, method, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: performance.now() - t0 });
    });
  });
}

/** The per-connection sshd process above a remote pid ("sshd: user@notty"). */
function sshdSession(pid: number): number {
  for (let p = pid; p > 1; ) {
    if (/^sshd: \S+@/.test(commandLine(p))) return p;
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    p = Number(/PPid:\s+(\d+)/.exec(status)![1]);
  }
  throw new Error(`no sshd session above ${pid}`);
}

describeHosts('lifetimes', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  for (const [what, method, opts] of [
    ['ssh (openssh)', 'ssh', sshTo(HOST_A, 'alice')],
    ['ssh (ssh2, keepalive on)', 'ssh', { ...sshTo(HOST_A, 'alice'), transport: 'ssh2' }],
    ['sudo with a PTY for the prompt (requiretty)', 'sudo', { username: 'dora' }],
    ['sudo on a full PTY', 'sudo', { username: 'dora', pty: 'full' }],
  ] as const) {
    it(`a master that is done exits by itself, leaving no remote process: ${what}`, async () => {
      const r = await runMaster(method, opts);
      expect(r.code, r.out).toBe(0);
      const { pid } = JSON.parse(r.out.trim().split('\n').at(-1)!) as { pid: number };
      await waitGone(pid, 5000);
    });
  }

  for (const transport of ['openssh', 'ssh2'] as const) {
    it(`keepalive drops a connection whose server froze (${transport}): the pending call rejects with ChannelError`, async () => {
      const ctx = await fx.router.ssh({ ...sshTo(HOST_A, 'zed'), transport, keepaliveInterval: 400, keepaliveCountMax: 2, heartbeatInterval: 0 });
      const me = await tasks(ctx).whoAmI();
      const session = sshdSession(me.pid);
      const pending = tasks(ctx).sleepForever();
      pending.catch(() => undefined);
      process.kill(session, 'SIGSTOP');
      try {
        await expect(pending).rejects.toBeInstanceOf(ChannelError);
      } finally {
        process.kill(session, 'SIGKILL');
        process.kill(session, 'SIGCONT');
      }
      await waitGone(me.pid, 5000);
    });
  }
});
