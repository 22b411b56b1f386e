// ctx.exec() and ctx.spawn() against a real child: exit code and both outputs whatever the
// code, commands with and without a shell, input/cwd/env/encoding, concurrency (exec never
// blocks the context), timeout and abort killing the process group (checked in /proc), and
// spawn's lines$, write/end, kill and cancellation.
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { TimeoutError, type OutputLine } from '../../src/index.js';
import { commandLine, descendantsOf, waitFor, waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';

/** A `sleep` no other test runs (its argument marks it), found among the child's descendants. */
function sleepArg(): string {
  return `${30 + Math.floor(Math.random() * 1000)}.${Math.floor(Math.random() * 1000)}`;
}

function sleepsOf(childPid: number, arg: string): number[] {
  return descendantsOf(childPid).filter((p) => commandLine(p) === `sleep ${arg}`);
}

async function startedSleep(childPid: number, arg: string): Promise<number> {
  let pids: number[] = [];
  await waitFor(() => (pids = sleepsOf(childPid, arg)).length > 0, 3000, `sleep ${arg} to start`);
  return pids[0]!;
}

describe('ctx.exec()', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('resolves with the exit code and both outputs whatever the code', async () => {
    const ctx = await fx.shared();
    expect(await ctx.exec('echo out; echo err >&2; exit 3')).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
    expect(await ctx.exec('kill -TERM $$')).toEqual({ code: null, signal: 'SIGTERM', stdout: '', stderr: '' });
  });

  it('runs an array without a shell; input, cwd, env and encoding apply', async () => {
    const ctx = await fx.shared();
    expect((await ctx.exec(['printf', '%s|', 'a b', '$HOME'])).stdout).toBe('a b|$HOME|');
    expect((await ctx.exec('tr a-z A-Z', { input: 'shout\n' })).stdout).toBe('SHOUT\n');
    expect((await ctx.exec('pwd', { cwd: '/tmp' })).stdout).toBe('/tmp\n');
    expect((await ctx.exec('echo "$TENDRIL_X-$HOME"', { env: { TENDRIL_X: 'set' } })).stdout).toBe(`set-${process.env.HOME}\n`);
    const bytes = await ctx.exec(['head', '-c', '4', '/dev/zero'], { encoding: 'buffer', input: new Uint8Array([1]) });
    expect(bytes.stdout).toBeInstanceOf(Uint8Array);
    expect([...(bytes.stdout as Uint8Array)]).toEqual([0, 0, 0, 0]);
    const missing = await ctx.exec(['/no/such/program']).catch((e: unknown) => e);
    expect((missing as { code?: unknown }).code).toBe('ENOENT');
  });

  it('20 concurrent sleep 1 on one context finish in under 3 s, and other calls answer meanwhile', async () => {
    const ctx = await fx.shared();
    const t0 = performance.now();
    let execsDone = 0;
    const all = Promise.all(Array.from({ length: 20 }, () => ctx.exec('sleep 1').then((r) => (execsDone++, r))));
    await ctx.call('node:os', 'hostname');
    // Answered while every sleep was still running: exec never blocks the context.
    expect(execsDone).toBe(0);
    const results = await all;
    const took = performance.now() - t0;
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(took).toBeLessThan(3000);
  });

  it('a timeout rejects in time and leaves no sleep behind; so does an abort', async () => {
    const ctx = await fx.shared();
    const pid = fx.pidOf(ctx);
    const arg = sleepArg();
    const t0 = performance.now();
    const pending = ctx.exec(`sleep ${arg}; echo never`, { timeout: 200 });
    const sleepPid = await startedSleep(pid, arg);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(performance.now() - t0).toBeLessThan(1000);
    await waitGone(sleepPid, 1000);
    expect(sleepsOf(pid, arg)).toEqual([]);

    const arg2 = sleepArg();
    const ac = new AbortController();
    const aborted = ctx.with({ signal: ac.signal }).exec(`sleep ${arg2}`);
    const sleep2 = await startedSleep(pid, arg2);
    ac.abort(new Error('stop it'));
    await expect(aborted).rejects.toThrow('stop it');
    await waitGone(sleep2, 1000);
    await expect(ctx.exec('echo still here')).resolves.toMatchObject({ stdout: 'still here\n' });
  });
});

describe('ctx.spawn()', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('streams lines of both outputs, tagged; write and end feed stdin', async () => {
    const ctx = await fx.shared();
    const p = ctx.spawn('cat; echo done >&2');
    const lines = lastValueFrom(p.lines$.pipe(toArray()));
    const chunks = lastValueFrom(p.stdout$.pipe(toArray()));
    await p.write('first\nsec');
    await p.write('ond\n');
    await p.write(new TextEncoder().encode('thi'));
    await p.end();
    expect(await p.done).toEqual({ code: 0, signal: null });
    expect(await lines).toEqual<OutputLine[]>([
      { stream: 'stdout', line: 'first' },
      { stream: 'stdout', line: 'second' },
      { stream: 'stderr', line: 'done' },
      { stream: 'stdout', line: 'thi' },
    ]);
    expect((await chunks).join('')).toBe('first\nsecond\nthi');
  });

  it("with encoding 'buffer' chunks are bytes and lines are still decoded; input feeds stdin", async () => {
    const ctx = await fx.shared();
    const p = ctx.spawn('cat', { encoding: 'buffer', input: 'h\u00e9\nlast' });
    const chunks = lastValueFrom(p.stdout$.pipe(toArray()));
    const lines = lastValueFrom(p.lines$.pipe(toArray()));
    expect(await p.done).toEqual({ code: 0, signal: null });
    const bytes = Buffer.concat(await chunks);
    expect((await chunks).every((c) => c instanceof Uint8Array)).toBe(true);
    expect(bytes.toString('utf8')).toBe('h\u00e9\nlast');
    expect((await lines).map((l) => l.line)).toEqual(['h\u00e9', 'last']);
  });

  it('kill signals the process group; done says which signal', async () => {
    const ctx = await fx.shared();
    const pid = fx.pidOf(ctx);
    const arg = sleepArg();
    const p = ctx.spawn(`sleep ${arg}; echo after`);
    const sleepPid = await startedSleep(pid, arg);
    await p.kill();
    expect(await p.done).toEqual({ code: null, signal: 'SIGTERM' });
    await waitGone(sleepPid, 1000);
  });

  it('a timeout fails done and the observables and kills the group', async () => {
    const ctx = await fx.shared();
    const pid = fx.pidOf(ctx);
    const arg = sleepArg();
    const p = ctx.spawn(['sh', '-c', `echo started; sleep ${arg}`], { timeout: 300 });
    const seen: string[] = [];
    const lines = new Promise<unknown>((resolve) => p.lines$.subscribe({ next: (l) => seen.push(l.line), error: resolve }));
    const sleepPid = await startedSleep(pid, arg);
    await expect(p.done).rejects.toBeInstanceOf(TimeoutError);
    expect(await lines).toBeInstanceOf(TimeoutError);
    expect(seen).toEqual(['started']);
    await waitGone(sleepPid, 1000);
  });
});
