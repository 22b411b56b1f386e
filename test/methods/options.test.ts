// How connection options become command lines and connection settings (no hosts needed): the
// OpenSSH argv, the ssh2 settings, the remote command line's quoting rules, sudoArgs parsing.
import { describe, expect, it } from 'vitest';
import { StreamError } from '../../src/index.js';
import { remoteShellCommand } from '../../src/methods/remote-command.js';
import { opensshArgv } from '../../src/methods/ssh.js';
import { ssh2Config, ssh2Keepalive } from '../../src/methods/ssh2.js';
import { parseSudoArgs } from '../../src/methods/sudo.js';
import { checkHostKey, hostId, recordHostKey } from '../../src/methods/known-hosts.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('OpenSSH argv', () => {
  it('defaults: -T, BatchMode, strict host keys, compression, ConnectTimeout from connectTimeout', () => {
    expect(opensshArgv({ hostname: 'web1' })).toEqual([
      'ssh', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=30', '-C', 'web1',
    ]);
  });

  it('every option lands where ssh expects it', () => {
    const argv = opensshArgv({
      hostname: 'db1', username: 'deploy', port: 2200, sshPath: '/opt/ssh', identityFile: '/k', keepaliveInterval: 15_000,
      keepaliveCountMax: 5, compression: false, knownHostsFile: '/kh', checkHostKeys: 'accept', connectTimeout: 4500,
      sshArgs: ['-o', 'ProxyJump=bastion'], password: 'pw',
    });
    expect(argv).toEqual([
      '/opt/ssh', '-T', '-o', 'BatchMode=no', '-o', 'NumberOfPasswordPrompts=1', '-o', 'StrictHostKeyChecking=accept-new',
      '-o', 'UserKnownHostsFile=/kh', '-o', 'ConnectTimeout=5', '-p', '2200', '-l', 'deploy', '-i', '/k', '-o', 'IdentitiesOnly=yes',
      '-o', 'Compression=no', '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=5', '-o', 'ProxyJump=bastion', 'db1',
    ]);
  });

  it('ignore checks nothing; identitiesOnly false keeps the agent; -tt asks for no escape char', () => {
    const argv = opensshArgv({ hostname: 'h', checkHostKeys: 'ignore', identityFile: '/k', identitiesOnly: false, sshArgs: ['-tt'] });
    expect(argv).toContain('StrictHostKeyChecking=no');
    expect(argv).toContain('UserKnownHostsFile=/dev/null');
    expect(argv).not.toContain('IdentitiesOnly=yes');
    expect(argv.slice(1, 3)).toEqual(['-e', 'none']);
  });
});

describe('ssh2 settings', () => {
  it('keepalive on by default (15 s, 3 misses), compression offered, readyTimeout from connectTimeout', () => {
    expect(ssh2Keepalive({ hostname: 'h' })).toEqual({ interval: 15_000, countMax: 3 });
    expect(ssh2Keepalive({ hostname: 'h', keepaliveInterval: 0, keepaliveCountMax: 9 })).toEqual({ interval: 0, countMax: 9 });
    const c = ssh2Config({ hostname: 'h', username: 'u', password: 'p' }, 7000);
    // ssh2's own keepalive timer would keep the master alive: tendril probes itself.
    expect(c.keepaliveInterval).toBe(0);
    expect(c.readyTimeout).toBe(7000);
    expect(c.algorithms?.compress).toContain('zlib@openssh.com');
    expect(c.tryKeyboard).toBe(true);
    const off = ssh2Config({ hostname: 'h', username: 'u', password: 'p', compression: false }, 1000);
    expect(off.algorithms?.compress).toEqual(['none']);
  });
});

describe('known_hosts (ssh2)', () => {
  const blob = (type: string, body: string): Buffer => {
    const t = Buffer.from(type);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(t.length);
    return Buffer.concat([len, t, Buffer.from(body)]);
  };
  it('plain, [host]:port, patterns, negation, @revoked, changed keys; accept appends', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tendril-kh-'));
    try {
      const k = blob('ssh-ed25519', 'key-one');
      const other = blob('ssh-ed25519', 'key-two');
      const file = join(dir, 'known_hosts');
      writeFileSync(file, [`# comment`, `*.example.org,!bad.example.org ssh-ed25519 ${k.toString('base64')}`, `[10.0.0.1]:2222 ssh-ed25519 ${k.toString('base64')}`, `@revoked * ssh-ed25519 ${other.toString('base64')}`].join('\n'));
      expect(checkHostKey([file], 'web.example.org', 22, k)).toBe('known');
      expect(checkHostKey([file], 'bad.example.org', 22, k)).toBe('unknown');
      expect(checkHostKey([file], '10.0.0.1', 2222, k)).toBe('known');
      expect(checkHostKey([file], '10.0.0.1', 22, k)).toBe('unknown');
      expect(checkHostKey([file], 'web.example.org', 22, other)).toBe('revoked');
      expect(checkHostKey([file], '10.0.0.1', 2222, blob('ssh-ed25519', 'key-three'))).toBe('changed');
      expect(checkHostKey([file], '10.0.0.1', 2222, blob('ssh-rsa', 'key-three'))).toBe('unknown');
      recordHostKey(file, 'new.host', 2200, k);
      expect(readFileSync(file, 'utf8').trimEnd().split('\n').at(-1)).toBe(`${hostId('new.host', 2200)} ssh-ed25519 ${k.toString('base64')}`);
      expect(checkHostKey([file], 'new.host', 2200, k)).toBe('known');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('the remote command line', () => {
  it("has no ' \\ ! $ ` or newline inside its quotes, whatever the options", () => {
    const line = remoteShellCommand({ token: 'abc123', nodePath: ['/opt/node 20/bin/node', '--max-old-space-size=512'], env: { A: 'x y', B: 'z' } });
    const inner = line.slice("exec sh -c '".length, -1);
    expect(line.startsWith("exec sh -c '")).toBe(true);
    expect(inner).not.toMatch(/['\\!$`\n]/);
    expect(inner).toContain('env "A=x y" B=z "/opt/node 20/bin/node" --max-old-space-size=512 --experimental-vm-modules');
  });

  it('refuses values that cannot pass through a remote shell', () => {
    expect(() => remoteShellCommand({ token: 't', env: { A: "it's" } })).toThrow(StreamError);
    expect(() => remoteShellCommand({ token: 't', nodePath: '/x/$HOME/node' })).toThrow(/cannot be passed through a remote shell/);
    expect(() => remoteShellCommand({ token: 't', env: { 'A B': 'x' } })).toThrow(/not a variable name/);
  });
});

describe('sudoArgs', () => {
  it('passes the flags that only change what sudo does around the command', () => {
    const ok = ['-H', '-E', '--preserve-env=PATH,LANG', '-g', 'wheel', '-gwheel', '--chdir=/tmp', '-D', '/tmp', '-n', '-k'];
    expect(parseSudoArgs(ok)).toEqual(ok);
  });
  it('refuses the rest, saying why', () => {
    expect(() => parseSudoArgs(['-u', 'x'])).toThrow(/use the username option/);
    expect(() => parseSudoArgs(['-S'])).toThrow(/tendril talks to sudo itself/);
    expect(() => parseSudoArgs(['-i'])).toThrow(/replaces or changes the command/);
    expect(() => parseSudoArgs(['-g'])).toThrow(/needs a value/);
    expect(() => parseSudoArgs(['whoami'])).toThrow(StreamError);
  });
});
