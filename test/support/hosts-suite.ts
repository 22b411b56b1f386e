// Helpers of the suites against the real test hosts (test/hosts): skip-or-fail when they are
// not up, PTY accounting from /proc, and the remote processes of a context.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { describe } from 'vitest';
import { hostsStatus } from '../hosts/hosts.js';
import { descendantsOf } from './processes.js';

/** describe() that runs only when the hosts are up; otherwise skips and says why (CI fails in the global setup). */
export function describeHosts(name: string, fn: () => void): void {
  const status = hostsStatus();
  if (!status.ready) {
    // eslint-disable-next-line no-console
    console.warn(`skipping '${name}': ${status.reason}`);
    if (process.env.CI === 'true') throw new Error(`'${name}' cannot run: ${status.reason}`);
  }
  describe.skipIf(!status.ready)(name, fn);
}

/** fds of a process that are PTYs (/dev/pts/N or /dev/ptmx). */
export function ptyFds(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (/^\/dev\/(pts\/\d+|ptmx)$/.test(target)) out.push(`${pid}:${fd}->${target}`);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Every PTY fd held by a process and its descendants. */
export function ptyFdsOfTree(pid: number): string[] {
  return [pid, ...descendantsOf(pid)].flatMap(ptyFds);
}

/** The controlling terminal of a process (field 7 of /proc/PID/stat; 0 = none). */
export function controllingTty(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[4]);
}

/** The PTYs this process (the test's master) holds. */
export function ownPtyFds(): string[] {
  return ptyFds(process.pid);
}
