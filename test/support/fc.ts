// The one way tests run fast-check properties: the seed comes from FC_SEED when set (a fresh
// one otherwise), FC_PATH (with FC_SEED) replays one counterexample, and a failure names the
// seed, the path and the one command that reproduces it.
import { relative } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';

/** fast-check parameters a test may set; the seed and path belong to the environment. */
export type PropertyParams<Ts> = Omit<fc.Parameters<Ts>, 'seed' | 'path'>;

/** The seed for this run: FC_SEED when set, a fresh 32-bit one otherwise. */
export function propertySeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FC_SEED?.trim();
  if (raw === undefined || raw === '') return (Date.now() ^ (Math.random() * 0x1_0000_0000)) | 0;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got '${raw}'`);
  return seed | 0;
}

/** FC_PATH, which only means something together with the seed it came from. */
function replayPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.FC_PATH?.trim();
  if (path === undefined || path === '') return undefined;
  if (env.FC_SEED === undefined) throw new Error('FC_PATH replays a counterexample of one seed: set FC_SEED as well');
  return path;
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const regexQuote = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The command that reruns the current test with `seed` (and `path`, straight to the counterexample). */
export function reproduceCommand(seed: number, path?: string): string {
  const state = expect.getState();
  const file = state.testPath ? relative(process.cwd(), state.testPath) : '<test file>';
  // vitest matches -t against the suite and test names joined by spaces.
  const name = (state.currentTestName ?? '').split(' > ').join(' ');
  const only = name ? ` -t ${shellQuote(`^${regexQuote(name)}$`)}` : '';
  const env = path === undefined ? `FC_SEED=${seed}` : `FC_SEED=${seed} FC_PATH=${shellQuote(path)}`;
  return `${env} npx vitest run ${file}${only}`;
}

function report<Ts>(details: fc.RunDetails<Ts>, seed: number): void {
  if (!details.failed) return;
  const path = details.counterexamplePath ?? undefined;
  const lines = [
    `property failed with seed ${seed}${path ? `, path ${path}` : ''}`,
    `  rerun:  ${reproduceCommand(seed)}`,
    ...(path ? [`  replay: ${reproduceCommand(seed, path)}`] : []),
  ];
  console.error(lines.join('\n'));
  const message = fc.defaultReportMessage(details) ?? 'property failed';
  throw new Error(`${message}\n\n${lines.join('\n')}`, { cause: details.errorInstance ?? undefined });
}

/**
 * fc.assert with the seed from FC_SEED (or fresh) and a failure that prints how to reproduce
 * it. Every property test in test/ runs through this.
 */
export function assertProperty<Ts>(property: fc.IAsyncProperty<Ts>, params?: PropertyParams<Ts>): Promise<void>;
export function assertProperty<Ts>(property: fc.IProperty<Ts>, params?: PropertyParams<Ts>): void;
export function assertProperty<Ts>(property: fc.IRawProperty<Ts>, params: PropertyParams<Ts> = {}): void | Promise<void> {
  const seed = propertySeed();
  const path = replayPath();
  const run = fc.check(property, { ...params, seed, ...(path === undefined ? {} : { path }) } as fc.Parameters<Ts>);
  if (run instanceof Promise) return run.then((details) => report(details, seed));
  report(run, seed);
}
