// A fleet agent: a supervised set of contexts (local ones by default; ssh hosts when named on
// the command line or in TENDRIL_FLEET_HOSTS), sampled every 400 ms by an RxJS pipeline that
// merges the results as they arrive. One member, "ghost", is an ssh host nobody answers for
// (127.0.0.9, port 1): each attempt is refused, its restarts back off, and past its own
// intensity (intensityScope 'child') it alone is given up, `failed` with the connection error,
// while the others keep running in their first contexts. A "canary" context under a nested
// supervisor is killed each time it comes up: the fourth kill within the period exceeds the
// canary supervisor's intensity, it gives up, the fleet's decider stops it, and the rest of
// the fleet carries on. Finishes by itself in a few seconds.
//
//   npm run build && node --import tsx examples/fleet.ts [host...]
import { readFileSync } from 'node:fs';
import { catchError, defer, filter, firstValueFrom, interval, lastValueFrom, map, merge, mergeMap, of, scan, take, tap } from 'rxjs';
import { Router, Supervisor, SupervisorError, defaultDecider, describeTree, isMain, type Context, type SupervisorState } from 'tendril';
import type * as Tasks from './fleet-tasks.js';

const tasksUrl = new URL('./fleet-tasks.ts', import.meta.url);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const t0 = performance.now();
const stamp = (): string => `${((performance.now() - t0) / 1000).toFixed(2).padStart(5)} s`;

/** The status changes of every child of `sup` (nested ones included), as lines. */
function changes(state: SupervisorState, prefix = ''): string[] {
  return Object.values(state.children).flatMap((c) => {
    const detail = c.status === 'restarting' ? ` in ${c.delay} ms (restart ${c.restarts})` : c.status === 'up' ? ` as context #${c.contextId}` : '';
    const line = `${prefix}${state.name}/${c.id}: ${c.status}${detail}${['restarting', 'stopped', 'failed'].includes(c.status) && c.lastError ? ` [${c.lastError}]` : ''}`;
    return c.supervisor ? [line, ...changes(c.supervisor, prefix)] : [line];
  });
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const hosts = (args.length ? args : (process.env.TENDRIL_FLEET_HOSTS ?? '').split(',')).map((h) => h.trim()).filter(Boolean);
  const members = hosts.length ? hosts : ['alpha', 'beta', 'gamma'];
  const GHOST = 'ghost';
  const pids = new Set<number>();
  {
    // Fast failure detection for the demo: a silent peer is dead after 2-3 s.
    await using router = new Router({ heartbeatInterval: 1000, heartbeatMisses: 2, shutdownTimeout: 2000 });
    const fleet = new Supervisor(router, {
      name: 'fleet',
      strategy: 'one_for_one',
      // Each member has its own restart budget: one bad host cannot use up the others'.
      intensityScope: 'child',
      intensity: 3,
      period: 30_000,
      backoff: { min: 250, max: 5000, jitter: 0.2 },
      // A sample waits at most this long for a member that is restarting.
      upTimeout: 1000,
      // A nested supervisor that gave up stays down; anything else follows the defaults.
      decider: (e) => (e instanceof SupervisorError ? 'stop' : defaultDecider(e)),
      children: [
        ...members.map((m) => ({
          id: m,
          start: (r: Router) => (hosts.length ? r.ssh({ hostname: m, name: m }) : r.local({ name: m })),
        })),
        // Nothing listens there: every connection is refused at once.
        { id: GHOST, start: (r: Router) => r.ssh({ hostname: '127.0.0.9', port: 1, connectTimeout: 2000, name: GHOST }) },
      ],
    });
    const canary = new Supervisor(router, {
      name: 'canary',
      parent: fleet,
      intensity: 3,
      period: 30_000,
      backoff: { min: 200, max: 2000, jitter: 0.2 },
      upTimeout: 3000,
      children: [{ id: 'crashy', start: (r: Router) => r.local({ name: 'crashy' }) }],
    });

    // Observability: every status change of every child, as it happens.
    const seen = new Map<string, string>();
    fleet.state$
      .pipe(
        mergeMap((s) => changes(s)),
        filter((line) => {
          const key = line.slice(0, line.indexOf(':'));
          if (seen.get(key) === line) return false;
          seen.set(key, line);
          return true;
        }),
      )
      .subscribe((line) => console.log(`${stamp()}  state  ${line}`));

    // Chaos: kill the canary each time it is up, until its supervisor gives up.
    const chaos = (async () => {
      for (let kill = 1; ; kill++) {
        let ctx: Context;
        try {
          ctx = await canary.whenUp('crashy');
        } catch (e) {
          console.log(`${stamp()}  chaos  the canary is not coming back: ${(e as Error).message}`);
          return;
        }
        await sleep(300);
        const pid = router.childPids().get(ctx.id);
        if (pid === undefined) continue;
        pids.add(pid);
        console.log(`${stamp()}  chaos  SIGKILL crashy (context #${ctx.id}, pid ${pid}), kill ${kill}`);
        process.kill(pid, 'SIGKILL');
        await firstValueFrom(canary.state$.pipe(filter((s) => s.children.crashy!.contextId !== ctx.id)));
      }
    })();

    // The pipeline: every 400 ms, sample every member (and the canary); results merge as they arrive.
    const sampleOf = (id: string, sup: Supervisor) =>
      defer(async () => (await sup.whenUp(id)).import<typeof Tasks>(tasksUrl).sample()).pipe(
        tap((s) => pids.add(s.pid)),
        map((s) => `${s.host} pid ${s.pid} load ${s.load.toFixed(2)} free ${s.freeMiB} MiB`),
        catchError((e: Error) => of(`unavailable (${e.name})`)),
        map((text) => ({ id, text })),
      );
    const totals = await lastValueFrom(
      interval(400).pipe(
        take(15),
        mergeMap((tick) =>
          merge(...[...members, GHOST].map((id) => sampleOf(id, fleet)), sampleOf('crashy', canary)).pipe(map((r) => ({ tick, ...r }))),
        ),
        tap((r) => console.log(`${stamp()}  tick ${String(r.tick).padStart(2)}  ${r.id.padEnd(8)} ${r.text}`)),
        scan((acc, r) => acc.set(r.id, (acc.get(r.id) ?? 0) + (r.text.startsWith('unavailable') ? 0 : 1)), new Map<string, number>()),
      ),
    );
    await chaos;
    console.log(`\nsamples per member: ${[...totals].map(([id, n]) => `${id} ${n}`).join(', ')}`);
    const ghost = fleet.state.children[GHOST]!;
    console.log(`${GHOST}: ${ghost.status} after ${ghost.restarts} restarts (${ghost.lastError})`);
    const steady = members.filter((m) => fleet.state.children[m]!.status === 'up' && fleet.state.children[m]!.restarts === 0);
    console.log(`still up in their first context: ${steady.join(', ')} (${steady.length} of ${members.length})`);
    console.log(`\nthe live tree:\n${describeTree(router, [fleet])}\n`);
    for (const pid of router.childPids().values()) pids.add(pid);
    console.log('shutting down (await using): the supervisors stop their children first, then the router...');
  }
  await sleep(100);
  const left = [...pids].filter((pid) => !gone(pid));
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; processes left: ${left.length}`);
  if (left.length > 0) process.exitCode = 1;
}

if (isMain(import.meta)) await main();
