// Issue 15.8: on a deliberate router.shutdown(), calls pending or still being made must read
// that the context was shut down: not "write EPIPE" (the stream broke as the child exited), nor
// "no route to context N" (made after its stream ended, before its death was recorded).
import { expect, it } from 'vitest';
import { ChannelError, Router, type Context } from '../../src/index.js';
import { HOST_A, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { waitGone } from '../support/processes.js';

const TASKS = new URL('./fixtures/tasks.ts', import.meta.url);

describeHosts('shutdown reasons (issue 15.8)', () => {
  it('every call pending or in flight at router.shutdown() fails with a ChannelError saying the context was shut down', async () => {
    const router = new Router({ printLogs: false, shutdownTimeout: 1000 });
    const top = await Promise.all(Array.from({ length: 12 }, (_, i) => router.local({ name: `sd${i}` })));
    const mid = await router.local({ name: 'sdmid', via: top[0] });
    const low = await router.local({ name: 'sdlow', via: mid });
    const ssh = await router.ssh({ ...sshTo(HOST_A, 'alice'), name: 'sdssh' });
    const ssh2 = await router.ssh({ ...sshTo(HOST_A, 'alice'), name: 'sdssh2', transport: 'ssh2' });
    const ctxs: Context[] = [...top, mid, low, ssh, ssh2];
    const pids = await Promise.all(ctxs.map((c) => c.call(TASKS, 'pid') as Promise<number>));
    const pending = ctxs.flatMap((c) => Array.from({ length: 12 }, () => c.call(TASKS, 'hang', 60_000).then(() => null, (e: unknown) => e)));
    // Calls keep flowing while the shutdown runs.
    const flowing: Promise<unknown>[] = [];
    let pumping = true;
    const pump = (async () => {
      while (pumping) {
        for (const c of ctxs) flowing.push(c.call(TASKS, 'pid').then(() => 'answered', (e: unknown) => e));
        await new Promise((r) => setImmediate(r));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await router.shutdown();
    pumping = false;
    await pump;
    const outcomes = [...(await Promise.all(pending)), ...(await Promise.all(flowing))];
    const messages = new Map<string, number>();
    for (const e of outcomes) {
      const m = e === 'answered' ? e : e instanceof ChannelError ? e.message.replace(/'sd\w+' \(#\d+\)/, "'X' (#N)") : `not a ChannelError: ${String(e)}`;
      messages.set(m, (messages.get(m) ?? 0) + 1);
    }
    console.log(`outcomes of ${pending.length} pending and ${flowing.length} flowing calls at shutdown:`, Object.fromEntries(messages));
    expect(pending.length).toBe(16 * 12);
    // A context behind another (sdmid, sdlow) may be known dead through its parent's death
    // first: the words then name that parent, and still end in the shutdown.
    const shutDown = /^(parent context '[^']+' died: )*shutdown requested$/;
    for (const m of messages.keys()) expect(m).toMatch(/^answered$|is dead: (parent context '[^']+' died: )*shutdown requested$|shutting down/);
    for (const c of top) expect(c.deadReason).toBe('shutdown requested');
    for (const c of ctxs) expect(c.deadReason).toMatch(shutDown);
    await waitGone(pids, 5000);
  }, 90_000);
});
