// The words of death reasons, without processes: how a child describes an uncaught error
// (src/core/child/last-words.ts), the parent's rule for one reason from what it saw
// (src/parent/death-reason.ts), and the default context names of the connection methods.
import { describe, expect, it } from 'vitest';
import { describeUncaught, lastWordsSlot, readLastWords, throwSite, writeLastWords } from '../../src/core/child/last-words.js';
import { deathReason, describeExitCode } from '../../src/parent/death-reason.js';
import { defaultContextName } from '../../src/parent/method-table.js';
import { installMasterMethods } from '../../src/master/methods.js';
import { METHODS } from '../../src/methods/index.js';
import type { ConnectionMethod, MethodOptions } from '../../src/core/routing/connection-options.js';

describe('what a dying child says', () => {
  const stack = [
    'TypeError: boom',
    '    at listOnTimeout (node:internal/timers:581:17)',
    '    at Timeout._onTimeout (master:/srv/app/lib/tasks.ts:12:11)',
    '    at other (master:/srv/app/main.ts:3:1)',
  ].join('\n');

  it('names the error, its message and the first line of a served module', () => {
    const e = new TypeError('boom');
    e.stack = stack;
    expect(describeUncaught(e, 'uncaughtException')).toBe('uncaught TypeError: boom (tasks.ts:12)');
    expect(describeUncaught(e, 'unhandledRejection')).toBe('unhandled rejection TypeError: boom (tasks.ts:12)');
  });

  it('without a served module, the first frame outside Node and tendril; with none, no location', () => {
    expect(throwSite('Error: x\n    at f (node:fs:1:1)\n    at g (/home/u/run.js:40:2)')).toBe('run.js:40');
    expect(throwSite('Error: x\n    at f (node:fs:1:1)\n    at tendril-core.js:20:3')).toBeNull();
    const e = new Error('first line\nsecond line');
    e.stack = 'Error: first line\n    at f (node:fs:1:1)';
    expect(describeUncaught(e, 'uncaughtException')).toBe('uncaught Error: first line');
  });

  it('a thrown value that is not an Error is quoted, long messages are cut', () => {
    expect(describeUncaught('oops', 'uncaughtException')).toBe('uncaught string "oops"');
    const long = describeUncaught(new Error('x'.repeat(1000)), 'uncaughtException');
    expect(long.length).toBeLessThan(400);
  });

  it('the shared slot keeps the first words, cut to its size', () => {
    const slot = lastWordsSlot();
    expect(readLastWords(slot)).toBeNull();
    writeLastWords(slot, 'uncaught Error: first');
    writeLastWords(slot, 'uncaught Error: second');
    expect(readLastWords(slot)).toBe('uncaught Error: first');
    const big = lastWordsSlot();
    writeLastWords(big, 'é'.repeat(10_000));
    expect(readLastWords(big)!.length).toBeGreaterThan(1000);
  });
});

describe('one reason from what the parent saw', () => {
  const base = { streamReason: 'web disconnected' };

  it("the child's last words come first, then the heartbeat, then the exit, then the stream", () => {
    const exit = { code: 1, signal: null };
    expect(deathReason({ ...base, exit, lastWords: 'uncaught TypeError: boom (tasks.ts:3)', silenced: true })).toBe('uncaught TypeError: boom (tasks.ts:3)');
    expect(deathReason({ streamReason: 'no heartbeat from web for 900 ms', silenced: true, exit: { code: null, signal: 'SIGKILL' } })).toBe(
      'no heartbeat from web for 900 ms',
    );
    expect(deathReason({ ...base, exit: { code: null, signal: 'SIGKILL' } })).toBe('killed by SIGKILL');
    expect(deathReason({ ...base, exit: { code: 7, signal: null } })).toBe('exited with code 7');
    expect(deathReason(base)).toBe('web disconnected');
  });

  it('a requested shutdown that exits 0 says so; any other exit still shows', () => {
    expect(deathReason({ ...base, asked: true, exit: { code: 0, signal: null } })).toBe('shutdown requested');
    expect(deathReason({ ...base, asked: true, exit: { code: 3, signal: null } })).toBe('exited with code 3');
    expect(deathReason({ ...base, asked: true })).toBe('shutdown requested (web disconnected)');
  });

  it("a shell's 128 + n is read as the signal; a method may read its own codes first", () => {
    expect(describeExitCode(137)).toBe('exited with code 137 (128 + 9: killed by SIGKILL)');
    expect(describeExitCode(2)).toBe('exited with code 2');
    const ssh = (code: number): string | undefined => (code === 255 ? 'ssh exited with code 255' : undefined);
    expect(deathReason({ ...base, exit: { code: 255, signal: null }, describeExit: ssh })).toBe('ssh exited with code 255');
    expect(deathReason({ ...base, exit: { code: 5, signal: null }, describeExit: ssh })).toBe('exited with code 5');
  });
});

describe('default context names identify the target', () => {
  installMasterMethods();
  const name = <M extends ConnectionMethod>(method: M, opts: MethodOptions[M], id = 3): string =>
    defaultContextName(method, METHODS[method], opts, id);

  it('ssh.web1, ssh.web1:2222, sudo.root, docker.app, local.3', () => {
    expect(name('ssh', { hostname: 'web1' })).toBe('ssh.web1');
    expect(name('ssh', { hostname: 'web1', port: 22 })).toBe('ssh.web1');
    expect(name('ssh', { hostname: 'web1', port: 2222 })).toBe('ssh.web1:2222');
    expect(name('sudo', {})).toBe('sudo.root');
    expect(name('sudo', { username: 'bob' })).toBe('sudo.bob');
    expect(name('su', { username: 'alice' })).toBe('su.alice');
    expect(name('doas', {})).toBe('doas.root');
    expect(name('docker', { container: 'app' })).toBe('docker.app');
    expect(name('docker', { image: 'node:20' })).toBe('docker.node:20');
    expect(name('podman', { container: 'db' })).toBe('podman.db');
    expect(name('kubectl', { pod: 'web-0', container: 'app' })).toBe('kubectl.web-0/app');
    expect(name('lxd', { container: 'c1' })).toBe('lxd.c1');
    expect(name('local', {})).toBe('local.3');
    expect(name('local', {}, 12)).toBe('local.12');
  });

  it('an unknown method falls back to <method>.<id>', () => {
    expect(defaultContextName('nosuch' as ConnectionMethod, undefined, {}, 4)).toBe('nosuch.4');
  });
});
