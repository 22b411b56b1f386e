// No orphans: however a master process ends (SIGKILL, SIGTERM, SIGINT, an uncaught error, or
// simply reaching the end of its script), its children exit within 2 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { commandLine, descendantsOf, isGone, waitFor, waitGone } from '../support/processes.js';

const script = fileURLToPath(new URL('../fixtures/master-script.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** A master whose local child runs `sleep <argv[2]>` through ctx.exec (shared with test/cli). */
const execMaster = fileURLToPath(new URL('../cli/fixtures/ctrl-c-master.ts', import.meta.url));

interface Master {
  proc: ChildProcess;
  children: number[];
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];
const childPids: number[] = [];
afterEach(() => {
  // Never leave anything behind, even when a test failed half way.
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const pid of childPids.splice(0)) {
    if (isGone(pid) || !commandLine(pid).startsWith('tendril:')) continue;
    for (const d of descendantsOf(pid)) {
      try {
        process.kill(d, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    process.kill(pid, 'SIGKILL');
  }
});

/** Runs the master script and resolves once it printed its children's pids. */
async function runMaster(mode: string): Promise<Master> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, mode], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const info = await new Promise<{ master: number; children: number[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the master script printed no pids within 30 s:\n${out}`)), 30_000);
    proc.stdout!.on('data', () => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { master: number; children: number[] });
      }
    });
    void exited.then(() => setTimeout(() => reject(new Error(`the master script exited early:\n${out}`)), 100));
  });
  expect(info.master).toBe(proc.pid);
  expect(info.children).toHaveLength(2);
  childPids.push(...info.children);
  for (const pid of info.children) expect(commandLine(pid)).toMatch(/^tendril:orphan-[ab]/);
  return { proc, children: info.children, output: () => out, exited };
}

/** Waits for the master to exit by itself (bounded), then for its children to be gone within 2 s. */
async function expectNoOrphansAfterExit(m: Master): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exit = await Promise.race([
    m.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the master did not exit:\n${m.output()}`)), 20_000)),
  ]);
  await waitGone(m.children, 2000);
  return exit;
}

describe('no orphans when the master ends', () => {
  it('SIGKILL of the master: every child exits within 2 s', async () => {
    const m = await runMaster('wait');
    m.proc.kill('SIGKILL');
    await m.exited;
    await waitGone(m.children, 2000);
  });

  it('SIGKILL of the master while its children run stuck user code: they exit within 2 s, and so does the sleep', async () => {
    const m = await runMaster('busy');
    let sleepPid = 0;
    await waitFor(() => {
      sleepPid = m.children.flatMap((c) => descendantsOf(c)).find((p) => commandLine(p).includes('sleep 28')) ?? 0;
      return sleepPid !== 0;
    }, 10_000, 'the sleep to start');
    m.proc.kill('SIGKILL');
    await m.exited;
    await waitGone([...m.children, sleepPid], 2000);
  });

  it('SIGTERM of the master: every child exits within 2 s', async () => {
    const m = await runMaster('wait');
    m.proc.kill('SIGTERM');
    const exit = await expectNoOrphansAfterExit(m);
    expect(exit.signal ?? exit.code).not.toBe(0);
  });

  it('SIGINT of the master: every child exits within 2 s', async () => {
    const m = await runMaster('wait');
    m.proc.kill('SIGINT');
    await expectNoOrphansAfterExit(m);
  });

  it('a master script that simply ends exits by itself and leaves no child', async () => {
    const m = await runMaster('end');
    const exit = await expectNoOrphansAfterExit(m);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('a master script that ends with a call pending stays until it settles, then leaves no child', async () => {
    const m = await runMaster('pending');
    const exit = await expectNoOrphansAfterExit(m);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(m.output()).toContain('result: late-result');
  });

  it('a master script that throws exits non-zero and leaves no child', async () => {
    const m = await runMaster('throw');
    const exit = await expectNoOrphansAfterExit(m);
    expect(exit.code).not.toBe(0);
    expect(m.output()).toContain('the master script failed');
  });

  // Local children lead their own session (a terminal's Ctrl-C reaches only the master), so
  // nothing but the channel ties them to it: its EOF must still end them and what they run.
  for (const signal of ['SIGKILL', 'SIGINT'] as const) {
    it(`${signal} of the master while its child runs ctx.exec('sleep'): the child and the sleep exit within 2 s`, async () => {
      const seconds = `280.${process.pid}${signal.length}`;
      const proc = spawn(process.execPath, ['--import', 'tsx', execMaster, seconds], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      started.push(proc);
      const exited = new Promise((r) => proc.on('exit', r));
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no 'started' within 30 s: ${out}`)), 30_000);
        proc.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('started\n')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const child = Number(/child (\d+)/.exec(out)![1]);
      childPids.push(child);
      const sleepPid = descendantsOf(child).find((p) => commandLine(p) === `sleep ${seconds}`);
      expect(sleepPid, commandLine(child)).toBeGreaterThan(0);
      proc.kill(signal);
      await exited;
      try {
        await waitGone([child, sleepPid!], 2000);
      } finally {
        if (!isGone(sleepPid!)) process.kill(sleepPid!, 'SIGKILL');
      }
    });
  }
});

