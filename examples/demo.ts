// The tendril demo: several local children bootstrapped from nothing, typed calls in
// parallel, their logs forwarded, one child killed mid-call, and a clean exit.
// Run with `npm start`.
import { readFileSync } from 'node:fs';
import { ChannelError, Router, isMain } from 'tendril';
import type * as Tasks from './demo-tasks.js';

const tasksUrl = new URL('./demo-tasks.ts', import.meta.url);

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A zombie waiting to be reaped is gone too.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const pids: number[] = [];
  {
    await using router = new Router();
    router.contexts$.subscribe((e) => console.log(`  context ${e.context.name} (#${e.context.id}) is ${e.type}`));

    console.log('starting three local contexts...');
    const names = ['alpha', 'beta', 'gamma'];
    const workers = await Promise.all(names.map((name) => router.local({ name })));
    const tasks = workers.map((w) => w.import<typeof Tasks>(tasksUrl));

    console.log('\ncalling survey() in all of them in parallel (typed proxies):');
    const surveys = await Promise.all(tasks.map((t) => t.survey()));
    for (const s of surveys) {
      pids.push(s.pid);
      console.log(`  ${s.title.padEnd(16)} pid ${s.pid}  node ${s.node}  load ${s.load.toFixed(2)}  free ${s.freeMemMiB} MiB`);
    }

    const victim = workers[2]!;
    console.log(`\n${victim.name}: a slow call is in flight; the process gets SIGKILL after 300 ms`);
    victim.state$.subscribe((s) => console.log(`  ${victim.name} state -> ${s}`));
    const pending = tasks[2]!.slowSum(100, 10_000);
    setTimeout(() => process.kill(surveys[2]!.pid, 'SIGKILL'), 300);
    try {
      await pending;
      console.log('  unexpected: the call returned');
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      console.log(`  the pending call rejected with ChannelError: ${e.message}`);
    }
    try {
      await tasks[2]!.survey();
    } catch (e) {
      console.log(`  a later call fails at once: ${(e as Error).name}`);
    }

    const sums = await Promise.all(tasks.slice(0, 2).map((t) => t.slowSum(100, 50)));
    console.log(`\nthe others still answer: ${sums.join(', ')}`);
    console.log('\nshutting down (await using)...');
  }
  const left = pids.filter((pid) => !gone(pid));
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(2)} s; child processes left: ${left.length}`);
  if (left.length > 0) process.exitCode = 1;
}

if (isMain(import.meta)) await main();
