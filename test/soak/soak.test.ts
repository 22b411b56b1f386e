// The soak suite (issue 15): start/stop cycles of local contexts and over each ssh transport
// from one Router: master fds back to their baseline (0 growth), heap growth < 5 MiB, no
// process left. CI form: 100 local cycles, 20 per ssh transport; `npm run soak` (SOAK=long):
// 1,000 and 100. The figures are printed.
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from '../../src/index.js';
import { HOST_A, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { cycles, describeFigures, soak, type SoakFigures } from './soak-harness.js';

const LOCAL_CYCLES = cycles(100, 1000);
const SSH_CYCLES = cycles(20, 100);
/** Generous per-cycle bound for "no hang" on a loaded 2-core machine (not a timing assertion). */
const PER_CYCLE_MS = 4000;

let router: Router | null = null;
afterEach(async () => {
  await router?.shutdown();
  router = null;
});

function check(label: string, f: SoakFigures): void {
  // eslint-disable-next-line no-console
  console.log(describeFigures(label, f));
  expect(f.left, 'processes left behind').toEqual([]);
  expect(f.fdsAfter - f.fdsBefore, 'master fd growth').toBeLessThanOrEqual(0);
  expect(f.heapGrowthMiB, 'master heap growth (MiB)').toBeLessThan(5);
}

describe('soak: local contexts', () => {
  it(`${LOCAL_CYCLES} start/call/shutdown cycles leave no fd, heap or process behind`, async () => {
    router = new Router({ printLogs: false });
    const r = router;
    check('local', await soak(r, LOCAL_CYCLES, (i) => r.local({ name: `soak${i}` })));
  }, 60_000 + LOCAL_CYCLES * PER_CYCLE_MS);

  it(`${Math.ceil(LOCAL_CYCLES / 10)} cycles of a child started through an intermediate`, async () => {
    router = new Router({ printLogs: false });
    const r = router;
    const mid = await r.local({ name: 'mid' });
    check('local via an intermediate', await soak(r, Math.ceil(LOCAL_CYCLES / 10), (i) => r.local({ name: `leaf${i}`, via: mid })));
    expect(mid.state).toBe('running');
  }, 60_000 + LOCAL_CYCLES * PER_CYCLE_MS);
});

describeHosts('soak: ssh contexts', () => {
  for (const transport of ['openssh', 'ssh2'] as const) {
    it(`${SSH_CYCLES} cycles over ssh (${transport}), back to back`, async () => {
      router = new Router({ printLogs: false });
      const r = router;
      check(`ssh ${transport}`, await soak(r, SSH_CYCLES, (i) => r.ssh({ ...sshTo(HOST_A, 'alice'), transport, name: `soak-${transport}${i}` })));
    }, 60_000 + SSH_CYCLES * 3 * PER_CYCLE_MS);
  }
});
