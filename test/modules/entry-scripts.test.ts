// A master entry script that exports functions children call: its top-level code must not run
// again in the child. These run a real master process (`node --import tsx <entry>`), since the
// entry script is whatever process.argv[1] of the master is.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const guarded = fileURLToPath(new URL('../fixtures/modules/entry-guarded.ts', import.meta.url));
const unguarded = fileURLToPath(new URL('../fixtures/modules/entry-unguarded.ts', import.meta.url));

interface Run {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON line the script printed last. */
  result: Record<string, unknown>;
}

function runMaster(script: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--import', 'tsx', script], { cwd: root, timeout: 25_000 }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ pid: child.pid!, code: error ? (error.code as number | null) ?? null : 0, stdout, stderr, result: JSON.parse(last) as Record<string, unknown> });
      } catch {
        reject(new Error(`${script} printed no JSON (exit ${error?.code ?? 0}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

describe('master entry scripts', () => {
  it('calls an exported function of a guarded entry script in a child without running main there', async () => {
    const run = await runMaster(guarded);
    expect(run.code).toBe(0);
    // main() printed once, in the master; a run in the child would have printed there too
    // (children's output reaches the master's stderr) and failed creating a Router.
    const mains = `${run.stdout}\n${run.stderr}`.match(/main ran in \d+/g) ?? [];
    expect(mains).toEqual([`main ran in ${run.pid}`]);
    expect(run.result.master).toEqual({ pid: run.pid, mainRuns: 1, isMain: true, url: `file://${guarded}` });
    const remote = run.result.remote as Record<string, unknown>;
    expect(remote.pid).not.toBe(run.pid);
    expect(remote).toMatchObject({ mainRuns: 0, isMain: false, url: `master:${guarded}` });
  });

  it('refuses to serve an unguarded entry script, showing the guard to add', async () => {
    const run = await runMaster(unguarded);
    expect(run.code).toBe(0);
    expect(`${run.stdout}\n${run.stderr}`.match(/top level ran in \d+/g)).toEqual([`top level ran in ${run.pid}`]);
    expect(run.result.isCallError).toBe(true);
    expect(run.result.message).toContain(`${unguarded} is the master's entry script and has no isMain guard`);
    expect(run.result.message).toContain('if (isMain(import.meta))');
    // The child survived the refusal.
    expect(typeof run.result.stillWorks).toBe('string');
  });
});
