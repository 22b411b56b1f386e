// fakessh's reading of ssh command lines: the argv rsync, scp (both protocols), sftp and git
// really pass, and a property: whatever options precede the destination, the remote command
// is the words after it joined by spaces (as ssh sends it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSshArgv, subsystemCommand } from '../../src/fakessh/ssh-argv.js';
import { assertProperty } from '../support/fc.js';

describe('parseSshArgv', () => {
  it.each([
    ['rsync', ['-l', 'bob', 'web1', 'rsync', '--server', '-logDtpre.iLsfxCIvu', '--delete', '.', 'tree/'], { kind: 'command', command: 'rsync --server -logDtpre.iLsfxCIvu --delete . tree/' }],
    ['scp -O', ['-x', '-oPermitLocalCommand=no', '-oClearAllForwardings=yes', '-oRemoteCommand=none', '-oRequestTTY=no', '-oForwardAgent=no', '-l', 'bob', '--', 'h', 'scp -t f'], { kind: 'command', command: 'scp -t f' }],
    ['scp (sftp)', ['-x', '-oForwardX11=no', '-l', 'bob', '-s', '--', 'h', 'sftp'], { kind: 'subsystem', name: 'sftp' }],
    ['git', ['-o', 'SendEnv=GIT_PROTOCOL', 'git@host', "git-upload-pack '/srv/repo.git'"], { kind: 'command', command: "git-upload-pack '/srv/repo.git'" }],
    ['grouped flags and glued arguments', ['-4Cq', '-p2222', '-iKEY', 'host', 'echo', 'a', 'b'], { kind: 'command', command: 'echo a b' }],
    ['-V', ['-V'], { kind: 'version' }],
  ])('%s', (_name, argv, expected) => {
    expect(parseSshArgv(argv)).toEqual(expected);
  });

  it.each([
    [['host'], /no remote command/],
    [[], /no destination/],
    [['-p'], /-p needs an argument/],
    [['-Z', 'host', 'ls'], /unknown option -Z/],
  ])('refuses %j', (argv, message) => {
    const r = parseSshArgv(argv);
    expect(r.kind).toBe('error');
    expect(r.kind === 'error' && r.message).toMatch(message);
  });

  it('the command is the words after the destination, whatever options come first', () => {
    const option = fc.oneof(
      fc.constantFrom('-x', '-T', '-q', '-4', '-C', '-A'),
      fc.tuple(fc.constantFrom('-p', '-l', '-o', '-i', '-F', '-J'), fc.string({ minLength: 1 })).map(([o, v]) => [o, v]),
      fc.tuple(fc.constantFrom('-p', '-o', '-l'), fc.string({ minLength: 1 })).map(([o, v]) => o + v),
    );
    const word = fc.string({ minLength: 1 });
    assertProperty(
      fc.property(fc.array(option, { maxLength: 8 }), fc.stringMatching(/^[a-z@.0-9]+$/), fc.array(word, { minLength: 1, maxLength: 6 }), (opts, host, words) => {
        const argv = [...opts.flat(), host, ...words];
        expect(parseSshArgv(argv)).toEqual({ kind: 'command', command: words.join(' ') });
      }),
    );
  });

  it('only the sftp subsystem has a command', () => {
    expect(subsystemCommand('sftp')).toMatch(/sftp-server/);
    expect(subsystemCommand('netconf')).toBeNull();
  });
});
