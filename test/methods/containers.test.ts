// Container methods run through stub CLIs on PATH (test/fixtures/stubs/cli-stub.sh): each test
// checks the exact argv the method gave its tool, and that the context it started answers.
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StreamError, type Context, type MethodOptions, type ConnectionMethod } from '../../src/index.js';
import { withRouter } from '../support/router.js';

const stub = fileURLToPath(new URL('../fixtures/stubs/cli-stub.sh', import.meta.url));
const TOOLS = ['docker', 'podman', 'buildah', 'kubectl', 'lxc-attach', 'lxc-info', 'lxc', 'incus', 'jexec', 'nsenter', 'machinectl'];
/** The node command line every method hands its tool, after `sh -c`. */
const NODE_LINE = /^exec node --experimental-vm-modules -e "eval\(Buffer\.from\(process\.argv\.pop\(\),process\.argv\.pop\(\)\)\.toString\(\)\)" [0-9a-f]+ base64 [A-Za-z0-9+/=]+ 3<&0 4>&1 0<\/dev\/null 1>&2$/;

let dir: string;
let savedPath: string | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tendril-stubs-'));
  mkdirSync(join(dir, 'bin'));
  for (const t of TOOLS) symlinkSync(stub, join(dir, 'bin', t));
  savedPath = process.env.PATH;
  process.env.PATH = `${join(dir, 'bin')}:${process.env.PATH}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  rmSync(join(dir, 'calls'), { recursive: true, force: true });
  mkdirSync(join(dir, 'calls'));
  process.env.STUB_CALLS = join(dir, 'calls');
});

/** The argv of every stub call, in order. */
function calls(): string[][] {
  return readdirSync(join(dir, 'calls'))
    .sort()
    .map((f) => readFileSync(join(dir, 'calls', f), 'utf8').split('\0').slice(0, -1));
}

/** Checks one call: `prefix` exactly, then `sh -c <the node line>`. */
function expectNodeCall(argv: string[], prefix: string[]): void {
  expect(argv.slice(0, prefix.length)).toEqual(prefix);
  expect(argv.slice(prefix.length, prefix.length + 2)).toEqual(['sh', '-c']);
  expect(argv[prefix.length + 2]).toMatch(NODE_LINE);
  expect(argv.length).toBe(prefix.length + 3);
}

const CASES: { method: ConnectionMethod; opts: Record<string, unknown>; argv: string[] }[] = [
  { method: 'docker', opts: { container: 'web', username: 'alice' }, argv: ['docker', 'exec', '-i', '-u', 'alice', 'web'] },
  { method: 'docker', opts: { image: 'node:20-slim' }, argv: ['docker', 'run', '-i', '--rm', 'node:20-slim'] },
  { method: 'podman', opts: { container: 'db' }, argv: ['podman', 'exec', '-i', 'db'] },
  { method: 'buildah', opts: { container: 'work', username: 'alice' }, argv: ['buildah', 'run', '--user', 'alice', 'work', '--'] },
  {
    method: 'kubectl',
    opts: { pod: 'api-0', container: 'app', kubectlArgs: ['--context', 'prod', '-n', 'shop'] },
    argv: ['kubectl', '--context', 'prod', '-n', 'shop', 'exec', '-i', 'api-0', '-c', 'app', '--'],
  },
  { method: 'lxc', opts: { container: 'c1' }, argv: ['lxc-attach', '--clear-env', '-n', 'c1', '--'] },
  { method: 'lxd', opts: { container: 'c2' }, argv: ['lxc', 'exec', 'c2', '--mode=non-interactive', '--'] },
  { method: 'incus', opts: { container: 'c3' }, argv: ['incus', 'exec', 'c3', '--mode=non-interactive', '--'] },
  { method: 'jail', opts: { container: 'j1', username: 'alice' }, argv: ['jexec', '-U', 'alice', 'j1'] },
];

describe('container methods (stub CLIs on PATH)', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  for (const c of CASES) {
    it(`${c.method} ${JSON.stringify(c.opts)} runs ${c.argv.join(' ')} sh -c '<node>' and the context answers`, async () => {
      const ctx: Context = await fx.router.connect(c.method, c.opts as MethodOptions[typeof c.method]);
      expect(await ctx.call('node:os', 'hostname')).toBeTruthy();
      const seen = calls();
      expect(seen).toHaveLength(1);
      expectNodeCall(seen[0]!, c.argv);
    });
  }

  it('setns (docker): the leader pid from docker inspect, then nsenter into its namespaces', async () => {
    const ctx = await fx.router.setns({ kind: 'docker', container: 'web' });
    expect(await ctx.call('node:os', 'hostname')).toBeTruthy();
    const [inspect, enter] = calls();
    expect(inspect).toEqual(['docker', 'inspect', '--format', '{{.State.Pid}}', 'web']);
    expectNodeCall(enter!, ['nsenter', '-t', '4242', '-m', '-u', '-i', '-n', '-p', '--']);
  });

  it('setns (lxd, with username): pid from lxc query, uid/gid looked up inside the container', async () => {
    const ctx = await fx.router.setns({ kind: 'lxd', container: 'c2', username: 'alice' });
    expect(await ctx.call('node:os', 'hostname')).toBeTruthy();
    const seen = calls();
    expect(seen[0]).toEqual(['lxc', 'query', '/1.0/instances/c2/state']);
    expect(seen.slice(1, 3)).toEqual([
      ['nsenter', '-t', '4242', '-m', '--', 'id', '-u', 'alice'],
      ['nsenter', '-t', '4242', '-m', '--', 'id', '-g', 'alice'],
    ]);
    expectNodeCall(seen[3]!, ['nsenter', '-t', '4242', '-m', '-u', '-i', '-n', '-p', '-S', '1000', '-G', '1000', '--']);
  });

  it('setns (lxc, machinectl) find the pid with lxc-info and machinectl', async () => {
    await fx.router.setns({ kind: 'lxc', container: 'c1' });
    expect(calls()[0]).toEqual(['lxc-info', '-H', '-p', '-n', 'c1']);
    await fx.router.setns({ kind: 'machinectl', container: 'm1' });
    expect(calls().at(-2)).toEqual(['machinectl', 'show', '--property=Leader', '--value', 'm1']);
  });

  it('path options name the tool; bad options are StreamErrors before anything runs', async () => {
    const ctx = await fx.router.docker({ container: 'web', dockerPath: join(dir, 'bin', 'podman') });
    expect(await ctx.call('node:os', 'hostname')).toBeTruthy();
    expect(calls()[0]!.slice(0, 4)).toEqual(['podman', 'exec', '-i', 'web']);
    await expect(fx.router.docker({})).rejects.toThrow(/exactly one of container and image/);
    await expect(fx.router.kubectl({ pod: '--all' })).rejects.toBeInstanceOf(StreamError);
    await expect(fx.router.setns({ kind: 'nope' as 'docker', container: 'x' })).rejects.toThrow(/kind must be/);
    expect(calls()).toHaveLength(1);
  });

  it('node missing in the container is a StreamError naming nodePath', async () => {
    const err = await fx.router.docker({ container: 'web', nodePath: '/opt/none/node' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect((err as Error).message).toMatch(/node was not found on the target \(nodePath "\/opt\/none\/node"\)/);
  });
});
