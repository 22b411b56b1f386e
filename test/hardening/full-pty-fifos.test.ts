// Issue 15.10: a full-PTY child's prints go through two FIFOs on the target. They are the one
// documented exception to "nothing written to the target's disk", and exist only while the
// launch line's shell sets them up: none remain once node runs, whatever happens next (normal
// exit, a SIGKILLed child, a dead master), nor after a child that never became ready.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { sshTo, HOST_A } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('./fixtures/tasks.ts', import.meta.url);
const MASTER = fileURLToPath(new URL('./fixtures/pty-master.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The FIFO directories of full-PTY children (/tmp/tendril-<18 hex digits>). */
function fifoDirs(): string[] {
  return readdirSync('/tmp').filter((n) => /^tendril-[0-9a-f]{18}$/.test(n));
}

describeHosts('full-PTY prints leave nothing on the target (issue 15.10)', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('sudo and ssh -tt on a full PTY: no FIFO directory while they run, after a normal end, or after a SIGKILL; prints still arrive', async () => {
    const before = fifoDirs();
    const sudo = await fx.router.sudo({ username: 'dora', pty: 'full', name: 'fullsudo' });
    const ssh = await fx.router.ssh({ ...sshTo(HOST_A, 'alice'), sshArgs: ['-tt'], name: 'fullssh' });
    for (const ctx of [sudo, ssh]) {
      await ctx.call(TASKS, 'printLines', 3);
      await expect.poll(() => fx.logs.some((r) => r.contextId === ctx.id && r.message === 'line 2 of 3'), { timeout: 10_000 }).toBe(true);
    }
    expect(fifoDirs()).toEqual(before);
    const sudoPid = (await sudo.call(TASKS, 'pid')) as number;
    await sudo.shutdown();
    process.kill((await ssh.call(TASKS, 'pid')) as number, 'SIGKILL');
    await ssh.whenDead();
    await waitGone(sudoPid, 5000);
    expect(fifoDirs()).toEqual(before);
  }, 60_000);

  it('a full-PTY child that exits before it is ready leaves no FIFO directory', async () => {
    const before = fifoDirs();
    await expect(fx.router.sudo({ username: 'dora', pty: 'full', nodePath: 'false', connectTimeout: 15_000 })).rejects.toThrow(/exited before it was ready/);
    expect(fifoDirs()).toEqual(before);
  }, 30_000);

  it('a SIGKILLed master with a full-PTY child leaves no FIFO directory', async () => {
    const before = fifoDirs();
    const proc = spawn(process.execPath, ['--import', 'tsx', MASTER], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      proc.once('exit', (code) => reject(new Error(`the master exited (${code}) before it printed`)));
    });
    const { master, child } = JSON.parse(line) as { master: number; child: number };
    process.kill(master, 'SIGKILL');
    await waitGone([master, child], 10_000);
    expect(fifoDirs()).toEqual(before);
  }, 60_000);
});
