// `tendril sh -b -K` to root over ssh: the account (dave, test/hosts/up.sh: `dave ALL=(root)
// ALL`) needs its password for sudo, typed on the PTY without echo. The local case (root here,
// no password asked of it) cannot tell whether the password reached sudo; this one can.
import { expect, it } from 'vitest';
import { describeHosts } from '../support/hosts-suite.js';
import { HOST_B, KEY, KNOWN_HOSTS, PASSWORDS, PORT } from '../hosts/hosts.js';
import { runOnPty } from './run-cli.js';

const DAVE = `dave@${HOST_B}:${PORT}`;
const ARGS = ['sh', DAVE, '-i', KEY, '--known-hosts', KNOWN_HOSTS, '-b', '-K', '--', 'id -un'];

describeHosts('tendril sh -b -K as root over ssh', () => {
  it('the password typed on the PTY (not echoed) opens sudo to root; a wrong one is refused', async () => {
    const r = await runOnPty(ARGS, { answers: [{ when: /BECOME password: $/, send: `${PASSWORDS.dave}\r` }] });
    expect(r.code, r.text).toBe(0);
    expect(r.screen).toMatch(/BECOME password: \n/);
    expect(r.raw).not.toContain(PASSWORDS.dave);
    expect(r.screen).toMatch(new RegExp(`── ${DAVE} ──\\nroot\\n`));
    const wrong = await runOnPty(ARGS, { answers: [{ when: /BECOME password: $/, send: 'not-it\r' }] });
    expect(wrong.code).toBe(3);
    expect(wrong.screen).toMatch(/password was refused/);
  }, 180_000);
});
