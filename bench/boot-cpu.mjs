// CPU of a child process to its first call, for two builds alternated in one run (the
// machine is shared: wall-clock figures move with other load, a process's own CPU much less).
// The first call is process.cpuUsage() in the child: user + system CPU of the whole child
// (main thread, dispatcher thread, V8 helpers) from its exec to that call.
//
//   node bench/boot-cpu.mjs <package dir A> <package dir B> [rounds=20]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [a, b, roundsArg] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: node bench/boot-cpu.mjs <package dir A> <package dir B> [rounds]');
const rounds = Number(roundsArg ?? 20);
const builds = await Promise.all(
  [a, b].map(async (dir) => ({ dir, tendril: await import(pathToFileURL(resolve(dir, 'dist/index.js')).href), cpu: [], ms: [] })),
);

async function boot(x, i) {
  const router = new x.tendril.Router({ printLogs: false });
  try {
    const t0 = process.hrtime.bigint();
    const ctx = await router.local({ name: `cpu${i}` });
    const u = await ctx.call('node:process', 'cpuUsage');
    x.ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    x.cpu.push((u.user + u.system) / 1000);
  } finally {
    await router.shutdown();
  }
}

const median = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const x of builds) {
  await boot(x, -1); // warm-up, not kept
  x.cpu.length = 0;
  x.ms.length = 0;
}
for (let r = 0; r < rounds; r++) {
  for (const x of r % 2 ? [...builds].reverse() : builds) await boot(x, r);
}
for (const x of builds) {
  console.log(`${x.dir}: child CPU to first call median ${median(x.cpu).toFixed(1)} ms (min ${Math.min(...x.cpu).toFixed(1)}); wall median ${median(x.ms).toFixed(1)} ms; n=${x.cpu.length}`);
}
