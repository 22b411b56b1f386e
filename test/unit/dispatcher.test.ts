// The call path of a child without a child process: master router -> in-memory link -> the
// broker's router (hands dispatcher handles to the worker thread) -> the real dispatcher on a
// worker thread -> user code, and back; modules from the master's real ModuleResponder
// through the broker's module cache, the dispatcher's synchronous fetch over a MessageChannel.
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallError } from '../../src/core/errors.js';
import type * as ThreadTasks from './fixtures/thread-tasks.js';
import { startInProcessChild, type InProcessChild } from './harness/in-process-child.js';

const tasksUrl = new URL('./fixtures/thread-tasks.ts', import.meta.url);

let child: InProcessChild;
beforeAll(() => {
  child = startInProcessChild();
});
afterAll(() => child.close());

const tasks = () => child.master.contextFor(1).import<typeof ThreadTasks>(tasksUrl);

describe('dispatcher on a worker thread, broker in this thread (no child process)', () => {
  it('a builtin call runs on the dispatcher thread of this process and answers', async () => {
    expect(await child.master.contextFor(1).call('node:path', 'basename', '/a/b.txt')).toBe('b.txt');
    const where = await tasks().where();
    expect(where.isMainThread).toBe(false);
    expect(where.threadId).not.toBe(threadId);
    expect(where.pid).toBe(process.pid);
  });

  it('a served module comes with its static graph in one request; later calls need none', async () => {
    const before = child.responder.stats.requests;
    // thread-tasks.ts was loaded by the previous test: shapes.ts and geometry.ts came with it.
    expect(await tasks().square(3)).toBe(12);
    expect(await tasks().square(0.5)).toBe(2);
    expect(child.responder.stats.requests).toBe(before);
    expect(child.cache.upstreamRequests).toBe(1);
  });

  it('require() of a module the graph did not name blocks the thread while the broker fetches it', async () => {
    const before = child.responder.stats.requests;
    expect(await tasks().late('late')).toBe('hello from late.cjs');
    expect(child.responder.stats.requests).toBe(before + 1);
    // Once here, it is required without a round trip.
    expect(await tasks().late('late')).toBe('hello from late.cjs');
    expect(child.responder.stats.requests).toBe(before + 1);
  });

  it('a throw in user code is a CallError with its remote type; a missing module says why', async () => {
    const err = await tasks().fail('out of range').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).remoteType).toBe('RangeError');
    expect((err as CallError).remoteMessage).toBe('out of range');
    const missing = await tasks().late('absent').then(() => null, (e: unknown) => e);
    expect(missing).toBeInstanceOf(CallError);
    expect((missing as CallError).remoteMessage).toMatch(/absent/);
    // The context still answers.
    expect(await tasks().square(1)).toBe(4);
  });
});
