// `withRouter`: a Router per test (shut down in afterEach), or one per file (`scope: 'file'`,
// shut down in afterAll: cheaper when tests only call), always with a leak check: every child
// the fixture's routers started must be gone once they are shut down. On a failure, the last
// log records of the children are printed.
import { afterAll, afterEach, beforeAll, beforeEach, type TestContext } from 'vitest';
import { Router, type Context, type LocalOptions, type LogRecord, type RouterOptions } from '../../src/index.js';
import { waitGone } from './processes.js';

export interface RouterFixture {
  /** The router of the running test (or file). */
  readonly router: Router;
  /** Every log record of the fixture's routers, in arrival order. */
  readonly logs: LogRecord[];
  /** `router.local()` that also remembers the child's pid for the leak check. */
  local(opts?: LocalOptions): Promise<Context>;
  /** One child shared by the whole scope, started on first use with `sharedOptions`. */
  shared(): Promise<Context>;
  /** A router made by the test itself: shut down (and leak-checked) with the fixture's. */
  track(router: Router): Router;
  /** The pid of a child started by a fixture router. */
  pidOf(ctx: Context): number;
}

export interface FixtureOptions {
  /** 'each' (default): a new router per test, shut down in afterEach; 'file': one for the file. */
  scope?: 'each' | 'file';
  /** Options of the `shared()` child. */
  sharedOptions?: LocalOptions;
}

/** Time allowed, past the routers' grace period, for every child to be gone. */
const LEAK_MARGIN_MS = 3000;

export function withRouter(routerOptions: RouterOptions = {}, fixtureOptions: FixtureOptions = {}): RouterFixture {
  const scope = fixtureOptions.scope ?? 'each';
  let current: Router | null = null;
  let sharedCtx: Promise<Context> | null = null;
  const routers: Router[] = [];
  const pids = new Map<Context, number>();
  const logs: LogRecord[] = [];

  const track = (router: Router): Router => {
    routers.push(router);
    router.logs$.subscribe((r) => logs.push(r));
    return router;
  };

  const setUp = (): void => {
    logs.length = 0;
    current = track(new Router({ printLogs: false, ...routerOptions }));
  };

  const tearDown = async (): Promise<void> => {
    const all = routers.splice(0);
    current = null;
    sharedCtx = null;
    const everyPid = new Set(pids.values());
    for (const r of all) for (const pid of r.childPids().values()) everyPid.add(pid);
    pids.clear();
    const results = await Promise.allSettled(all.map((r) => r.shutdown()));
    const grace = Math.max(0, ...all.map((r) => r.shutdownTimeout));
    await waitGone(everyPid, grace + LEAK_MARGIN_MS);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  };

  const printLogsOnFailure = (c: TestContext): void => {
    c.onTestFailed(() => {
      const tail = logs.slice(-40).map((r) => `  [${r.contextName}/${r.source}] ${r.message.slice(0, 300)}`);
      if (tail.length) console.error(`last log records of the failed test:\n${tail.join('\n')}`);
    });
  };

  if (scope === 'each') {
    beforeEach(setUp);
    afterEach(tearDown);
  } else {
    beforeAll(setUp);
    afterAll(tearDown);
  }
  beforeEach(printLogsOnFailure);

  const fixture: RouterFixture = {
    get router(): Router {
      if (!current) throw new Error('withRouter: no router outside a test');
      return current;
    },
    logs,
    async local(opts: LocalOptions = {}): Promise<Context> {
      const router = fixture.router;
      const ctx = await router.local(opts);
      const pid = router.childPids().get(ctx.id);
      if (pid === undefined) throw new Error(`no pid for context ${ctx.name}`);
      pids.set(ctx, pid);
      return ctx;
    },
    shared(): Promise<Context> {
      return (sharedCtx ??= fixture.local({ name: 'shared', ...fixtureOptions.sharedOptions }));
    },
    track,
    pidOf(ctx: Context): number {
      const pid = pids.get(ctx) ?? routers.map((r) => r.childPids().get(ctx.id)).find((p) => p !== undefined);
      if (pid === undefined) throw new Error(`no pid known for context ${ctx.name}`);
      return pid;
    },
  };
  return fixture;
}

/** Runs `code` in the child's dispatcher thread (node:vm runInThisContext: `require` is visible there). */
export function runInChild(ctx: Context, code: string): Promise<unknown> {
  // The dispatcher has no global require (served modules must not see one): give the snippet
  // one for builtins, and keep the value of its last expression (direct eval).
  const wrapped = `((require) => eval(${JSON.stringify(code)}))((m) => process.getBuiltinModule(m))`;
  return ctx.call('node:vm', 'runInThisContext', wrapped);
}

/**
 * Runs `code` in a fresh vm context of the child whose globals are `globals` (decoded there:
 * a Sender or Context passed this way is live in the child).
 */
export function runWithGlobals(ctx: Context, code: string, globals: Record<string, unknown>): Promise<unknown> {
  return ctx.call('node:vm', 'runInNewContext', code, globals);
}
