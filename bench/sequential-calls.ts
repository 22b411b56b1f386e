// 10k sequential calls to one local child (best of 5 rounds: the machine may be shared),
// plain and with call options: the per-call cost
// that timeouts and cancellation must not raise for calls without options.
// Usage: node --import tsx bench/sequential-calls.ts [calls]
import { Router } from '../src/index.js';

const n = Number(process.argv[2] ?? 10_000);
await using router = new Router({ printLogs: false });
const ctx = await router.local({ name: 'bench' });
const run = async (label: string, call: () => Promise<unknown>): Promise<void> => {
  for (let i = 0; i < 3000; i++) await call(); // warm-up
  let ms = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await call();
    ms = Math.min(ms, performance.now() - t0);
  }
  console.log(`${label}: ${n} calls in ${ms.toFixed(0)} ms, ${((ms * 1000) / n).toFixed(1)} µs/call`);
};
await run('plain', () => ctx.call('node:os', 'platform'));
const timed = ctx.with({ timeout: 5000 });
await run('timeout', () => timed.call('node:os', 'platform'));
const signalled = ctx.with({ signal: new AbortController().signal });
await run('signal', () => signalled.call('node:os', 'platform'));
