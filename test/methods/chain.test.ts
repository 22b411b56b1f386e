// The chain through real hosts and accounts: ssh to 127.0.0.2 as alice, sudo to bob
// with alice's password, from bob ssh to 127.0.0.3 as carol (bob's own key and known_hosts),
// su back to bob with bob's password. Every hop answers calls and imports a multi-file TS module.
import { expect, it } from 'vitest';
import { type Context } from '../../src/index.js';
import { HOST_A, HOST_B, PASSWORDS, PORT, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { waitGone } from '../support/processes.js';
import { withRouter } from '../support/router.js';
import type * as Tasks from '../fixtures/methods/tasks.js';

const tasksUrl = new URL('../fixtures/methods/tasks.ts', import.meta.url);
const tasks = (ctx: Context): ReturnType<typeof ctx.import<typeof Tasks>> => ctx.import<typeof Tasks>(tasksUrl);

describeHosts('a chain of real methods', () => {
  const fx = withRouter({ shutdownTimeout: 3000 });

  it('ssh(127.0.0.2) -> sudo(bob, password) -> ssh(127.0.0.3 as carol) -> su(bob) answers calls and imports a multi-file TS module', async () => {
    const web = await fx.router.ssh({ ...sshTo(HOST_A, 'alice'), name: 'web' });
    const root = await fx.router.sudo({ via: web, username: 'bob', password: PASSWORDS.alice, name: 'bob-on-a' });
    const db = await fx.router.ssh({ via: root, hostname: HOST_B, port: PORT, username: 'carol', name: 'db' });
    const back = await fx.router.su({ via: db, username: 'bob', password: PASSWORDS.bob, name: 'bob-on-b' });
    const chain = [web, root, db, back];
    const who = await Promise.all(chain.map((c) => tasks(c).whoAmI()));
    expect(who.map((w) => w.username)).toEqual(['alice', 'bob', 'carol', 'bob']);
    expect(who.map((w) => w.title)).toEqual(['tendril:web', 'tendril:bob-on-a', 'tendril:db', 'tendril:bob-on-b']);
    // Each hop a different process; the last one through three intermediates.
    expect(new Set(who.map((w) => w.pid)).size).toBe(4);
    const data = new Uint8Array(256 * 1024).map((_, i) => i & 255);
    expect(await tasks(back).sha256(data)).toBe(await tasks(web).sha256(data));
    expect(Buffer.from(await tasks(back).echo(data)).equals(Buffer.from(data))).toBe(true);
    // The master talks to the deepest context directly; shutting the chain down ends all of it.
    await web.shutdown({ wait: true });
    for (const c of chain) expect(c.state).toBe('dead');
    await waitGone(who.map((w) => w.pid), 8000);
  });
});
