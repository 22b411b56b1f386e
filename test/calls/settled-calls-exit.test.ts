// Calls made with options release what they armed when they settle: a master whose calls are
// all settled exits by itself at once (a callAsync answered long before its 10-minute timeout
// held the process for the whole timeout; a callNoReply with a signal held it too), and a
// callAsync that times out fails with TimeoutError (it was a ChannelError).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('../fixtures/settled-calls-master.ts', import.meta.url));

it('a master whose calls with options all settled exits by itself; a callAsync timeout is a TimeoutError', async () => {
  const r = await new Promise<{ code: number | null; out: string; killed: boolean }>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killed = false;
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (out += d));
    // Far below the 10-minute timeout of the answered call: a leftover timer would hold it.
    const timer = setTimeout(() => ((killed = true), p.kill('SIGKILL')), 45_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, killed });
    });
  });
  expect(r.killed, r.out).toBe(false);
  expect(r.code, r.out).toBe(0);
  const line = JSON.parse(r.out.trim().split('\n').at(-1)!) as { timeoutError: boolean; message: string; answered: string };
  expect(line.timeoutError, line.message).toBe(true);
  expect(line.message).toMatch(/node:timers\/promises#setTimeout .* timed out after 100 ms/);
  expect(line.answered).toBe('string');
}, 60_000);
