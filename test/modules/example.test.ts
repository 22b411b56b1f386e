// examples/modules runs as documented (`node --import tsx examples/modules/main.ts`, with
// `tendril` resolved to the built package) and says what it should.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = fileURLToPath(new URL('../../examples/modules/main.ts', import.meta.url));
const tasks = fileURLToPath(new URL('../../examples/modules/tasks.ts', import.meta.url));

describe('examples/modules', () => {
  it('runs: two children with nothing installed, semver served, a mapped remote throw, no files written', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', main], { cwd: root, timeout: 25_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}red {4}pid \d+ {2}node \d+\.\d+\.\d+ ok {2}disk /m);
    expect(stdout).toMatch(/^ {2}green {2}pid \d+ {2}node \d+\.\d+\.\d+ ok {2}disk /m);
    expect(stdout).toContain(`code from master:${tasks}, called by context 0`);
    // One round trip per child for tasks.ts, lib/*.ts and all of semver.
    expect(stdout).toMatch(/^module loading: 2 round trips, \d+ modules/m);
    expect(stdout).toMatch(/^hello main\.ts from pid \d+$/m);
    const throwLine = readFileSync(tasks, 'utf8').split('\n').findIndex((l) => l.includes('throw new Error(`cannot ${what}`)')) + 1;
    expect(stdout).toContain(`a remote throw: Error: cannot divide by zero\n  at explode (master:${tasks}:${throwLine}:`);
    expect(stdout).toContain('files the children wrote in their working directory: 0');
  });
});
