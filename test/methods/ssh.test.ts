// ssh against the real sshd of test/hosts (127.0.0.2:2222, 127.0.0.3:2222), with both
// transports: auth, host keys, login shells, PTY use, sessions killed under a context.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ChannelError, HostKeyError, PasswordError, StreamError, type Context } from '../../src/index.js';
import { ssh2Connections } from '../../src/methods/ssh2.js';
import { HOST_A, HOST_B, KNOWN_HOSTS, PASSWORDS, PORT, SHELLS, sshTo } from '../hosts/hosts.js';
import { commandLine, waitGone } from '../support/processes.js';
import { describeHosts, ptyFdsOfTree } from '../support/hosts-suite.js';
import { withRouter } from '../support/router.js';
import type * as Tasks from '../fixtures/methods/tasks.js';

const tasksUrl = new URL('../fixtures/methods/tasks.ts', import.meta.url);
const tasks = (ctx: Context): ReturnType<typeof ctx.import<typeof Tasks>> => ctx.import<typeof Tasks>(tasksUrl);
const username = async (ctx: Context): Promise<string> => ((await ctx.call('node:os', 'userInfo')) as { username: string }).username;

let dir: string;
/** A key no account authorizes. */
let strangerKey: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tendril-ssh-test-'));
  strangerKey = join(dir, 'stranger');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey]);
});
afterAll(() => execFileSync('rm', ['-rf', dir]));

/** Host key line of a test host as known_hosts has it. */
function knownLine(host: string): string {
  return readFileSync(KNOWN_HOSTS, 'utf8').split('\n').find((l) => l.startsWith(`[${host}]:${PORT} `))!;
}

/** A known_hosts file with the given lines. */
function knownHosts(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.length ? `${lines.join('\n')}\n` : '');
  return file;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

