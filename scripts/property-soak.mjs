#!/usr/bin/env node
// Runs every property test file of test/ N times, each run with a fresh random FC_SEED, and
// counts the runs that failed; each failure is listed with the command that reproduces it.
//
//   node scripts/property-soak.mjs [runs=50] [--exclude <path prefix>]... [test files...]
//
// Default files: every test file that calls assertProperty. One vitest process per run, one
// worker (the machine is shared), no type check and no test hosts (property tests need
// neither). Suites that start real children (test/chaos/) need a build (`npm run build`) and
// take a minute a run: `--exclude test/chaos/` leaves them out. Exit code 1 when any run failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Checks the runner itself (it sets its own seeds): not a property suite. */
const NOT_A_SUITE = new Set(['test/unit/property-helper.test.ts']);

function propertyFiles() {
  const found = [];
  for (const f of readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })) {
    const path = join('test', f).split('\\').join('/');
    if (!path.endsWith('.test.ts') || NOT_A_SUITE.has(path)) continue;
    if (/\bassertProperty\s*\(/.test(readFileSync(join(root, path), 'utf8'))) found.push(path);
  }
  return found.sort();
}

const args = process.argv.slice(2);
const excluded = [];
for (let i = args.indexOf('--exclude'); i !== -1; i = args.indexOf('--exclude')) {
  if (args[i + 1] === undefined) throw new Error('--exclude needs a path prefix');
  excluded.push(...args.splice(i, 2).slice(1));
}
const [runsArg, ...fileArgs] = args;
const runs = runsArg === undefined ? 50 : Number(runsArg);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got '${runsArg}'`);
const files = (fileArgs.length > 0 ? fileArgs : propertyFiles()).filter((f) => !excluded.some((x) => f.startsWith(x)));
if (files.length === 0) throw new Error('no property test files found');

const outDir = join(root, '.cache', 'property-soak');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
console.log(`property soak: ${runs} runs of ${files.length} files${excluded.length ? ` (excluded: ${excluded.join(', ')})` : ''}:\n  ${files.join('\n  ')}`);

const failures = [];
let tests = 0;
const started = performance.now();
for (let i = 1; i <= runs; i++) {
  const seed = (Math.random() * 0x1_0000_0000) | 0;
  const report = join(outDir, `run-${i}.json`);
  const t0 = performance.now();
  const r = spawnSync(
    'npx',
    ['vitest', 'run', '--pool=forks', '--maxWorkers=1', '--typecheck.enabled=false', '--reporter=json', `--outputFile=${report}`, ...files],
    { cwd: root, env: { ...process.env, FC_SEED: String(seed), FC_PATH: '', TENDRIL_TEST_HOSTS: 'off' }, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  let failed = [];
  let count = 0;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    count = json.numTotalTests;
    for (const file of json.testResults) {
      for (const t of file.assertionResults) {
        if (t.status === 'failed') failed.push({ file: relative(root, file.name), name: t.fullName, message: (t.failureMessages[0] ?? '').split('\n')[0] });
      }
    }
  } catch (e) {
    failed.push({ file: '(vitest)', name: `no report (${e.message})`, message: `${r.stdout}${r.stderr}`.trim().split('\n').slice(-5).join(' | ') });
  }
  if (r.status !== 0 && failed.length === 0) failed.push({ file: '(vitest)', name: `exit ${r.status}`, message: `${r.stderr}`.trim().split('\n').slice(-3).join(' | ') });
  tests += count;
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`run ${i}/${runs} FC_SEED=${seed}: ${count} tests, ${failed.length === 0 ? 'ok' : `${failed.length} FAILED`} (${secs} s)`);
  for (const f of failed) {
    console.log(`  ${f.file} > ${f.name}: ${f.message}\n    reproduce: FC_SEED=${seed} npx vitest run ${f.file}`);
    failures.push({ run: i, seed, ...f });
  }
}
const minutes = ((performance.now() - started) / 60_000).toFixed(1);
const failedRuns = new Set(failures.map((f) => f.run)).size;
console.log(`\nproperty soak: ${runs} runs, ${tests} test executions, ${failedRuns} failed runs, ${failures.length} failed tests (${minutes} min)`);
process.exitCode = failures.length === 0 ? 0 : 1;
