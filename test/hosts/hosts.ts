// The real test hosts started by test/hosts/up.sh (two sshd on loopback addresses, accounts,
// sudoers and doas rules), as the tests see them. Keep in sync with up.sh.
import { inject } from 'vitest';

export const STATE_DIR = process.env.TENDRIL_HOSTS_DIR ?? '/var/lib/tendril-test-hosts';
export const HOST_A = '127.0.0.2';
export const HOST_B = '127.0.0.3';
export const PORT = 2222;
/** The tests' key (authorized for every account) and a known_hosts file with both hosts. */
export const KEY = `${STATE_DIR}/client/id_ed25519`;
export const KNOWN_HOSTS = `${STATE_DIR}/client/known_hosts`;

/** Accounts and their passwords. dora is the runas user of a `requiretty` sudo rule. */
export const PASSWORDS = {
  alice: 'alice-pw',
  bob: 'bob-pw',
  carol: 'carol-pw',
  dave: 'dave-pw',
  dora: 'dora-pw',
  zed: 'zed-pw',
  tess: 'tess-pw',
  finn: 'finn-pw',
  mia: 'mia-pw',
  quiz: 'quiz-pw',
} as const;

/** Login shells of the shell-matrix accounts. */
export const SHELLS: Record<string, string> = { alice: 'bash', carol: 'dash (sh)', zed: 'zsh', tess: 'tcsh', finn: 'fish', mia: 'mksh' };

export interface HostsStatus {
  ready: boolean;
  /** Why the hosts are not available (printed when suites skip). */
  reason: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    tendrilHosts: HostsStatus;
  }
}

/** Whether the hosts are up (the global setup started them), and if not, why. */
export function hostsStatus(): HostsStatus {
  try {
    return inject('tendrilHosts') ?? { ready: false, reason: 'the global setup (test/hosts/global-setup.ts) did not run' };
  } catch {
    return { ready: false, reason: 'the global setup (test/hosts/global-setup.ts) did not run' };
  }
}

/** ssh options that reach a test host with the test key and known_hosts. */
export function sshTo(host: string, username: string): { hostname: string; port: number; username: string; identityFile: string; knownHostsFile: string } {
  return { hostname: host, port: PORT, username, identityFile: KEY, knownHostsFile: KNOWN_HOSTS };
}