for (const transport of ['openssh', 'ssh2'] as const) {
  describeHosts(`ssh, ${transport} transport`, () => {
    const fx = withRouter({ shutdownTimeout: 2000 });

    it('key auth: the context runs as the account; a multi-file TS module answers', async () => {
      const ctx = await fx.router.ssh({ ...sshTo(HOST_A, 'alice'), transport });
      expect(await username(ctx)).toBe('alice');
      const me = await tasks(ctx).whoAmI();
      expect(me.username).toBe('alice');
      expect(me.title).toBe(`tendril:${ctx.name}`);
    });

    it('password auth answers as the account; no key file needed', async () => {
      const ctx = await fx.router.ssh({ hostname: HOST_A, port: PORT, username: 'bob', password: PASSWORDS.bob, knownHostsFile: KNOWN_HOSTS, transport });
      expect(await username(ctx)).toBe('bob');
    });

    it('a wrong password gives PasswordError within connectTimeout', async () => {
      const t0 = performance.now();
      const err = await rejection(fx.router.ssh({ hostname: HOST_A, port: PORT, username: 'bob', password: 'wrong', knownHostsFile: KNOWN_HOSTS, connectTimeout: 15_000, transport }));
      expect(err).toBeInstanceOf(PasswordError);
      expect(err.message).toMatch(/password was refused/);
      expect(performance.now() - t0).toBeLessThan(15_000);
    });

    it('no password when one is needed (a key the server refuses) gives PasswordError within connectTimeout', async () => {
      const t0 = performance.now();
      const err = await rejection(fx.router.ssh({ ...sshTo(HOST_A, 'bob'), identityFile: strangerKey, connectTimeout: 15_000, transport }));
      expect(err).toBeInstanceOf(PasswordError);
      expect(err.message).toMatch(/a password is needed/);
      expect(performance.now() - t0).toBeLessThan(15_000);
    });

    it('enforce with an empty known_hosts gives HostKeyError', async () => {
      const err = await rejection(fx.router.ssh({ ...sshTo(HOST_A, 'alice'), knownHostsFile: knownHosts(`empty-${transport}`, []), transport }));
      expect(err).toBeInstanceOf(HostKeyError);
      expect(err.message).toMatch(/not in known_hosts/);
    });

    it('accept records an unknown key, then enforce succeeds with it', async () => {
      const file = knownHosts(`accept-${transport}`, []);
      const a = await fx.router.ssh({ ...sshTo(HOST_B, 'alice'), knownHostsFile: file, checkHostKeys: 'accept', transport });
      expect(await username(a)).toBe('alice');
      const recorded = readFileSync(file, 'utf8');
      expect(recorded).toContain(knownLine(HOST_B).split(' ').slice(1).join(' '));
      const b = await fx.router.ssh({ ...sshTo(HOST_B, 'alice'), knownHostsFile: file, checkHostKeys: 'enforce', transport });
      expect(await username(b)).toBe('alice');
    });

    it('a changed host key gives HostKeyError under enforce and under accept', async () => {
      const other = readFileSync(`${strangerKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
      for (const checkHostKeys of ['enforce', 'accept'] as const) {
        const file = knownHosts(`changed-${transport}-${checkHostKeys}`, [`[${HOST_A}]:${PORT} ${other}`]);
        const err = await rejection(fx.router.ssh({ ...sshTo(HOST_A, 'alice'), knownHostsFile: file, checkHostKeys, transport }));
        expect(err, checkHostKeys).toBeInstanceOf(HostKeyError);
        expect(err.message).toMatch(/has changed/);
        // accept must not have replaced the key.
        expect(readFileSync(file, 'utf8')).toBe(`[${HOST_A}]:${PORT} ${other}\n`);
      }
    });

    it('ignore connects whatever known_hosts says', async () => {
      const ctx = await fx.router.ssh({ ...sshTo(HOST_A, 'alice'), knownHostsFile: knownHosts(`ignore-${transport}`, []), checkHostKeys: 'ignore', transport });
      expect(await username(ctx)).toBe('alice');
    });

    it('killing the sshd session under a context rejects its pending call with ChannelError and the remote node exits', async () => {
      const ctx = await fx.router.ssh({ ...sshTo(HOST_A, 'carol'), transport });
      const me = await tasks(ctx).whoAmI();
      // The remote node's parent is the per-connection sshd ("sshd: carol@notty"): the login
      // shell (dash here) exec'd the command.
      expect(commandLine(me.ppid)).toMatch(/^sshd: carol/);
      const pending = tasks(ctx).sleepForever();
      pending.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      process.kill(me.ppid, 'SIGKILL');
      const err = await rejection(pending);
      expect(err).toBeInstanceOf(ChannelError);
      await waitGone(me.pid, 5000);
      await expect(ctx.call('node:os', 'uptime')).rejects.toBeInstanceOf(ChannelError);
    });

    it('failure messages: refused port, DNS failure, node missing (names nodePath)', async () => {
      const refused = await rejection(fx.router.ssh({ ...sshTo('127.0.0.4', 'alice'), transport }));
      expect(refused).toBeInstanceOf(StreamError);
      expect(refused.message).toMatch(/refused the connection[\s\S]*last output:[\s\S]*(Connection refused|ECONNREFUSED)/);

      const dns = await rejection(fx.router.ssh({ ...sshTo('no-such-host.invalid', 'alice'), transport }));
      expect(dns).toBeInstanceOf(StreamError);
      expect(dns.message).toMatch(/cannot resolve the host name 'no-such-host.invalid'[\s\S]*last output:/);

      const noNode = await rejection(fx.router.ssh({ ...sshTo(HOST_A, 'alice'), nodePath: '/opt/nowhere/node', transport }));
      expect(noNode).toBeInstanceOf(StreamError);
      expect(noNode.message).toMatch(/node was not found on the target \(nodePath "\/opt\/nowhere\/node"\)[\s\S]*last output:[\s\S]*nowhere\/node/);
    });

    it('a target that asks something unexpected times out with what it printed', async () => {
      const err = await rejection(fx.router.ssh({ ...sshTo(HOST_A, 'quiz'), connectTimeout: 3000, transport }));
      expect(err).toBeInstanceOf(StreamError);
      expect(err.message).toMatch(/timed out after 3000 ms[\s\S]*Enter your project code/);
    });
  });
}

describeHosts('ssh, OpenSSH specifics', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('the first stage reaches node through every login shell (bash, dash, zsh, tcsh, fish, mksh)', async () => {
    const ctxs = await Promise.all(Object.keys(SHELLS).map((u) => fx.router.ssh({ ...sshTo(HOST_A, u), name: `shell-${u}` })));
    const names = await Promise.all(ctxs.map(username));
    expect(names).toEqual(Object.keys(SHELLS));
  });

  it('password auth from an intermediate context (its PTY from util-linux script), and a wrong one', async () => {
    // dave's account takes no key of alice's: the password decides.
    const hop = await fx.router.su({ username: 'alice', name: 'hop' });
    const ctx = await fx.router.ssh({ via: hop, hostname: HOST_B, port: PORT, username: 'dave', password: PASSWORDS.dave });
    expect(await username(ctx)).toBe('dave');
    const err = await rejection(fx.router.ssh({ via: hop, hostname: HOST_B, port: PORT, username: 'dave', password: 'nope' }));
    expect(err).toBeInstanceOf(PasswordError);
    expect(err.message).toMatch(/password was refused/);
    const none = await rejection(fx.router.ssh({ via: hop, hostname: HOST_B, port: PORT, username: 'dave' }));
    expect(none).toBeInstanceOf(PasswordError);
  });

  it('a key-auth connection allocates no PTY: not for ssh, not on the remote side', async () => {
    const ctx = await fx.router.ssh(sshTo(HOST_A, 'alice'));
    const me = await tasks(ctx).whoAmI();
    expect(me.ttys).toEqual([]);
    expect(ptyFdsOfTree(fx.pidOf(ctx))).toEqual([]);
    expect(ptyFdsOfTree(me.pid)).toEqual([]);
  });

  it('login banners and rc-file output are dropped from the channel and arrive as log lines', async () => {
    const ctx = await fx.router.ssh(sshTo(HOST_A, 'alice'));
    expect(await username(ctx)).toBe('alice');
    const lines = fx.logs.filter((r) => r.contextId === ctx.id).map((r) => r.message);
    expect(lines.some((l) => l.includes('tendril-test-banner'))).toBe(true);
    expect(lines.some((l) => l.includes('Authorized use only'))).toBe(true);
  });

  it('a connect timeout (a server that never answers) is a StreamError that says so', async () => {
    const net = await import('node:net');
    const server = net.createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.5', r));
    const port = (server.address() as { port: number }).port;
    try {
      const err = await rejection(fx.router.ssh({ hostname: '127.0.0.5', port, username: 'alice', connectTimeout: 1500 }));
      expect(err).toBeInstanceOf(StreamError);
      expect(err.message).toMatch(/timed out/);
    } finally {
      server.close();
    }
  });

  it('sshArgs -tt: the remote side is a full raw PTY; a 1 MiB buffer and prints still travel intact', async () => {
    const ctx = await fx.router.ssh({ ...sshTo(HOST_A, 'alice'), sshArgs: ['-tt'] });
    const me = await tasks(ctx).whoAmI();
    expect(me.ttys).toEqual([3, 4]);
    const data = new Uint8Array(1 << 20).map((_, i) => (i * 7919) & 255);
    expect(Buffer.from(await tasks(ctx).echo(data)).equals(Buffer.from(data))).toBe(true);
    await tasks(ctx).printLines(['printed through the FIFO']);
    await expect.poll(() => fx.logs.some((r) => r.contextId === ctx.id && r.message === 'printed through the FIFO')).toBe(true);
  });
});

describeHosts('ssh, ssh2 specifics', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it('contexts on the same host and account share one connection (one channel each); it closes with the last', async () => {
    const mia = { hostname: HOST_A, username: 'mia' };
    expect(ssh2Connections(mia)).toBe(0);
    const ctxs = await Promise.all([1, 2, 3].map((i) => fx.router.ssh({ ...sshTo(HOST_A, 'mia'), transport: 'ssh2', name: `shared-${i}` })));
    expect(ssh2Connections(mia)).toBe(1);
    const facts = await Promise.all(ctxs.map((c) => tasks(c).whoAmI()));
    // One sshd connection process, three commands under it.
    expect(new Set(facts.map((f) => f.ppid)).size).toBe(1);
    expect(new Set(facts.map((f) => f.pid)).size).toBe(3);
    await Promise.all(ctxs.map((c) => c.shutdown({ wait: true })));
    await expect.poll(() => ssh2Connections(mia)).toBe(0);
  });

  it('hashed known_hosts entries are recognized', async () => {
    const file = knownHosts('hashed', [knownLine(HOST_A)]);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    const ctx = await fx.router.ssh({ ...sshTo(HOST_A, 'alice'), knownHostsFile: file, transport: 'ssh2' });
    expect(await username(ctx)).toBe('alice');
  });

  it('via= another context is refused with a StreamError that says ssh2 runs only in the master', async () => {
    const hop = await fx.router.ssh(sshTo(HOST_A, 'alice'));
    const err = await rejection(fx.router.ssh({ ...sshTo(HOST_B, 'alice'), via: hop, transport: 'ssh2' }));
    expect(err).toBeInstanceOf(StreamError);
    expect(err.message).toMatch(/ssh2 transport runs only in the master/);
  });
});

