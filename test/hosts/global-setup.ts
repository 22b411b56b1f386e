// vitest global setup: starts the real test hosts (test/hosts/up.sh) when running as root, and
// tells the suites (inject('tendrilHosts')) whether they may run. Without root the suites that
// need them skip with a printed reason; with CI=true that is a failure: the run stops here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { HostsStatus } from './hosts.js';

export default function setup(project: TestProject): void {
  const status = startHosts();
  if (!status.ready) {
    const message = `test hosts unavailable: ${status.reason}`;
    if (process.env.CI === 'true') throw new Error(`${message}\n(CI=true: the suites against real sshd/sudo/su/doas must run, not skip)`);
    console.warn(`\n${message}: test/methods suites that need them are skipped\n`);
  }
  project.provide('tendrilHosts', status);
}

function startHosts(): HostsStatus {
  if (process.env.TENDRIL_TEST_HOSTS === 'off') return { ready: false, reason: 'TENDRIL_TEST_HOSTS=off' };
  if (process.platform !== 'linux') return { ready: false, reason: `they need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ready: false, reason: 'not running as root (test/hosts/up.sh installs packages, adds accounts and starts sshd)' };
  const script = fileURLToPath(new URL('./up.sh', import.meta.url));
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) return { ready: true, reason: '' };
  const out = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-10).join('\n    ');
  return { ready: false, reason: `test/hosts/up.sh failed (${r.error ? r.error.message : `exit ${r.status}`}):\n    ${out}` };
}
