// Host specs, host files and inventories (JSON, YAML), and the command line's usage errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHosts } from '../../src/cli/hosts.js';
import { parseCommandLine } from '../../src/cli/options.js';
import { UsageError } from '../../src/cli/usage-error.js';

const dir = mkdtempSync(join(tmpdir(), 'tendril-cli-hosts-'));
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return name;
};

describe('HOSTS', () => {
  it('reads [user@]host[:port], local and IPv6 in brackets, each once', () => {
    expect(parseHosts('alice@10.0.0.1:2222,db1,local,[::1]:22,db1')).toEqual([
      { label: 'alice@10.0.0.1:2222', local: false, hostname: '10.0.0.1', user: 'alice', port: 2222 },
      { label: 'db1', local: false, hostname: 'db1' },
      { label: 'local', local: true },
      { label: '[::1]:22', local: false, hostname: '::1', port: 22 },
    ]);
  });

  it('refuses what is not a host', () => {
    expect(() => parseHosts('a@b@c')).toThrow(UsageError);
    expect(() => parseHosts('web:99999')).toThrow(/not a port/);
    expect(() => parseHosts(',,')).toThrow(/no hosts/);
  });

  it('reads a host file, one a line, with comments', () => {
    const f = file('hosts.txt', '# the web tier\nweb1\n\nbob@web2:2200  # canary\n');
    expect(parseHosts(`@${f}`, dir).map((h) => h.label)).toEqual(['web1', 'bob@web2:2200']);
  });

  it('reads a YAML inventory: defaults, per-host options, nested groups', () => {
    const f = file(
      'inv.yaml',
      [
        'defaults: { user: deploy }',
        'hosts:',
        '  web1: { host: 127.0.0.2, port: 2222, user: alice }',
        '  web2: { host: 127.0.0.3, port: 2222, via: [carol@127.0.0.2:2222], become: true, becomeUser: bob }',
        '  db1:',
        '  box: { local: true }',
        'groups:',
        '  web: [web1, web2]',
        '  all: [web, db1]',
      ].join('\n'),
    );
    expect(parseHosts(`@${f}:web`, dir)).toEqual([
      { label: 'web1', local: false, hostname: '127.0.0.2', port: 2222, user: 'alice' },
      { label: 'web2', local: false, hostname: '127.0.0.3', port: 2222, user: 'deploy', via: ['carol@127.0.0.2:2222'], become: { user: 'bob' } },
    ]);
    expect(parseHosts(`@${f}:all`, dir).map((h) => h.label)).toEqual(['web1', 'web2', 'db1']);
    expect(parseHosts(`@${f}`, dir).map((h) => [h.label, h.local])).toEqual([['web1', false], ['web2', false], ['db1', false], ['box', true]]);
    expect(() => parseHosts(`@${f}:nope`, dir)).toThrow(/no group 'nope' \(groups: web, all\)/);
  });

  it('reads a JSON inventory and a JSON list; says what is wrong in a bad one', () => {
    const inv = file('inv.json', JSON.stringify({ hosts: { a: { host: 'h1', becomeMethod: 'doas' } } }));
    expect(parseHosts(`@${inv}`, dir)).toEqual([{ label: 'a', local: false, hostname: 'h1', become: { method: 'doas' } }]);
    expect(parseHosts(`@${file('list.json', '["x@h:1", "local"]')}`, dir).map((h) => h.label)).toEqual(['x@h:1', 'local']);
    expect(() => parseHosts(`@${file('bad.yaml', 'hosts:\n  a: { colour: red }\n')}`, dir)).toThrow(/host 'a': unknown option 'colour'/);
    expect(() => parseHosts(`@${file('loop.yaml', 'hosts: { a: null }\ngroups: { g: [h], h: [g] }\n')}:g`, dir)).toThrow(/contains itself/);
    expect(() => parseHosts(`@${file('broken.yaml', 'hosts: [\n')}`, dir)).toThrow(/inventory 'broken.yaml'/);
    expect(() => parseHosts('@missing.yaml', dir)).toThrow(/cannot read host file 'missing.yaml': ENOENT/);
  });
});

describe('the command line', () => {
  it('parses sh with every option', () => {
    const r = parseCommandLine(['sh', 'h1,h2', '-u', 'bob', '-p', '2200', '-J', 'b1', '-J', 'b2,b3', '-b', '--become-method', 'su', '-f', '3', '-t', '1.5', '--json', '--', 'echo', '$HOME']);
    expect(r).toMatchObject({ command: 'sh', script: 'echo $HOME', user: 'bob', port: 2200, via: ['b1', 'b2', 'b3'], become: { method: 'su', user: 'root' }, forks: 3, timeout: 1500, json: true });
    expect(parseCommandLine(['sh', 'h', '--', 'x'])).toMatchObject({ forks: 16, become: null, via: [] });
  });

  it('parses run arguments as JSON, and cp in both directions', () => {
    const r = parseCommandLine(['run', 'h', 'test/cli/fixtures/tasks.ts#whoami', '"a"', '--', '-1', '{"x":[1]}']);
    expect(r).toMatchObject({ command: 'run', fn: 'whoami', args: ['a', -1, { x: [1] }] });
    expect(parseCommandLine(['cp', 'package.json', 'a@h:2222,b:/tmp/x'])).toMatchObject({ direction: 'push', dest: '/tmp/x', hosts: [{ label: 'a@h:2222' }, { label: 'b' }] });
    expect(parseCommandLine(['cp', 'h1:/etc/hostname', 'out/'])).toMatchObject({ direction: 'fetch', src: '/etc/hostname', hosts: [{ label: 'h1' }] });
  });

  it.each([
    [['sh'], /no HOSTS/],
    [['sh', 'h'], /no COMMAND/],
    [['sh', 'h', '--bogus', '--', 'x'], /Unknown option '--bogus'/],
    [['sh', 'h', '-f', '0', '--', 'x'], /--forks: '0'/],
    [['sh', 'h', '--become-method', 'pkexec', '--', 'x'], /not sudo, su or doas/],
    [['run', 'h', 'nope.ts#f'], /no such file: nope.ts/],
    [['run', 'h', 'test/cli/fixtures/tasks.ts#f', 'bare'], /argument 1 is not JSON: bare/],
    [['cp', 'package.json'], /cp takes SRC and DEST/],
    [['cp', 'package.json', 'h'], /not HOSTS:DEST/],
    [['facts', 'h', 'extra'], /unexpected argument 'extra'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
