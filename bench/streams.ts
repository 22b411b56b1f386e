// Streams: a remote async generator of small values consumed with for await, at the default
// highWaterMark (64) and a larger one, beside two figures measured in the same run: the same
// count of values over a raw pipe (a bare node child writing newline-separated numbers, the
// master parsing them: no routing, no threads, no flow control) and the pipelined call rate
// of the same child (a value per call). Target: >= 200k values/s at the default.
// Usage: node --import tsx bench/streams.ts [values]
import { spawn } from 'node:child_process';
import { Router } from '../src/index.js';
import { median } from './stats.js';

const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = 3;
const TASKS = new URL('../test/fixtures/stream-tasks.ts', import.meta.url);

await using router = new Router({ printLogs: false });
const ctx = await router.local({ name: 'bench-streams' });

async function streamRate(hwm: number): Promise<number> {
  const view = ctx.with({ highWaterMark: hwm });
  const t0 = performance.now();
  let n = 0;
  for await (const _ of view.stream<number>(TASKS, 'count', 'bench', N)) n++;
  if (n !== N) throw new Error(`got ${n} values of ${N}`);
  return N / ((performance.now() - t0) / 1000);
}

/** N numbers from a bare node child over its stdout, parsed here; timed from the first byte. */
function rawPipeRate(): Promise<number> {
  const code = `let s='';for(let i=0;i<${N};i++){s+=i+'\\n';if(s.length>65536){process.stdout.write(s);s=''}}process.stdout.write(s)`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let t0 = 0;
    let n = 0;
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (t0 === 0) t0 = performance.now();
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (Number(l) >= 0) n++;
    });
    child.on('error', reject);
    child.on('close', () => (n === N ? resolve(N / ((performance.now() - t0) / 1000)) : reject(new Error(`raw pipe: ${n} of ${N}`))));
  });
}

/** Calls with 1000 in flight, one small value each: what a value costs as a call. */
async function pipelinedCallRate(total: number): Promise<number> {
  const t0 = performance.now();
  for (let done = 0; done < total; done += 1000) {
    await Promise.all(Array.from({ length: 1000 }, () => ctx.call('node:os', 'platform')));
  }
  return total / ((performance.now() - t0) / 1000);
}

const k = (x: number): string => `${(x / 1000).toFixed(0)}k/s`;
await streamRate(64); // warm-up: JIT, module load in the child
await pipelinedCallRate(20_000);
const rows: [string, number[]][] = [
  ['stream, highWaterMark 64 (default)', []],
  ['stream, highWaterMark 1024', []],
  ['raw pipe, newline numbers', []],
  ['pipelined calls (1000 in flight)', []],
];
// Alternating blocks: drift and other load hit every figure alike.
for (let r = 0; r < RUNS; r++) {
  rows[0]![1].push(await streamRate(64));
  rows[1]![1].push(await streamRate(1024));
  rows[2]![1].push(await rawPipeRate());
  rows[3]![1].push(await pipelinedCallRate(100_000));
}
console.log(`${N} small values, median of ${RUNS} runs:`);
for (const [what, rates] of rows) console.log(`  ${what.padEnd(38)} ${k(median(rates)).padStart(9)}   (runs: ${rates.map(k).join(', ')})`);
const def = median(rows[0]![1]);
console.log(`default stream / raw pipe: ${((def / median(rows[2]![1])) * 100).toFixed(0)}%; target >= 200k/s: ${def >= 200_000 ? 'met' : 'NOT met'}`);
