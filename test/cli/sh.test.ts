// Issue 14 acceptance for `tendril sh`: real sshd (test/hosts), the command run as a real
// process, through pipes (JSON lines) and on a real PTY (the screen, read by xterm.js).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeHosts } from '../support/hosts-suite.js';
import { HOST_A, HOST_B, KEY, KNOWN_HOSTS, PASSWORDS, PORT } from '../hosts/hosts.js';
import { runOnPty, runPiped } from './run-cli.js';

const SSH = ['-i', KEY, '--known-hosts', KNOWN_HOSTS];
const ALICE = `alice@${HOST_A}:${PORT}`;
const BOB = `bob@${HOST_B}:${PORT}`;

describeHosts('tendril sh', () => {
  it('--json: a line per host (two exit 1 with their user, one unreachable), exit 3, nothing else on stdout', async () => {
    const r = await runPiped(['sh', `${ALICE},${BOB},nosuchhost`, ...SSH, '--json', '--', 'id -un; exit 1']);
    expect(r.code).toBe(3);
    const lines = r.json();
    expect(lines).toHaveLength(3);
    const by = Object.fromEntries(lines.map((l) => [l.host, l]));
    expect(by[ALICE]).toMatchObject({ status: 'failed', code: 1, stdout: 'alice\n', error: 'exit code 1' });
    expect(by[BOB]).toMatchObject({ status: 'failed', code: 1, stdout: 'bob\n' });
    expect(by.nosuchhost).toMatchObject({ status: 'unreachable' });
    expect(by.nosuchhost!.error).toMatch(/cannot resolve the host name 'nosuchhost'/);
    for (const l of lines) expect(Object.keys(l)).toEqual(expect.arrayContaining(['host', 'status', 'startedAt', 'elapsedMs']));
  }, 120_000);

  it('not a terminal means JSON too; exit 0 when all succeed, 2 when one fails', async () => {
    const ok = await runPiped(['sh', `${ALICE},local`, ...SSH, '--', 'echo', 'hi']);
    expect(ok.code).toBe(0);
    expect(Object.fromEntries(ok.json().map((l) => [l.host, [l.status, l.stdout]]))).toEqual({ [ALICE]: ['ok', 'hi\n'], local: ['ok', 'hi\n'] });
    const some = await runPiped(['sh', `${ALICE},local`, ...SSH, '--', 'test "$(id -un)" = alice']);
    expect(some.code).toBe(2);
    expect(Object.fromEntries(some.json().map((l) => [l.host, l.status]))).toEqual({ [ALICE]: 'ok', local: 'failed' });
  }, 120_000);

  it('on a PTY: a live line per host and the summary table', async () => {
    const r = await runOnPty(['sh', `${ALICE},${BOB},nosuchhost`, ...SSH, '--', 'id -un; exit 1']);
    expect(r.code).toBe(3);
    const screen = r.screen;
    // The host lines as they ended (the live view's last frame stays on the screen).
    expect(screen).toMatch(new RegExp(`✘ ${ALICE}\\s+failed\\s+\\d+\\.\\ds\\s+exit code 1`));
    expect(screen).toMatch(new RegExp(`✘ ${BOB}\\s+failed\\s+\\d+\\.\\ds\\s+exit code 1`));
    expect(screen).toMatch(/✘ nosuchhost\s+unreachable\s+\d+\.\ds\s+.*cannot resolve the host/);
    // Each host's output, under its name.
    expect(screen).toMatch(new RegExp(`── ${ALICE} ── failed\\nalice\\n`));
    // The summary table: host, status, exit code, time, first line of the error.
    expect(screen).toMatch(/│ host\s+│ status\s+│ exit │ time\s+│ error\s+│/);
    expect(screen).toMatch(new RegExp(`│ ${ALICE}\\s+│ failed\\s+│ 1\\s+│ \\d+\\.\\ds\\s+│ exit code 1\\s+│`));
    expect(screen).toMatch(/│ nosuchhost\s+│ unreachable │\s+│ \d+\.\ds\s+│ cannot resolve the host name 'nosuchhost'/);
    expect(screen).toMatch(/2 failed, 1 unreachable/);
    // While it ran, the lines said what each host was doing.
    expect(r.text).toMatch(new RegExp(`${ALICE}\\s+connecting`));
    expect(r.text).toMatch(new RegExp(`${ALICE}\\s+running`));
  }, 120_000);

  it('--stream prints lines as they come, prefixed by the host (on stderr when stdout is JSON)', async () => {
    const onPty = await runOnPty(['sh', ALICE, ...SSH, '--stream', '--', 'echo one; echo two >&2; echo three']);
    expect(onPty.code).toBe(0);
    // Each stream in its order (stdout and stderr are two pipes: no order between them).
    expect(onPty.screen).toMatch(new RegExp(`${ALICE} \\| one\\n(.*\\n)?${ALICE} \\| three`));
    expect(onPty.screen).toContain(`${ALICE} ! two\n`);
    const piped = await runPiped(['sh', ALICE, ...SSH, '--stream', '--', 'echo one; echo two >&2']);
    expect(piped.json()).toMatchObject([{ host: ALICE, status: 'ok', stdout: 'one\n', stderr: 'two\n' }]);
    expect(piped.stderr).toContain(`${ALICE} | one\n`);
    expect(piped.stderr).toContain(`${ALICE} ! two\n`);
  }, 120_000);

  it('-b --become-user with -K: the password asked without echo on the terminal, the command runs as that account', async () => {
    const r = await runOnPty(['sh', ALICE, ...SSH, '-b', '--become-user', 'bob', '-K', '--', 'id -un'], {
      answers: [{ when: /BECOME password: $/, send: `${PASSWORDS.alice}\r` }],
    });
    expect(r.code).toBe(0);
    expect(r.screen).toMatch(/BECOME password: \n/); // nothing echoed
    expect(r.raw).not.toContain(PASSWORDS.alice);
    expect(r.screen).toMatch(new RegExp(`── ${ALICE} ──\\nbob\\n`));
    // A wrong one: the host is unreachable (exit 3) with sudo's refusal.
    const wrong = await runOnPty(['sh', ALICE, ...SSH, '-b', '--become-user', 'bob', '-K', '--', 'id -un'], {
      answers: [{ when: /BECOME password: $/, send: 'not-it\r' }],
    });
    expect(wrong.code).toBe(3);
    expect(wrong.screen).toMatch(/password was refused/);
  }, 120_000);

  it('-b as root through sudo, -K answered on the PTY (this machine: local)', async () => {
    const r = await runOnPty(['sh', 'local', '-b', '-K', '--', 'id -un'], { answers: [{ when: /BECOME password: $/, send: 'unused\r' }] });
    expect(r.code).toBe(0);
    expect(r.screen).toMatch(/── local ──\nroot\n/);
  }, 120_000);

  it('-J chains: master -> alice@A -> bob@B -> carol, the hop shared by the hosts behind it', async () => {
    const targets = `carol@${HOST_A}:${PORT},carol@${HOST_B}:${PORT}`;
    const r = await runPiped(['sh', targets, ...SSH, '-J', ALICE, '-J', BOB, '--', 'id -un']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json().map((l) => l.stdout)).toEqual(['carol\n', 'carol\n']);
    // Where they sit in the tree: behind both hops, one ssh context per hop for both hosts.
    const t = await runPiped(['tree', targets, ...SSH, '--via', `${ALICE},${BOB}`]);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    // JSON lines come as hosts finish: look them up by host.
    const byHost = new Map(t.json().map((l) => [l.host, (l.path as { name: string; state: string }[]).map((n) => n.name)]));
    expect(byHost.size).toBe(2);
    for (const p of byHost.values()) expect(p.slice(1, 3)).toEqual([`ssh.${HOST_A}:${PORT}`, `ssh.${HOST_B}:${PORT}`]);
    expect(byHost.get(`carol@${HOST_A}:${PORT}`)![3]).toBe(`ssh.${HOST_A}:${PORT}`);
    expect(byHost.get(`carol@${HOST_B}:${PORT}`)![3]).toBe(`ssh.${HOST_B}:${PORT}`);
    const hopIds = t.json().map((l) => (l.path as { id: number }[])[2]!.id);
    expect(hopIds[0]).toBe(hopIds[1]);
  }, 120_000);

  it('an inventory gives per-host users; a -t timeout fails the slow host only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tendril-cli-inv-'));
    writeFileSync(join(dir, 'inv.yaml'), `hosts:\n  a: { host: ${HOST_A}, port: ${PORT}, user: alice }\n  b: { host: ${HOST_B}, port: ${PORT}, user: bob }\ngroups:\n  web: [a, b]\n`);
    const r = await runPiped(['sh', `@${join(dir, 'inv.yaml')}:web`, ...SSH, '-t', '8', '--', 'id -un; [ "$(id -un)" = bob ] && sleep 30; true']);
    expect(r.code).toBe(2);
    const by = Object.fromEntries(r.json().map((l) => [l.host, l]));
    expect(by.a).toMatchObject({ status: 'ok', stdout: 'alice\n' });
    expect(by.b).toMatchObject({ status: 'failed' });
    expect(String(by.b!.error)).toMatch(/timed out|TimeoutError|timeout/i);
  }, 120_000);
});
