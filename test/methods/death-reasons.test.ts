// Death reasons and default names over real transports (test/hosts): what the parent can know
// of a remote node's end. Its own last words travel on the channel like any frame; a signal
// arrives as the transport reports it: sudo dies of the same signal, the ssh2 transport gets
// it from the protocol, and OpenSSH can only exit 255.
import { expect, it } from 'vitest';
import { ChannelError, type Context } from '../../src/index.js';
import { HOST_A, PORT, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('../fixtures/deaths/tasks.ts', import.meta.url);

/** SIGKILLs the node of `ctx` (a process of this machine: the test hosts are local). */
async function killNode(ctx: Context): Promise<void> {
  process.kill((await ctx.call(TASKS, 'pid')) as number, 'SIGKILL');
  await ctx.whenDead();
}

describeHosts('death reasons and default names over ssh and sudo', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it(`ssh is named after the host and port (ssh.${HOST_A}:${PORT}); its last words arrive over the connection`, async () => {
    const ctx = await fx.router.ssh(sshTo(HOST_A, 'alice'));
    expect(ctx.name).toBe(`ssh.${HOST_A}:${PORT}`);
    const pending = ctx.call(TASKS, 'hang', 60_000).catch((e: unknown) => e);
    await ctx.call(TASKS, 'throwInTimer', 'remote boom');
    await ctx.whenDead();
    expect(ctx.deadReason).toMatch(/^uncaught TypeError: remote boom \(tasks\.ts:\d+\)$/);
    const err = await pending;
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).message).toContain('uncaught TypeError: remote boom');
    const exits = await fx.router.ssh(sshTo(HOST_A, 'alice'));
    await exits.call(TASKS, 'exitLater', 7);
    await exits.whenDead();
    expect(exits.deadReason).toBe('exited with code 7');
  });

  it('a SIGKILLed remote node: OpenSSH can only say 255, the ssh2 transport names the signal', async () => {
    const openssh = await fx.router.ssh(sshTo(HOST_A, 'alice'));
    await killNode(openssh);
    expect(openssh.deadReason).toMatch(/^ssh exited with code 255: .*killed by a signal/);
    const ssh2 = await fx.router.ssh({ ...sshTo(HOST_A, 'alice'), transport: 'ssh2' });
    await killNode(ssh2);
    expect(ssh2.deadReason).toBe('killed by SIGKILL');
  });

  it('sudo is named after the account (sudo.bob) and dies of the signal its command died of', async () => {
    const ctx = await fx.router.sudo({ username: 'bob' });
    expect(ctx.name).toBe('sudo.bob');
    await killNode(ctx);
    expect(ctx.deadReason).toBe('killed by SIGKILL');
  });
});
