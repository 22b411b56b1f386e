// fakeSsh against a context behind ssh -> sudo (alice@127.0.0.2, then sudo to bob with
// alice's password): real rsync -a --delete of a 200-file tree (a 20 MiB file, symlinks) into
// bob's home, a second rsync that transfers nothing, byte-exact (diff -r); scp both ways in
// both protocols (SFTP and legacy); exit codes and signals; cleanup of the private directory.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Context } from '../../src/index.js';
import { fakeSsh } from '../../src/fakessh/fake-ssh.js';
import { HOST_A, PASSWORDS, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { withRouter } from '../support/router.js';

/** Every entry below `root`: relative path -> 'dir' | 'file:<size>' | 'link:<target>'. */
function listing(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const key = relative(root, p);
      if (st.isSymbolicLink()) out.set(key, `link:${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(key, 'dir');
        walk(p);
      } else out.set(key, `file:${st.size}`);
    }
  };
  walk(root);
  return out;
}

/** A tree of 200 files: 194 small ones in nested directories, a 20 MiB one, 5 symlinks. */
function makeTree(root: string): void {
  for (let i = 0; i < 194; i++) {
    const dir = join(root, `d${i % 7}`, `s${i % 3}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.txt`), randomBytes(1 + ((i * 977) % 5000)));
  }
  writeFileSync(join(root, 'big.bin'), randomBytes(20 << 20));
  symlinkSync('big.bin', join(root, 'big-link'));
  symlinkSync('../s1/f1.txt', join(root, 'd1', 's0', 'up-link'));
  symlinkSync('d2', join(root, 'dir-link'));
  symlinkSync('/etc/hostname', join(root, 'absolute-link'));
  symlinkSync('no-such-file', join(root, 'dangling-link'));
}

const fakesshDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('tendril-fakessh-'));

const stat = (out: string, what: string): number => Number(new RegExp(`${what}: ([\\d,]+)`).exec(out)?.[1]?.replace(/,/g, '') ?? NaN);

describeHosts('fakessh through ssh -> sudo', () => {
  const fx = withRouter({ shutdownTimeout: 2000 }, { scope: 'file' });
  let bob: Context;
  let work: string;
  const dest = `tendril-fakessh-test-${process.pid}`;
  const destAbs = `/home/bob/${dest}`;

  beforeAll(async () => {
    const alice = await fx.router.ssh({ ...sshTo(HOST_A, 'alice'), name: 'alice' });
    bob = await fx.router.sudo({ via: alice, username: 'bob', password: PASSWORDS.alice, name: 'bob' });
    work = mkdtempSync(join(tmpdir(), 'fakessh-test-'));
  }, 60_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    rmSync(destAbs, { recursive: true, force: true });
    rmSync(`/home/bob/${dest}.scp`, { force: true });
    rmSync(`${destAbs}.git`, { recursive: true, force: true });
  });

  it('rsync -a --delete of a 200-file tree lands byte-exact in bob\'s home; a second rsync transfers nothing', async () => {
    const src = join(work, 'tree');
    makeTree(src);
    // A stale file in the destination: --delete removes it.
    const stale = await bob.exec(`mkdir -p ${destAbs} && echo stale > ${destAbs}/stale.txt && id -un`);
    expect(stale.stdout.trim()).toBe('bob');
    const before = fakesshDirs();

    const first = await fakeSsh(bob, ['rsync', '-a', '--delete', '--stats', `${src}/`, `anyhost:${dest}/`], { stdio: 'pipe' });
    expect(first.stderr).toBe('');
    expect(first).toMatchObject({ code: 0, signal: null });
    expect(first.stdout).toMatch(/Number of files: [\d,]+ \(reg: 195, dir: \d+, link: 5\)/);
    expect(stat(first.stdout!, 'Number of deleted files')).toBe(1);
    expect(stat(first.stdout!, 'Number of regular files transferred')).toBe(195);

    // Byte-exact (diff -r, without following symlinks), the same entries and link targets.
    const diff = spawnSync('diff', ['-r', '--no-dereference', src, destAbs], { encoding: 'utf8' });
    expect(diff.stdout + diff.stderr).toBe('');
    expect(diff.status).toBe(0);
    expect(listing(destAbs)).toEqual(listing(src));
    expect(readFileSync(join(destAbs, 'big.bin')).equals(readFileSync(join(src, 'big.bin')))).toBe(true);
    // Written by the context's account.
    expect(lstatSync(join(destAbs, 'big.bin')).uid).toBe(lstatSync('/home/bob').uid);

    const second = await fakeSsh(bob, ['rsync', '-a', '--delete', '--stats', `${src}/`, `anyhost:${dest}/`], { stdio: 'pipe' });
    expect(second).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(stat(second.stdout!, 'Number of regular files transferred')).toBe(0);
    expect(stat(second.stdout!, 'Number of deleted files')).toBe(0);
    expect(stat(second.stdout!, 'Literal data')).toBe(0);
    // Nothing left behind: the private directory with the ssh script and the socket is gone.
    expect(fakesshDirs()).toEqual(before);
  }, 300_000);

  it('rsync back from the context (the remote side sends), byte-exact', async () => {
    const back = join(work, 'back');
    const r = await fakeSsh(bob, ['rsync', '-a', `h:${dest}/`, `${back}/`], { stdio: 'pipe' });
    expect(r).toMatchObject({ code: 0, signal: null, stderr: '' });
    const diff = spawnSync('diff', ['-r', '--no-dereference', destAbs, back], { encoding: 'utf8' });
    expect(diff.stdout + diff.stderr).toBe('');
    expect(diff.status).toBe(0);
  }, 300_000);

  it.each([
    ['SFTP (the default)', []],
    ['the legacy protocol (-O)', ['-O']],
  ])('scp over %s, both ways, byte-exact', async (_name, flags) => {
    const file = join(work, `scp-${flags.length}.bin`);
    const data = randomBytes(3 << 20);
    writeFileSync(file, data);
    const up = await fakeSsh(bob, ['scp', ...flags, file, `h:${dest}.scp`], { stdio: 'pipe' });
    expect(up).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(readFileSync(`/home/bob/${dest}.scp`).equals(data)).toBe(true);
    expect(lstatSync(`/home/bob/${dest}.scp`).uid).toBe(lstatSync('/home/bob').uid);
    const down = join(work, `scp-${flags.length}.back`);
    const r = await fakeSsh(bob, ['scp', ...flags, `h:${dest}.scp`, down], { stdio: 'pipe' });
    expect(r).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(readFileSync(down).equals(data)).toBe(true);
  }, 120_000);

  it('git push and clone through the context (a bare repository in bob\'s home)', async () => {
    expect((await bob.exec(`git init -q --bare ${destAbs}.git`)).code).toBe(0);
    const local = join(work, 'repo');
    const git = (...args: string[]): void => {
      const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-C', local, ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    };
    mkdirSync(local);
    git('init', '-q');
    writeFileSync(join(local, 'README'), 'through fakessh\n');
    git('add', 'README');
    git('commit', '-qm', 'first');
    const push = await fakeSsh(bob, ['git', '-C', local, 'push', '-q', `h:${dest}.git`, 'HEAD:refs/heads/main'], { stdio: 'pipe' });
    expect(push).toMatchObject({ code: 0, signal: null, stderr: '' });
    const clone = join(work, 'clone');
    const r = await fakeSsh(bob, ['git', 'clone', '-q', '-b', 'main', `h:${dest}.git`, clone], { stdio: 'pipe' });
    expect(r).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(readFileSync(join(clone, 'README'), 'utf8')).toBe('through fakessh\n');
  }, 120_000);

  it('the remote command runs as the context\'s account in its home; exit codes and signals come back', async () => {
    const r = await fakeSsh(bob, ['ssh', '-p', '22', '-o', 'BatchMode=yes', 'user@host', 'id -un; pwd; echo err >&2; exit 7'], { stdio: 'pipe' });
    expect(r).toEqual({ code: 7, signal: null, stdout: 'bob\n/home/bob\n', stderr: 'err\n' });
    // The remote shell kills itself: fakessh's ssh dies of the same signal.
    expect(await fakeSsh(bob, ['ssh', 'host', 'kill -TERM $$'], { stdio: 'pipe' })).toMatchObject({ code: null, signal: 'SIGTERM' });
    // Seen from a caller that goes on afterwards (sh prints 128+15; its stdout still works).
    const killed = await fakeSsh(bob, ['sh', '-c', 'ssh host "kill -TERM \\$\\$"; echo "status $?"'], { stdio: 'pipe' });
    expect(killed).toMatchObject({ code: 0, stdout: 'status 143\n' });
  }, 60_000);

  it('stdin reaches the remote command, and a refused argv fails like ssh (255) with a reason', async () => {
    const input = join(work, 'input.bin');
    const data = randomBytes(5 << 20);
    writeFileSync(input, data);
    const r = await fakeSsh(bob, ['sh', '-c', `ssh h 'sha256sum' < ${input}`], { stdio: 'pipe' });
    const expected = spawnSync('sha256sum', [input], { encoding: 'utf8' }).stdout.split(' ')[0];
    expect(r.stdout!.split(' ')[0]).toBe(expected);
    const interactive = await fakeSsh(bob, ['ssh', 'host'], { stdio: 'pipe' });
    expect(interactive.code).toBe(255);
    expect(interactive.stderr).toMatch(/fakessh: no remote command/);
  }, 60_000);

  it('flow control: a local reader that does not read holds the remote writer back; then everything arrives', async () => {
    const size = 200_000_000;
    const gate = join(work, 'gate');
    expect(spawnSync('mkfifo', [gate]).status).toBe(0);
    // The reader waits on the gate (a FIFO) before reading the ssh's output at all.
    const running = fakeSsh(bob, ['sh', '-c', `ssh h 'exec head -c ${size} /dev/zero' | { read -r _ < ${gate}; wc -c; }`], { stdio: 'pipe' });
    const writer = (): number | null => {
      const r = spawnSync('pgrep', ['-u', 'bob', '-f', `^head -c ${size} /dev/zero`], { encoding: 'utf8' });
      const pid = r.stdout.trim().split('\n')[0];
      if (!pid) return null;
      try {
        return Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
      } catch {
        return null;
      }
    };
    await expect.poll(writer, { timeout: 30_000 }).toBeGreaterThan(0);
    // Wait until the remote writer is stuck (its count stops moving), then look at how far it got.
    let last = -1;
    await expect
      .poll(
        () => {
          const now = writer();
          const stuck = now === last;
          last = now ?? -1;
          return stuck;
        },
        { timeout: 60_000, interval: 700 },
      )
      .toBe(true);
    // Held back by the pipes, the stream's credit and the socket: a small part of the whole.
    expect(last).toBeLessThan(size / 4);
    writeFileSync(gate, 'go\n');
    const r = await running;
    expect(r).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(r.stdout!.trim()).toBe(String(size));
  }, 180_000);

  it('the context dying mid-transfer ends the ssh with 255 and the program with an error; nothing is left behind', async () => {
    const doomed = await fx.router.local({ name: 'doomed' });
    const before = fakesshDirs();
    // A remote command that never ends: only the context's death can end the ssh.
    const running = fakeSsh(doomed, ['sh', '-c', 'ssh h "echo started; exec sleep 600"; echo "ssh status $?"'], { stdio: 'pipe' });
    await expect.poll(() => fakesshDirs().length, { timeout: 20_000 }).toBeGreaterThan(before.length);
    fx.router.disconnect(doomed);
    const r = await running;
    expect(r.stdout).toMatch(/ssh status 255/);
    expect(r.stderr).toMatch(/fakessh: cannot run the command in context 'doomed'/);
    expect(fakesshDirs()).toEqual(before);
  }, 60_000);

  it('a master that exits while fakeSsh() runs leaves no private directory behind', async () => {
    const script = fileURLToPath(new URL('../fixtures/fakessh/exit-midway.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(3);
    const made = r.stdout.trim();
    expect(made).toMatch(/^tendril-fakessh-/);
    expect(existsSync(join(tmpdir(), made))).toBe(false);
  }, 90_000);

  it('a program that cannot be run rejects, and leaves no private directory behind', async () => {
    const before = fakesshDirs();
    await expect(fakeSsh(bob, ['no-such-program-xyz'])).rejects.toThrow(/cannot run 'no-such-program-xyz'/);
    expect(fakesshDirs()).toEqual(before);
  });
});
