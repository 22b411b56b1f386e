// fakeSsh()'s private directory when its master dies of SIGTERM, SIGINT or SIGHUP: removed,
// its program ended, and the master still dies of that signal. An application that handles
// the signal itself keeps that say (its exit cleans up). SIGKILL cannot be handled: that one
// case leaves the directory (documented in src/fakessh/live-runs.ts).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { descendantsOf, isGone, waitGone } from '../support/processes.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/signal-midway.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function midway(mode = ''): Promise<{ dir: string; pid: number; kill(s: NodeJS.Signals): void; exit: Promise<[number | null, string | null]>; master: number; tree: () => number[] }> {
  const p = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exit = new Promise<[number | null, string | null]>((r) => p.on('exit', (code, sig) => r([code, sig])));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no line within 60 s: ${out}`)), 60_000);
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]!);
      }
    });
    void exit.then(([c]) => reject(new Error(`the master exited (${c}) before it printed`)));
  });
  const { dir, pid } = JSON.parse(line) as { dir: string; pid: number };
  // Everything the master started (its local context, the sleep there, the program): all must go.
  let tree: number[] = [];
  await expect.poll(() => (tree = descendantsOf(p.pid!)).length >= 3, { timeout: 20_000 }).toBe(true);
  return { dir, pid, kill: (s) => p.kill(s), exit, master: p.pid!, tree: () => tree };
}

describe('fakeSsh and a master killed by a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal}: the private directory is removed, the program and the context end, the master dies of ${signal}`, async () => {
      const m = await midway();
      expect(m.dir).toMatch(/\/tendril-fakessh-[^/]+$/);
      expect(existsSync(m.dir)).toBe(true);
      expect(isGone(m.pid)).toBe(false);
      m.kill(signal);
      expect(await m.exit).toEqual([null, signal]);
      expect(existsSync(m.dir)).toBe(false);
      await waitGone([m.pid, ...m.tree()], 10_000);
    }, 90_000);
  }

  it('an application that handles SIGTERM decides: it exits 5, and the directory is gone with that exit', async () => {
    const m = await midway('own-handler');
    m.kill('SIGTERM');
    expect(await m.exit).toEqual([5, null]);
    expect(existsSync(m.dir)).toBe(false);
    await waitGone([m.pid, ...m.tree()], 10_000);
  }, 90_000);
});
