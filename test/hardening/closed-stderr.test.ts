// Issue 15.5: EPIPE on the master's stderr killed the master and the whole tree with it. A
// master whose stderr reader has gone keeps running: printing stops, once warned on logs$.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { waitGone } from '../support/processes.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/closed-stderr-master.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('a master whose stderr is closed survives the prints forwarded to it, warns once on logs$, and ends normally', async () => {
  const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  // Close our end of its stderr: every write there fails with EPIPE from now on.
  proc.stderr!.destroy();
  proc.stdin!.end('go\n');
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => proc.once('exit', (c, s) => resolve([c, s])));
  expect({ code, signal, out: out.slice(0, 500) }).toMatchObject({ code: 0, signal: null });
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as { ok: boolean; printed: number; pid: number; warnings: string[] };
  expect(result.ok).toBe(true);
  expect(result.printed).toBe(1000);
  expect(result.warnings).toEqual(['stderr is closed (EPIPE): log records are no longer printed (logs$ still has them)']);
  await waitGone(result.pid, 5000);
}, 60_000);
