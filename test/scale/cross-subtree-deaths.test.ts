// Deaths reach the processes that wait on them, also in another subtree (issue 15: a death is
// sent down only to the subtrees that asked for it, routing/interests.ts: here p2's dispatcher
// asks through its broker; p3's ask comes after the death and is answered). Real processes:
// master -> p1 -> k1, master -> p2; code in p2's dispatcher waits on k1, which is SIGKILLed.
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/index.js';
import { withRouter } from '../support/router.js';
import type * as DeathTasks from './fixtures/death-tasks.js';
import type * as TreeTasks from '../fixtures/tree-tasks.js';

const deathsUrl = new URL('./fixtures/death-tasks.ts', import.meta.url);
const tasksUrl = new URL('../fixtures/tree-tasks.ts', import.meta.url);
const deaths = (ctx: Context): ReturnType<typeof ctx.import<typeof DeathTasks>> => ctx.import<typeof DeathTasks>(deathsUrl);
const tasks = (ctx: Context): ReturnType<typeof ctx.import<typeof TreeTasks>> => ctx.import<typeof TreeTasks>(tasksUrl);

describe('deaths across subtrees', () => {
  const fx = withRouter({ shutdownTimeout: 2000 });

  it("whenDead() and a receiver of its messages, in another subtree, end when a grandchild is SIGKILLed", { timeout: 60_000 }, async () => {
    const p1 = await fx.local({ name: 'p1' });
    const k1 = await tasks(p1).spawnChild('k1');
    const p2 = await fx.local({ name: 'p2' });
    const dead = deaths(p2).deadReasonOf(k1);
    const sender = await deaths(p2).openReceiver();
    await deaths(k1).send(sender, 'hello');
    expect(await deaths(p2).next(20_000)).toBe('hello');
    const ended = deaths(p2).next(30_000);
    process.kill(await deaths(k1).pid(), 'SIGKILL');
    await k1.whenDead();
    // A context started after the death, told of k1 only now: its ask is answered at once
    // (with deaths broadcast to everyone at the time, it never learned it: whenDead() hung).
    const p3 = await fx.local({ name: 'p3' });
    const late = deaths(p3).deadReasonOf(k1);
    const [reason, end, lateReason] = await Promise.all([dead, ended, late]);
    expect(reason).toBe(k1.deadReason);
    expect(lateReason).toBe(k1.deadReason);
    expect(String(end)).toMatch(/^ChannelError: .*is dead/);
    // p2 is still up; nothing else died.
    expect(await p2.call('node:os', 'uptime')).toBeGreaterThan(0);
  });
});
