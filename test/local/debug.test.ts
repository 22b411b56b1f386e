// TENDRIL_DEBUG against real children: `1` turns on every debug topic, a comma list only those
// topics, in the master and in every child started afterwards (grandchildren too: the setting
// travels in their config). Debug records are structured: level, topic, context, time.
import { afterEach, describe, expect, it } from 'vitest';
import { FORWARD_LOG, NO_REPLY, encodeFrame } from '../../src/core/wire/protocol.js';
import { encode } from '../../src/core/wire/codec.js';
import type * as TreeTasks from '../fixtures/tree-tasks.js';
import { Router, type Context, type LogRecord } from '../../src/index.js';
import { waitFor } from '../support/processes.js';
import { runInChild, withRouter } from '../support/router.js';

const tasksUrl = new URL('../fixtures/tasks.ts', import.meta.url);
const treeTasksUrl = new URL('../fixtures/tree-tasks.ts', import.meta.url);
/** A handle below the dispatcher range that no one installs: a child's broker drops it. */
const NOBODY = 900;
const saved = process.env.TENDRIL_DEBUG;

/** A router made while TENDRIL_DEBUG is `value` (undefined: unset), with every record it gets. */
function routerWithEnv(fx: ReturnType<typeof withRouter>, value: string | undefined): { router: Router; records: LogRecord[] } {
  if (value === undefined) delete process.env.TENDRIL_DEBUG;
  else process.env.TENDRIL_DEBUG = value;
  try {
    const router = fx.track(new Router({ printLogs: false, shutdownTimeout: 2000 }));
    const records: LogRecord[] = [];
    router.logs$.subscribe((r) => records.push(r));
    return { router, records };
  } finally {
    if (saved === undefined) delete process.env.TENDRIL_DEBUG;
    else process.env.TENDRIL_DEBUG = saved;
  }
}

const debugOf = (records: LogRecord[], ctx: { id: number }, topic?: string): LogRecord[] =>
  records.filter((r) => r.level === 'debug' && r.contextId === ctx.id && (topic === undefined || r.topic === topic));

/** What the test makes each context do: drop a frame (routing), load a served module (modules). */
async function exercise(router: Router, ctx: Context): Promise<void> {
  router.sendData(ctx.id, NOBODY, new Uint8Array(0), NO_REPLY);
  router.sendData(4242, NOBODY, new Uint8Array(0), NO_REPLY);
  await expect(ctx.call(tasksUrl, 'default', 'debug')).resolves.toMatch(/debug/);
}

