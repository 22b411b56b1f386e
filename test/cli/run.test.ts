// Issue 14 acceptance for `tendril run`: a TypeScript file's function with JSON arguments on two
// real ssh hosts, -b through sudo with -K on the PTY, and -f 1 observed from start times.
import { expect, it } from 'vitest';
import { describeHosts } from '../support/hosts-suite.js';
import { HOST_A, HOST_B, KEY, KNOWN_HOSTS, PASSWORDS, PORT } from '../hosts/hosts.js';
import { runOnPty, runPiped } from './run-cli.js';

const SSH = ['-i', KEY, '--known-hosts', KNOWN_HOSTS];
const ALICE = `alice@${HOST_A}:${PORT}`;
const BOB = `bob@${HOST_B}:${PORT}`;
const TASKS = 'test/cli/fixtures/tasks.ts';

describeHosts('tendril run', () => {
  it('calls FILE.ts#fn with JSON arguments on two hosts, each as its account', async () => {
    const r = await runPiped(['run', `${ALICE},${BOB}`, `${TASKS}#whoami`, '"t1"', '42', '{"list":[1,2]}', ...SSH]);
    expect(r.code, r.stderr).toBe(0);
    const by = Object.fromEntries(r.json().map((l) => [l.host, l]));
    expect(by[ALICE]).toMatchObject({ status: 'ok', value: { user: 'alice', tag: 't1', n: 42, extra: { list: [1, 2] } } });
    expect(by[BOB]).toMatchObject({ status: 'ok', value: { user: 'bob', tag: 't1', n: 42, extra: { list: [1, 2] } } });
  }, 120_000);

  it('a throw in the function fails that host (exit 2) with the remote error', async () => {
    const r = await runPiped(['run', `${ALICE},local`, `${TASKS}#boom`, ...SSH]);
    expect(r.code).toBe(2);
    expect(r.json().map((l) => [l.status, l.error])).toEqual([
      ['failed', 'RangeError: no such thing'],
      ['failed', 'RangeError: no such thing'],
    ]);
  }, 120_000);

  it('-b with -K answered on the PTY: the function runs as the become user through sudo', async () => {
    const r = await runOnPty(['run', ALICE, `${TASKS}#whoami`, '"as-bob"', '1', ...SSH, '-b', '--become-user', 'bob', '-K'], {
      answers: [{ when: /BECOME password: $/, send: `${PASSWORDS.alice}\r` }],
    });
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toMatch(new RegExp(`── ${ALICE} ──\\n\\{\\n?\\s*user: 'bob'`));
    expect(r.screen).toMatch(/tag: 'as-bob'/);
    expect(r.screen).toMatch(/1 ok/);
  }, 120_000);

  it('-f 1 works on one host at a time: their run windows never overlap', async () => {
    const hosts = `${ALICE},${BOB},local`;
    const r = await runPiped(['run', hosts, `${TASKS}#window`, '400', '-f', '1', ...SSH]);
    expect(r.code, r.stderr).toBe(0);
    const windows = r.json().map((l) => l.value as { start: number; end: number }).sort((a, b) => a.start - b.start);
    expect(windows).toHaveLength(3);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.start).toBeGreaterThanOrEqual(windows[i - 1]!.end);
    // The records' own start times say the same: each host began after the previous one ended.
    const records = r.json().map((l) => ({ start: Date.parse(String(l.startedAt)), elapsed: Number(l.elapsedMs) }));
    for (let i = 1; i < records.length; i++) expect(records[i]!.start).toBeGreaterThanOrEqual(records[i - 1]!.start + records[i - 1]!.elapsed - 5);
  }, 120_000);
});
