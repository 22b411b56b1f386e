// Live logs from three contexts, merged with RxJS: each context writes a log with a shell
// loop (ctx.spawn) and streams it back with `tail -f` (ctx.stream of an async generator).
// After N lines the merged subscription ends, which cancels the three streams (their tail
// processes end), the writers are killed, and nothing is left running. Ends by itself:
// node --import tsx examples/tail.ts [lines]
import { lastValueFrom, map, merge, take, tap, toArray } from 'rxjs';
import { Router, isMain } from 'tendril';
import type * as Tasks from './tail-tasks.js';

const TASKS = new URL('./tail-tasks.ts', import.meta.url);

async function main(lines: number): Promise<void> {
  await using router = new Router();
  const names = ['alpha', 'beta', 'gamma'];
  const contexts = await Promise.all(names.map((name) => router.local({ name })));
  const marker = `tendril-tail-${process.pid}`;

  // A writer per context: a line every 50-150 ms into its own log file.
  const writers = contexts.map((ctx, i) => {
    const log = `/tmp/${marker}-${ctx.name}.log`;
    const writer = ctx.spawn(`: > ${log}; n=0; while :; do n=$((n+1)); echo "$(date +%T.%N | cut -c1-12) ${ctx.name} event $n" >> ${log}; sleep 0.${i + 1}; done`);
    return { ctx, log, writer };
  });

  // tail -f of the three logs, merged; take(lines) unsubscribes, which cancels each stream.
  const merged = merge(
    ...writers.map(({ ctx, log }) => ctx.stream<string>(TASKS, 'follow', log).values$.pipe(map((line) => `[${ctx.name}] ${line}`))),
  ).pipe(take(lines), tap((line) => console.log(line)), toArray());
  const got = await lastValueFrom(merged);
  console.log(`\n${got.length} lines; streams cancelled, stopping the writers...`);

  for (const { writer } of writers) await writer.kill();
  const ends = await Promise.all(writers.map(({ writer }) => writer.done));
  console.log(`writers ended: ${ends.map((e) => e.signal ?? e.code).join(', ')}`);
  for (const { ctx, log } of writers) await ctx.exec(['rm', '-f', log]);

  // Nothing left in any context: no tail, no writer loop (the cancel reached them).
  const until = Date.now() + 2000;
  for (const ctx of contexts) {
    const tasks = ctx.import<typeof Tasks>(TASKS);
    let left = await tasks.leftovers(marker);
    while (left.length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      left = await tasks.leftovers(marker);
    }
    console.log(`${ctx.name}: ${left.length === 0 ? 'no process left' : `still running: ${left.join(', ')}`}`);
    if (left.length > 0) process.exitCode = 1;
  }
}

if (isMain(import.meta)) await main(Number(process.argv[2] ?? 20));