describe('TENDRIL_DEBUG', () => {
  const fx = withRouter();
  afterEach(() => expect(process.env.TENDRIL_DEBUG).toBe(saved));

  it('a comma list turns on exactly those topics, in the master, a child and a grandchild', async () => {
    const startedAt = Date.now();
    const { router, records } = routerWithEnv(fx, 'routing,modules');
    const child = await router.local({ name: 'dbg-child' });
    const grandchild = await router.local({ name: 'dbg-grandchild', via: child });
    await exercise(router, child);
    await expect(grandchild.call(tasksUrl, 'default', 'deep')).resolves.toMatch(/deep/);

    await waitFor(() => debugOf(records, child, 'routing').length > 0, 10_000, "the child's routing record");
    const dropped = debugOf(records, child, 'routing')[0]!;
    expect(dropped).toMatchObject({ level: 'debug', source: 'tendril', topic: 'routing', context: 'dbg-child', contextName: 'dbg-child', contextId: child.id });
    expect(dropped.message).toMatch(/dropped a message to .*no handler/);
    expect(dropped.time).toBeGreaterThanOrEqual(startedAt);
    expect(dropped.time).toBeLessThanOrEqual(Date.now());
    await waitFor(() => debugOf(records, { id: 0 }, 'routing').some((r) => /to 4242/.test(r.message)), 10_000, "the master's routing record");

    // The child's broker fetched the module and handed its dispatcher the parent's reply as received.
    await waitFor(() => debugOf(records, child, 'modules').some((r) => /as received/.test(r.message)), 10_000, "the child's module records");
    expect(debugOf(records, child, 'modules').map((r) => r.message)).toContainEqual(expect.stringMatching(/^fetched '.*tasks\.ts' from the parent/));
    // The grandchild got the setting through its parent's config; the intermediate served it from its cache.
    await waitFor(() => debugOf(records, grandchild, 'modules').some((r) => /as received/.test(r.message)), 10_000, "the grandchild's module records");
    expect(debugOf(records, grandchild, 'modules').every((r) => r.context === 'dbg-grandchild' && r.source === 'tendril')).toBe(true);
    // The intermediate passed its cached reply on as received twice: to its dispatcher and to the grandchild.
    await waitFor(() => debugOf(records, child, 'modules').filter((r) => /as received/.test(r.message)).length >= 2, 10_000, 'the pass-through to the grandchild');
    expect(debugOf(records, { id: 0 }, 'modules').map((r) => r.message)).toContainEqual(expect.stringMatching(/^served \d+ modules for .*tasks\.ts/));

    // Other topics stay off, even for what would log under them (a child shutting down: lifecycle).
    await grandchild.shutdown({ wait: true });
    await child.shutdown({ wait: true });
    const topics = new Set(records.filter((r) => r.level === 'debug').map((r) => r.topic));
    expect([...topics].sort()).toEqual(['modules', 'routing']);
  });

  it('1 turns on every topic: a child shutting down logs under lifecycle', async () => {
    const { router, records } = routerWithEnv(fx, '1');
    const child = await router.local({ name: 'dbg-all' });
    await exercise(router, child);
    await child.shutdown({ wait: true });
    await waitFor(() => debugOf(records, child, 'lifecycle').length > 0, 10_000, 'the lifecycle record');
    expect(debugOf(records, child, 'lifecycle')[0]!.message).toMatch(/shutting down: asked to by the parent/);
    expect(debugOf(records, child, 'routing').length).toBeGreaterThan(0);
    expect(debugOf(records, child, 'modules').length).toBeGreaterThan(0);
    // Every debug record names its topic.
    expect(records.filter((r) => r.level === 'debug' && typeof r.topic !== 'string')).toEqual([]);
  });

  it('unset, nothing logs at debug level; enableDebug() turns it on for children started afterwards', async () => {
    const { router, records } = routerWithEnv(fx, undefined);
    const before = await router.local({ name: 'dbg-before' });
    await exercise(router, before);
    expect(records.filter((r) => r.level === 'debug')).toEqual([]);
    router.enableDebug();
    const after = await router.local({ name: 'dbg-after' });
    await exercise(router, after);
    await waitFor(() => debugOf(records, after, 'routing').length > 0 && debugOf(records, after, 'modules').length > 0, 10_000, 'the later child\'s records');
    // The master's records are on from enableDebug() on; the earlier child's setting was fixed at its start.
    expect(debugOf(records, { id: 0 }, 'routing').length).toBeGreaterThan(0);
    await expect(before.call('node:os', 'hostname')).resolves.toBeTypeOf('string');
    expect(debugOf(records, before)).toEqual([]);
  });
});

describe('FORWARD_LOG records', () => {
  const fx = withRouter();

  it('the master takes a whole record from a child, refuses one speaking for another context, and a malformed one', async () => {
    const child = await fx.local({ name: 'recorder' });
    const raw = child.import<typeof TreeTasks>(treeTasksUrl);
    const send = (value: unknown): Promise<void> => raw.writeRawFrame(encodeFrame(0, child.id, child.id, FORWARD_LOG, NO_REPLY, encode(value)));
    await send([child.id, 'recorder', 'tendril', 'error', 1234, 'a record of its own', 'calls']);
    await send([999, 'someone-else', 'tendril', 'error', 1234, 'forged record', null]);
    await send(['not', 'a', 'record']);
    await waitFor(() => fx.logs.filter((r) => /dropped a malformed FORWARD_LOG record from context/.test(r.message)).length >= 2, 10_000, 'two refusals');
    const own = fx.logs.find((r) => r.message === 'a record of its own');
    expect(own).toEqual({ level: 'error', context: 'recorder', contextId: child.id, contextName: 'recorder', source: 'tendril', message: 'a record of its own', time: 1234, topic: 'calls' });
    expect(fx.logs.some((r) => r.message === 'forged record' || r.contextId === 999)).toBe(false);
    const refusals = fx.logs.filter((r) => /dropped a malformed FORWARD_LOG/.test(r.message));
    expect(refusals.every((r) => r.contextId === 0 && r.level === 'warn' && r.message.endsWith(`context ${child.id}`))).toBe(true);
  });

  it("a grandchild's prints arrive through its parent, tagged with the grandchild", async () => {
    const parent = await fx.local({ name: 'relay' });
    const grandchild = await fx.router.local({ name: 'printer', via: parent });
    await runInChild(grandchild, "console.log('out from below'); console.error('err from below')");
    await waitFor(() => fx.logs.filter((r) => r.contextId === grandchild.id).length >= 2, 10_000, "the grandchild's prints");
    const mine = fx.logs.filter((r) => r.contextId === grandchild.id).map((r) => [r.source, r.level, r.context, r.contextName, r.message, r.topic]);
    expect(mine.sort()).toEqual([
      ['stderr', 'warn', 'printer', 'printer', 'err from below', undefined],
      ['stdout', 'info', 'printer', 'printer', 'out from below', undefined],
    ]);
  });
});
