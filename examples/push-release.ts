// Pushes a release directory to a fleet, with a progress bar per host. The fleet is four
// local contexts started through a "bastion" context (or ssh hosts named on the command
// line, reached directly); each file goes down the tree once per link: the bastion receives
// it once and serves its copy to the hosts behind it (router.files.push). Every copy is
// written to a temporary file and renamed into place once its size and sha256 match, so a
// host never sees a half-written file. Without a directory, a sample release is made.
//
//   node --import tsx examples/push-release.ts [release-dir] [dest-dir] [user@host[:port] ...]
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Router, isMain, type Context } from 'tendril';

/** Every regular file below `dir`. */
function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesOf(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

function sampleRelease(): string {
  const dir = mkdtempSync(join(tmpdir(), 'release-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'bin/app'), randomBytes(24 << 20), { mode: 0o755 });
  writeFileSync(join(dir, 'assets/bundle.js'), randomBytes(6 << 20));
  writeFileSync(join(dir, 'VERSION'), '1.2.3\n');
  return dir;
}

function bar(bytes: number, total: number, width = 30): string {
  const frac = total === 0 ? 1 : bytes / total;
  const full = Math.round(frac * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(frac * 100).toFixed(0).padStart(3)}%`;
}

async function main(): Promise<void> {
  const [release = sampleRelease(), dest = mkdtempSync(join(tmpdir(), 'deployed-')), ...sshHosts] = process.argv.slice(2);
  const files = filesOf(release);
  const total = files.reduce((n, f) => n + statSync(f).size, 0);
  await using router = new Router();
  let hosts: Context[];
  if (sshHosts.length > 0) {
    hosts = await Promise.all(
      sshHosts.map((spec) => {
        const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(spec)!;
        return router.ssh({ username: m[1], hostname: m[2]!, port: m[3] ? Number(m[3]) : undefined, compression: false });
      }),
    );
  } else {
    const bastion = await router.local({ name: 'bastion' });
    hosts = await Promise.all(['web1', 'web2', 'web3', 'web4'].map((name) => router.local({ name, via: bastion })));
  }
  const done = new Map<Context, number>(hosts.map((h) => [h, 0]));
  const current = new Map<Context, number>();
  const tty = process.stdout.isTTY === true;
  let drawn = false;
  const draw = (): void => {
    if (tty && drawn) process.stdout.write(`\x1b[${hosts.length}A`);
    for (const h of hosts) process.stdout.write(`${h.name.padEnd(12)} ${bar(done.get(h)! + (current.get(h) ?? 0), total)}\x1b[K\n`);
    drawn = true;
  };
  const timer = tty ? setInterval(draw, 100) : null;
  console.log(`pushing ${files.length} files (${(total / 2 ** 20).toFixed(1)} MiB) from ${release} to ${dest} on ${hosts.length} hosts`);
  const t0 = performance.now();
  let masterBytes = 0;
  try {
    for (const file of files) {
      const size = statSync(file).size;
      const push = router.files.push(hosts, file, join(dest, relative(release, file)), { mkdirs: true, mode: 'preserve', mtime: true });
      const sub = push.targets$.subscribe((p) => current.set(p.context, p.bytes));
      masterBytes += (await push).bytes;
      sub.unsubscribe();
      for (const h of hosts) done.set(h, done.get(h)! + size);
      current.clear();
    }
  } finally {
    if (timer) clearInterval(timer);
  }
  draw();
  const s = (performance.now() - t0) / 1000;
  console.log(`done in ${s.toFixed(1)} s; the master sent ${(masterBytes / 2 ** 20).toFixed(1)} MiB for ${hosts.length} copies of ${(total / 2 ** 20).toFixed(1)} MiB`);
}

if (isMain(import.meta)) await main();
