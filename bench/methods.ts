// Connection methods against the local test sshd (test/hosts/up.sh: 127.0.0.2:2222, account
// alice, key auth), in one run: the physical limits `ssh host true` and `ssh host node -e ''`,
// tendril's ssh bootstrap + first call with each transport, and ten contexts on one host with
// ssh2 (one shared connection) vs OpenSSH (one connection each).
// Run alone with `node --import tsx bench/methods.ts` (after `npm run build`), or from
// bench/run.ts: `const f = await measureMethods(); if (f) ...` / `await benchMethods()`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { median, msSince, now } from './stats.js';
import { Router, type Context } from './tendril.js';

const STATE = process.env.TENDRIL_HOSTS_DIR ?? '/var/lib/tendril-test-hosts';
const HOST = '127.0.0.2';
const PORT = 2222;
const USER = 'alice';
const KEY = `${STATE}/client/id_ed25519`;
const KNOWN = `${STATE}/client/known_hosts`;
const RUNS = Number(process.env.BENCH_METHOD_RUNS ?? 7);
const FAN_OUT = 10;

export interface MethodFigures {
  runs: number;
  /** Limits: the ssh client alone. */
  sshTrueMs: number;
  sshNodeMs: number;
  /** tendril ssh context started and called once (a new connection each time). */
  opensshBootMs: number;
  ssh2BootMs: number;
  /** ssh2, a context on a connection that is already open (a channel only). */
  ssh2WarmBootMs: number;
  /** FAN_OUT contexts on one host started concurrently and called once each. */
  fanOut: { n: number; opensshMs: number; ssh2Ms: number };
}

const sshOpts = { hostname: HOST, port: PORT, username: USER, identityFile: KEY, knownHostsFile: KNOWN };
const sshArgv = ['-T', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${KNOWN}`, '-i', KEY, '-o', 'IdentitiesOnly=yes', '-p', String(PORT), `${USER}@${HOST}`];

function run(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const p = spawn('ssh', argv, { stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(msSince(t0)) : reject(new Error(`ssh ${argv.at(-1)} exited ${code}`))));
  });
}

async function boot(router: Router, transport: 'openssh' | 'ssh2'): Promise<{ ms: number; ctx: Context }> {
  const t0 = now();
  const ctx = await router.ssh({ ...sshOpts, transport });
  await ctx.call('node:os', 'uptime');
  return { ms: msSince(t0), ctx };
}

/** The figures, or null (with the reason on stderr) when the test sshd is not up. */
export async function measureMethods(): Promise<MethodFigures | null> {
  if (!existsSync(`${STATE}/ready`) || !existsSync(KEY)) {
    process.stderr.write(`bench/methods: the test sshd is not up (run test/hosts/up.sh as root): skipped\n`);
    return null;
  }
  const sshTrue: number[] = [];
  const sshNode: number[] = [];
  const openssh: number[] = [];
  const ssh2: number[] = [];
  const ssh2Warm: number[] = [];
  const router = new Router({ printLogs: false });
  try {
    // Warm-up (page cache, sshd's first fork), then alternate so drift hits every figure alike.
    await run([...sshArgv, 'true']);
    await (await boot(router, 'openssh')).ctx.shutdown({ wait: true });
    for (let i = 0; i < RUNS; i++) {
      sshTrue.push(await run([...sshArgv, 'true']));
      sshNode.push(await run([...sshArgv, "node -e ''"]));
      const a = await boot(router, 'openssh');
      openssh.push(a.ms);
      await a.ctx.shutdown({ wait: true });
      // The connection closes with its last channel: each ssh2 boot below pays a new one...
      const b = await boot(router, 'ssh2');
      ssh2.push(b.ms);
      // ...and a second context while the first is up rides on it.
      const c = await boot(router, 'ssh2');
      ssh2Warm.push(c.ms);
      await Promise.all([b.ctx.shutdown({ wait: true }), c.ctx.shutdown({ wait: true })]);
    }
    const fan = async (transport: 'openssh' | 'ssh2'): Promise<number> => {
      const t0 = now();
      const ctxs = await Promise.all(Array.from({ length: FAN_OUT }, (_, i) => router.ssh({ ...sshOpts, transport, name: `${transport}-${i}` })));
      await Promise.all(ctxs.map((c) => c.call('node:os', 'uptime')));
      const ms = msSince(t0);
      await Promise.all(ctxs.map((c) => c.shutdown({ wait: true })));
      return ms;
    };
    const fanOpenssh: number[] = [];
    const fanSsh2: number[] = [];
    for (let i = 0; i < 3; i++) {
      fanOpenssh.push(await fan('openssh'));
      fanSsh2.push(await fan('ssh2'));
    }
    return {
      runs: RUNS,
      sshTrueMs: median(sshTrue),
      sshNodeMs: median(sshNode),
      opensshBootMs: median(openssh),
      ssh2BootMs: median(ssh2),
      ssh2WarmBootMs: median(ssh2Warm),
      fanOut: { n: FAN_OUT, opensshMs: median(fanOpenssh), ssh2Ms: median(fanSsh2) },
    };
  } finally {
    await router.shutdown();
  }
}

export async function benchMethods(): Promise<MethodFigures | null> {
  const f = await measureMethods();
  if (!f) return null;
  const x = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  console.log(`\nconnection methods (local sshd ${HOST}:${PORT}, key auth, medians of ${f.runs})`);
  console.log(`  limit: ssh host true                      ${f.sshTrueMs.toFixed(0)} ms`);
  console.log(`  limit: ssh host node -e ''                ${f.sshNodeMs.toFixed(0)} ms`);
  console.log(`  tendril ssh (openssh) bootstrap + 1 call  ${f.opensshBootMs.toFixed(0)} ms (${x(f.opensshBootMs, f.sshNodeMs)} ssh host node -e '')`);
  console.log(`  tendril ssh (ssh2) bootstrap + 1 call     ${f.ssh2BootMs.toFixed(0)} ms (${x(f.ssh2BootMs, f.sshNodeMs)})`);
  console.log(`  tendril ssh (ssh2), connection already up ${f.ssh2WarmBootMs.toFixed(0)} ms (${x(f.ssh2WarmBootMs, f.sshNodeMs)})`);
  const limit10 = f.sshNodeMs; // ten in parallel cannot beat one
  console.log(`  ${f.fanOut.n} contexts on one host + 1 call each: openssh ${f.fanOut.opensshMs.toFixed(0)} ms, ssh2 (one shared connection) ${f.fanOut.ssh2Ms.toFixed(0)} ms (vs one ssh host node -e '' ${limit10.toFixed(0)} ms)`);
  return f;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMethods();
