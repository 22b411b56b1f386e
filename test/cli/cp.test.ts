// Issue 14 acceptance for `tendril cp`: 50 MiB to three real ssh accounts through the library's
// file transfer, byte-exact, with the progress shown on a real PTY; and fetching back.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeHosts } from '../support/hosts-suite.js';
import { HOST_A, HOST_B, KEY, KNOWN_HOSTS, PORT } from '../hosts/hosts.js';
import { runOnPty, runPiped } from './run-cli.js';

const SSH = ['-i', KEY, '--known-hosts', KNOWN_HOSTS];
const HOSTS = [`alice@${HOST_A}:${PORT}`, `bob@${HOST_B}:${PORT}`, `carol@${HOST_A}:${PORT}`];
const USERS = ['alice', 'bob', 'carol'];
const NAME = `tendril-cp-test-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'tendril-cli-cp-'));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

afterAll(() => {
  for (const u of USERS) rmSync(`/home/${u}/${NAME}`, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

describeHosts('tendril cp', () => {
  it('copies 50 MiB to 3 hosts byte-exact, with a progress display on the PTY', async () => {
    const data = randomBytes(50 * 1024 * 1024);
    writeFileSync(join(dir, 'big.bin'), data);
    // A relative DEST is under each account's home, as with scp.
    const r = await runOnPty(['cp', join(dir, 'big.bin'), `${HOSTS.join(',')}:${NAME}`, ...SSH], { timeout: 240_000 });
    expect(r.code, r.screen).toBe(0);
    for (const u of USERS) {
      const copy = readFileSync(`/home/${u}/${NAME}`);
      expect(copy.length).toBe(data.length);
      expect(copy.equals(data)).toBe(true);
    }
    // The live lines showed the transfer as it went: a bar, MiB of 50.0, a percentage.
    expect(r.text).toMatch(/\[#*\.+\] \d+\.\d\/50\.0 MiB \d{1,2}%/);
    expect(r.screen).toMatch(/3 ok/);
    for (const h of HOSTS) expect(r.screen).toMatch(new RegExp(`│ ${h}\\s+│ ok\\s+│`));
  }, 300_000);

  it('--json says bytes, sha256 and the path per host; HOST:SRC DEST/ fetches into DEST/<host>/', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(dir, 'small.bin'), data);
    const push = await runPiped(['cp', join(dir, 'small.bin'), `${HOSTS[0]},${HOSTS[1]}:${NAME}`, ...SSH]);
    expect(push.code, push.stderr).toBe(0);
    expect(push.json().map((l) => [l.host, l.bytes, l.sha256, l.path]).sort()).toEqual([
      [HOSTS[0], data.length, sha(data), `/home/alice/${NAME}`],
      [HOSTS[1], data.length, sha(data), `/home/bob/${NAME}`],
    ]);
    const back = join(dir, 'back');
    const fetch = await runPiped(['cp', `${HOSTS[0]},${HOSTS[1]}:${NAME}`, `${back}/`, ...SSH]);
    expect(fetch.code, fetch.stderr).toBe(0);
    for (const l of fetch.json()) expect(readFileSync(String(l.path)).equals(data)).toBe(true);
    expect(fetch.json().map((l) => l.path).sort()).toEqual([join(back, `alice@${HOST_A}_${PORT}`, NAME), join(back, `bob@${HOST_B}_${PORT}`, NAME)]);
    // A missing source fails that host with the remote error.
    const missing = await runPiped(['cp', `${HOSTS[0]}:no-such-file-${process.pid}`, `${back}/`, ...SSH]);
    expect(missing.code).toBe(2);
    expect(missing.json()[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/ENOENT|no such file/i) });
  }, 300_000);
});
