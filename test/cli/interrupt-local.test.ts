// Ctrl-C on a terminal sends SIGINT to its whole foreground process group. A local child in the
// master's group died of it at once, without ending the command it ran (ctx.exec/spawn lead
// their own process group), which then ran on as an orphan. Local children now start in their
// own session: only the master hears the terminal, and it ends the tree.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isGone, waitGone } from '../support/processes.js';
import { runOnPty } from './run-cli.js';

const MASTER = fileURLToPath(new URL('./fixtures/ctrl-c-master.ts', import.meta.url));

/** pids of `sleep <seconds>` processes (exact argv). */
function sleeps(seconds: string): number[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-x', '-a', 'sleep'], { encoding: 'utf8' });
  } catch {
    // pgrep exits 1 when nothing matches
  }
  return out.split('\n').filter((l) => l.endsWith(` sleep ${seconds}`)).map((l) => Number(l.split(' ')[0]));
}

/** A duration nobody else sleeps: `sleep 300.<unique>` is still 300 s. */
let n = 0;
const unique = (): string => `300.${process.pid}${++n}`;

const left: string[] = [];
afterEach(() => {
  // Whatever a failed run left behind goes.
  for (const s of left.splice(0)) for (const pid of sleeps(s)) process.kill(pid, 'SIGKILL');
});

describe('Ctrl-C on a terminal and local children', () => {
  it("tendril sh local -- 'sleep 300': Ctrl-C exits 130 and no sleep is left", async () => {
    const seconds = unique();
    left.push(seconds);
    const r = await runOnPty(['sh', 'local', '--stream', '--', `echo started; sleep ${seconds}`], {
      answers: [{ when: / \| started/, send: '\x03' }],
      timeout: 60_000,
    });
    expect({ code: r.code, signal: r.signal }, r.text).toEqual({ code: 130, signal: undefined });
    expect(r.screen).toMatch(/✘ local\s+failed/);
    await waitGone(sleeps(seconds), 5000);
    expect(sleeps(seconds)).toEqual([]);
  }, 90_000);

  it('a plain master script (no SIGINT handler) on a PTY: Ctrl-C leaves neither its child nor the child\'s sleep', async () => {
    const seconds = unique();
    left.push(seconds);
    const r = await runOnPty([seconds], { cli: ['--import', 'tsx', MASTER], answers: [{ when: /started/, send: '\x03' }], timeout: 60_000 });
    const child = Number(/child (\d+)/.exec(r.text)?.[1]);
    expect(child, r.text).toBeGreaterThan(0);
    await waitGone(child, 5000);
    await waitGone(sleeps(seconds), 5000);
    expect(sleeps(seconds)).toEqual([]);
    expect(isGone(child)).toBe(true);
  }, 90_000);
});
