// Bootstrap + first call of two builds of tendril, alternated in one run (benchmarks here are
// noisy: other work shares the cores). Each argument is a built package directory (its
// dist/index.js carries its own child payload). Prints per-build medians and the payload sizes.
//
//   git archive <old> | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/ && (cd /tmp/old && node scripts/build.mjs --no-types --quiet)
//   node bench/boot-compare.mjs /tmp/old . [rounds=15]
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [a, b, roundsArg] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: node bench/boot-compare.mjs <package dir A> <package dir B> [rounds]');
const rounds = Number(roundsArg ?? 15);
const builds = await Promise.all(
  [a, b].map(async (dir) => ({
    dir,
    payload: statSync(resolve(dir, 'dist/core.bundle.br')).size,
    tendril: await import(pathToFileURL(resolve(dir, 'dist/index.js')).href),
    ms: [],
  })),
);

/** One fresh Router, one local child, its first call; ms to the answer (shutdown not timed). */
async function boot(t, i) {
  const t0 = process.hrtime.bigint();
  const router = new t.Router({ printLogs: false });
  try {
    const ctx = await router.local({ name: `boot${i}` });
    await ctx.call('node:os', 'hostname');
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    await router.shutdown();
  }
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const x of builds) await boot(x.tendril, -1); // warm-up of each
for (let r = 0; r < rounds; r++) {
  // Alternate which goes first, so that neither always runs right after the other.
  const order = r % 2 ? [...builds].reverse() : builds;
  for (const x of order) x.ms.push(await boot(x.tendril, r));
}
for (const x of builds) {
  console.log(`${x.dir}: payload ${x.payload} B brotli; bootstrap + first call median ${median(x.ms).toFixed(1)} ms (min ${Math.min(...x.ms).toFixed(1)}, max ${Math.max(...x.ms).toFixed(1)}, n=${x.ms.length})`);
}
