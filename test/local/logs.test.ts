// Output of a child never reaches the channel: everything it prints (console, a program with
// inherited stdio, raw writes to fds 1/2) arrives as router.logs$ records tagged with the
// context, and calls keep working.
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/index.js';
import { waitFor } from '../support/processes.js';
import { runInChild, withRouter } from '../support/router.js';

describe('logs', () => {
  const fx = withRouter({}, { scope: 'file' });

  /** Records of one context from now on. */
  function recordsOf(name: string): { records: LogRecord[]; stop(): void } {
    const records: LogRecord[] = [];
    const sub = fx.router.logs$.subscribe((r) => r.contextName === name && records.push(r));
    return { records, stop: () => sub.unsubscribe() };
  }

  it('1 MiB from console.log and `sh -c "echo hi"` with inherited stdio reach logs$, tagged; calls still work', async () => {
    const ctx = await fx.local({ name: 'chatty' });
    const { records, stop } = recordsOf('chatty');
    const big = 'x'.repeat(1 << 20);
    await runInChild(ctx, "console.log('x'.repeat(1 << 20)); require('child_process').execSync('sh -c \"echo hi\"', { stdio: 'inherit' }); 'done'");
    await waitFor(() => records.some((r) => r.message === big) && records.some((r) => r.message === 'hi'), 20_000, 'both lines in logs$');
    stop();
    const bigRecord = records.find((r) => r.message === big)!;
    expect(bigRecord.source).toBe('stdout');
    expect(bigRecord.contextId).toBe(ctx.id);
    expect(bigRecord.contextName).toBe('chatty');
    expect(bigRecord.level).toBe('info');
    expect(records.find((r) => r.message === 'hi')!.source).toBe('stdout');
    // Nothing else was split off the big line.
    expect(records.filter((r) => r.source === 'stdout' && r.message !== big && r.message !== 'hi')).toEqual([]);
    await expect(ctx.call('node:os', 'hostname')).resolves.toBeTypeOf('string');
    await expect(runInChild(ctx, "'still fine'")).resolves.toBe('still fine');
  });

  it('every line arrives, in order, from console.log, console.error and raw writes to fds 1 and 2', async () => {
    const ctx = await fx.local({ name: 'lines' });
    const { records, stop } = recordsOf('lines');
    await runInChild(
      ctx,
      `for (let i = 0; i < 2000; i++) console.log('line ' + i);
       console.error('to stderr');
       require('fs').writeSync(1, 'raw fd1\\n');
       require('fs').writeSync(2, 'raw fd2\\n');`,
    );
    await waitFor(
      () => records.filter((r) => r.source === 'stdout').length >= 2001 && records.filter((r) => r.source === 'stderr').length >= 2,
      20_000,
      'all the lines',
    );
    stop();
    const out = records.filter((r) => r.source === 'stdout').map((r) => r.message);
    const consoleLines = out.filter((m) => m.startsWith('line '));
    expect(consoleLines).toEqual(Array.from({ length: 2000 }, (_, i) => `line ${i}`));
    expect(out).toContain('raw fd1');
    const err = records.filter((r) => r.source === 'stderr');
    expect(err.map((r) => r.message).sort()).toEqual(['raw fd2', 'to stderr']);
    expect(err.every((r) => r.level === 'warn')).toBe(true);
  });

  it('output of a background program the child started keeps flowing to logs$', async () => {
    const ctx = await fx.local({ name: 'spawner' });
    const { records, stop } = recordsOf('spawner');
    await runInChild(ctx, "require('child_process').spawn('sh', ['-c', 'echo from-grandchild; echo err-grandchild >&2'], { stdio: 'inherit' }); 0");
    await waitFor(() => records.length >= 2, 20_000, 'the grandchild output');
    stop();
    expect(records.map((r) => `${r.source}:${r.message}`).sort()).toEqual(['stderr:err-grandchild', 'stdout:from-grandchild']);
    await expect(ctx.call('node:os', 'hostname')).resolves.toBeTypeOf('string');
  });

  it('console output and a program\'s inherited output keep the order they were printed in', async () => {
    const ctx = await fx.local({ name: 'ordered' });
    const { records, stop } = recordsOf('ordered');
    await runInChild(
      ctx,
      `for (let i = 0; i < 3; i++) {
         console.log('console ' + i + ' ' + 'y'.repeat(100000));
         require('child_process').execSync('echo program ' + i, { stdio: 'inherit' });
       }`,
    );
    await waitFor(() => records.length >= 6, 20_000, 'six lines');
    stop();
    expect(records.map((r) => r.message.slice(0, 9))).toEqual(['console 0', 'program 0', 'console 1', 'program 1', 'console 2', 'program 2']);
  });

  it('what a child prints just before it dies is not lost', async () => {
    const ctx = await fx.local({ name: 'last-words' });
    const { records, stop } = recordsOf('last-words');
    await expect(runInChild(ctx, "console.log('last words'); console.error('last error'); process.exit(0)")).rejects.toThrow();
    await ctx.whenDead();
    await waitFor(() => records.length >= 2, 5_000, 'the last words');
    stop();
    expect(records.map((r) => r.message)).toEqual(expect.arrayContaining(['last words', 'last error']));
  });

  it('output of two children is kept apart', async () => {
    const [a, b] = await Promise.all([fx.local({ name: 'left' }), fx.local({ name: 'right' })]);
    const all: LogRecord[] = [];
    const sub = fx.router.logs$.subscribe((r) => all.push(r));
    await Promise.all([runInChild(a, "console.log('I am left')"), runInChild(b, "console.log('I am right')")]);
    await waitFor(() => all.filter((r) => r.message.startsWith('I am')).length >= 2, 20_000, 'both lines');
    sub.unsubscribe();
    const lines = all.filter((r) => r.message.startsWith('I am')).map((r) => `${r.contextName}#${r.contextId}:${r.message}`).sort();
    expect(lines).toEqual([`left#${a.id}:I am left`, `right#${b.id}:I am right`]);
  });
});

describe('profiling', () => {
  const fx = withRouter({ profiling: true });

  it('with RouterOptions.profiling every call in a child logs its duration and outcome', async () => {
    const ctx = await fx.local({ name: 'profiled' });
    await ctx.call('node:os', 'hostname');
    await ctx.call('node:fs', 'readFileSync', '/nonexistent/profiled').catch(() => undefined);
    const deadline = Date.now() + 5000;
    const profiles = (): string[] => fx.logs.filter((r) => r.contextName === 'profiled' && r.source === 'tendril').map((r) => r.message);
    while (profiles().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(profiles()[0]).toMatch(/^profile node:os#hostname \d+\.\d{3} ms ok$/);
    expect(profiles()[1]).toMatch(/^profile node:fs#readFileSync \d+\.\d{3} ms Error$/);
  });
});
