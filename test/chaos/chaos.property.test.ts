// Chaos property (issue 10, acceptance; issue 15): random 3-level trees of local contexts
// (via=) with one node of level 1 or 2 started over ssh (OpenSSH or ssh2, the real test sshd:
// its subtree runs there), calls in flight in every direction the policies allow (the master
// into every node; code in every middle node into each of its descendants), calls flowing
// from the master into every node all along, and Sender -> Receiver streams between random
// nodes and the master, then random SIGKILL / SIGSTOP / SIGSTOP+SIGCONT (a pause) of random
// nodes. Every call and every receiver settles once, within its bound after a detectable
// death; calls to survivors (paused ones too) still succeed; exactly the killed subtrees end
// dead, in the master and in each middle node's own view; the reasons follow the rule; no
// process is left behind. The bounds met are printed per run and for the whole property.
// CI form: RUNS runs (< 60 s); long form: CHAOS_ROUNDS=n, or SOAK=long for 100.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { ChannelError, Receiver, Router, type Context, type Sender } from '../../src/index.js';
import { assertProperty } from '../support/fc.js';
import { HOST_A, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { isGone, processState, waitFor, waitGone } from '../support/processes.js';
import type * as NodeTasks from '../fixtures/chaos/node-tasks.js';
import { MASTER, ancestors, deadline, describeScenario, descendants, endsDead, frozenOrphans, levelOf, reasonProblem, scenarios, type Bounds, type Scenario } from './chaos-model.js';

const TASKS = new URL('../fixtures/chaos/node-tasks.ts', import.meta.url);
// Short heartbeats, but not shorter: at 200 ms × 2 misses, live nodes of a tree being built
// were declared dead on this 2-core machine under load (a broker starved of CPU for 400+ ms).
const HEARTBEAT = 300;
const MISSES = 3;
const SHUTDOWN_MS = 1000;
/** Issue 10: within 1 s of a detectable death; a frozen node is detectable after interval × (misses + 1). */
const BOUNDS: Bounds = { SIGKILL: 1000, SIGSTOP: HEARTBEAT * (MISSES + 1) + 1000 };
/** No pending hold or inbox outlives this (nothing waits forever, even when the runtime fails). */
const MAX_WAIT = 15_000;
const RUNS = Number(process.env.CHAOS_ROUNDS ?? (process.env.SOAK === 'long' ? 100 : 5));
/** A run takes 5-8 s here; the CI form stays under 60 s. */
const TIMEOUT = Math.max(60_000, RUNS * 20_000);

/** Figures over all runs (printed at the end). */
const stats = {
  runs: 0,
  settled: 0,
  flowing: 0,
  orphans: 0,
  tightest: Number.POSITIVE_INFINITY,
  detect: { SIGKILL: [] as number[], SIGSTOP: [] as number[] },
};

type Outcome = NodeTasks.Outcome;
type InboxOutcome = Outcome & { count: number };
type Settled<T> = { ok: true; value: T; at: number } | { ok: false; error: unknown; at: number };

const tasks = (ctx: Context): ReturnType<typeof ctx.import<typeof NodeTasks>> => ctx.import<typeof NodeTasks>(TASKS);

/** Records when `p` settled (Date.now(), the clock every process of the tree shares). */
function settle<T>(p: Promise<T>, count: () => void): Promise<Settled<T>> {
  return p.then(
    (value) => (count(), { ok: true as const, value, at: Date.now() }),
    (error: unknown) => (count(), { ok: false as const, error, at: Date.now() }),
  );
}

/** `p`, or a note that it never settled within `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} never settled (${ms} ms)`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Iterates a Receiver in the master like watchInbox does in a node. */
async function watchHere(r: Receiver, counter: { count: number }, key: string): Promise<InboxOutcome> {
  try {
    for await (const m of r) {
      m.decode();
      counter.count++;
    }
    return { key, target: MASTER, ok: true, value: null, error: null, message: null, at: Date.now(), count: counter.count };
  } catch (e) {
    return { key, target: MASTER, ok: false, value: null, error: (e as Error).name, message: (e as Error).message, at: Date.now(), count: counter.count };
  }
}

interface Tracked<T> { what: string; observer: number; target: number; settled: Promise<Settled<T>>; settles: number }

/** One scenario against real processes; throws with every problem found. */
async function runScenario(sc: Scenario, run: number): Promise<void> {
  const router = new Router({ printLogs: false, heartbeatInterval: HEARTBEAT, heartbeatMisses: MISSES, shutdownTimeout: SHUTDOWN_MS });
  const names = sc.parents.map((_, i) => `r${run}n${i}`);
  const problems: string[] = [];
  const pids: number[] = [];
  const slack: number[] = [];
  const started = performance.now();
  const logs: string[] = [];
  router.logs$.subscribe((r) => logs.push(`[${r.contextName}/${r.source}] ${r.message.slice(0, 200)}`));
  try {
    // The tree, level by level (siblings start together).
    const ctxs: Context[] = [];
    for (let level = 1; level <= 3; level++) {
      const at = sc.parents.map((_, i) => i).filter((i) => levelOf(sc.parents, i) === level);
      await Promise.all(at.map(async (i) => {
        const p = sc.parents[i]!;
        const via = p === MASTER ? {} : { via: ctxs[p] };
        ctxs[i] = sc.ssh?.node === i
          ? await router.ssh({ ...sshTo(HOST_A, 'alice'), name: names[i], transport: sc.ssh.transport, ...via })
          : await router.local({ name: names[i], ...via });
      }));
    }
    const who = await Promise.all(ctxs.map((c) => tasks(c).identity()));
    who.forEach((w, i) => {
      expect(w.id).toBe(ctxs[i]!.id);
      pids.push(w.pid);
    });

    // Calls: the master into every node; every middle node's code into each of its descendants.
    const tracked: Tracked<unknown>[] = [];
    const track = <T,>(what: string, observer: number, target: number, p: Promise<T>): Tracked<T> => {
      const t: Tracked<T> = { what, observer, target, settles: 0, settled: null as unknown as Promise<Settled<T>> };
      t.settled = settle(p, () => t.settles++);
      tracked.push(t as Tracked<unknown>);
      return t;
    };
    ctxs.forEach((c, i) => track(`master -> ${names[i]} hold`, MASTER, i, tasks(c).hold('m', MAX_WAIT)));
    const middles = ctxs.map((_, i) => i).filter((i) => descendants(sc.parents, i).length > 0);
    const relays = middles.map((m) => {
      const below = descendants(sc.parents, m);
      const p = ctxs[m]!.call(TASKS, 'relay', below.map((j) => ctxs[j]), TASKS.href, `r${m}`, MAX_WAIT) as Promise<Outcome[]>;
      return { m, below, t: track(`master -> ${names[m]} relay`, MASTER, m, p) };
    });

    // Streams: a Sender in one node to a Receiver in another node or in the master.
    const masterBoxes = new Map<number, { count: number }>();
    const watches = await Promise.all(sc.streams.map(async (s, k) => {
      const key = `s${k}`;
      let sender: Sender;
      let t: Tracked<InboxOutcome>;
      if (s.holder === MASTER) {
        const r = new Receiver(router);
        const counter = { count: 0 };
        masterBoxes.set(k, counter);
        sender = r.toSender();
        t = track(`${names[s.sender]} -> master stream`, MASTER, s.sender, watchHere(r, counter, key));
      } else {
        sender = (await tasks(ctxs[s.holder]!).openInbox(key)) as Sender;
        t = track(`${names[s.sender]} -> ${names[s.holder]} stream`, s.holder, s.sender, tasks(ctxs[s.holder]!).watchInbox(key, MAX_WAIT) as Promise<InboxOutcome>);
      }
      await tasks(ctxs[s.sender]!).startSending(sender, key, 40);
      return { s, k, key, t };
    }));

    // Everything is in flight before anything dies: each hold ran where it was sent, each
    // receiver has had a value (a sender is watched once it sent).
    const expectedHolds = (i: number): string[] => [
      'm',
      ...ancestors(sc.parents, i).map((a) => `r${a}`),
      ...(middles.includes(i) ? [`relay:r${i}`] : []),
      ...watches.filter((w) => w.s.holder === i).map((w) => `watch:${w.key}`),
    ];
    await waitFor(() => [...masterBoxes.values()].every((b) => b.count > 0), 10_000, 'a value on every master receiver');
    const ready = async (): Promise<boolean> => {
      const counts = await Promise.all(ctxs.map((c) => tasks(c).holdCounts()));
      if (!counts.every((c, i) => expectedHolds(i).every((key) => c[key] === 1))) return false;
      const boxes = await Promise.all(watches.filter((w) => w.s.holder !== MASTER).map(async (w) => (await tasks(ctxs[w.s.holder]!).inboxCounts())[w.key] ?? 0));
      return boxes.every((c) => c > 0);
    };
    const readySince = Date.now();
    while (!(await ready())) {
      if (Date.now() - readySince > 10_000) throw new Error('calls and streams not all in flight after 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }

    // Calls flowing from the master into every node all along: each settles; a node's stop
    // at its first failure (it is dead: later ones would fail at once).
    let pumping = true;
    const pumps = ctxs.map(async (c, i) => {
      const out: Settled<unknown>[] = [];
      while (pumping) {
        const r = await within(settle(tasks(c).identity(), () => undefined), MAX_WAIT, `flowing call to ${names[i]}`).catch((e: Error) => (problems.push(e.message), null));
        if (r === null) break;
        out.push(r);
        if (!r.ok) break;
        await new Promise((res) => setTimeout(res, 5));
      }
      return out;
    });
    const deadAt = new Map<number, number>();
    ctxs.forEach((c, i) => void c.whenDead().then(() => deadAt.set(i, Date.now())));

    // Chaos.
    const hitAt = new Map<number, number>();
    const resumed: Promise<void>[] = [];
    const signal = (pid: number, sig: NodeJS.Signals): void => {
      try {
        process.kill(pid, sig);
      } catch (e) {
        // Already gone: a victim above it died a moment ago and took it along.
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    };
    for (const kill of sc.kills) {
      if (kill.delayMs > 0) await new Promise((r) => setTimeout(r, kill.delayMs));
      hitAt.set(kill.node, Date.now());
      const pid = pids[kill.node]!;
      if (kill.signal !== 'PAUSE') signal(pid, kill.signal);
      else {
        signal(pid, 'SIGSTOP');
        resumed.push(new Promise((r) => setTimeout(() => r(signal(pid, 'SIGCONT')), kill.resumeMs)));
      }
    }
    await Promise.all(resumed);
    const dueFor = (observer: number, node: number): number | null => deadline(sc, observer, node, hitAt, BOUNDS);

    // Every call and receiver aimed at a dead node settles within its bound.
    // (A call into a node settles when that node dies; a watch call, when its holder does; a
    // receiver in the master, when its sender does. The rest wait for the release below.)
    const killedSettles = tracked.filter((t) => endsDead(sc, t.observer === MASTER ? t.target : t.observer));
    const late = Math.max(100, Math.max(...hitAt.values()) + BOUNDS.SIGSTOP + 3000 - Date.now());
    await Promise.all(killedSettles.map((t) => within(t.settled, late, t.what).catch((e: Error) => void problems.push(e.message))));
    for (const i of sc.parents.keys()) {
      if (endsDead(sc, i)) await within(ctxs[i]!.whenDead(), late, `${names[i]} dead in the master`).catch((e: Error) => void problems.push(e.message));
    }

    // How long each death took to be known in the master (victims with no victim above).
    for (const k of sc.kills) {
      if (k.signal === 'PAUSE' || ancestors(sc.parents, k.node).some((a) => endsDead(sc, a))) continue;
      const at = deadAt.get(k.node);
      if (at !== undefined) stats.detect[k.signal].push(at - hitAt.get(k.node)!);
    }
    pumping = false;
    const flowed = await Promise.all(pumps);
    for (const [i, calls] of flowed.entries()) {
      stats.flowing += calls.length;
      const failed = calls.filter((r) => !r.ok);
      if (!endsDead(sc, i)) {
        if (failed.length > 0) problems.push(`flowing call to live ${names[i]} failed: ${String((failed[0] as { error: unknown }).error)}`);
      } else if (failed.length === 1 && (failed[0] as { error: unknown }).error instanceof ChannelError === false) {
        problems.push(`flowing call to dead ${names[i]}: expected a ChannelError, got ${String((failed[0] as { error: unknown }).error)}`);
      }
    }

    // The survivors: release their holds, stop the streams between live nodes.
    const alive = sc.parents.map((_, i) => i).filter((i) => !endsDead(sc, i));
    await Promise.all(alive.map((i) => tasks(ctxs[i]!).releaseAll()));
    await Promise.all(watches.filter((w) => !endsDead(sc, w.s.sender) && (w.s.holder === MASTER || !endsDead(sc, w.s.holder))).map((w) => tasks(ctxs[w.s.sender]!).stopSending(w.key)));
    const outcomes = await Promise.all(tracked.map((t) => within(t.settled, 10_000, t.what).catch((e: Error) => (problems.push(e.message), null))));
    stats.settled += outcomes.filter((o) => o !== null).length;

    const check = (ok: boolean, what: string): void => void (ok || problems.push(what));
    const inTime = (at: number, due: number, what: string): void => {
      slack.push(due - at);
      check(at <= due, `${what}: settled ${at - due} ms after its bound`);
    };
    const isChannelError = (e: unknown): boolean => (e as Error)?.name === 'ChannelError';
    for (const [idx, t] of tracked.entries()) {
      const o = outcomes[idx];
      if (!o) continue;
      check(t.settles === 1, `${t.what} settled ${t.settles} times`);
      const callerDead = t.observer !== MASTER && endsDead(sc, t.observer);
      const targetDead = endsDead(sc, t.target);
      if (t.observer === MASTER && t.what.endsWith('stream') === false) {
        // A call from the master: dead target -> ChannelError with the target's reason, in time.
        if (targetDead) {
          const due = dueFor(MASTER, t.target)!;
          check(!o.ok && isChannelError(o.error), `${t.what}: expected a ChannelError, got ${o.ok ? 'a result' : String(o.error)}`);
          inTime(o.at, due, t.what);
          const reason = ctxs[t.target]!.deadReason;
          check(!o.ok && reason !== null && (o.error as Error).message.endsWith(`is dead: ${reason}`), `${t.what}: ${o.ok ? '' : (o.error as Error).message} does not carry the reason ${reason}`);
        } else {
          check(o.ok, `${t.what}: a live node's call failed: ${o.ok ? '' : String(o.error)}`);
        }
      } else if (callerDead) {
        // The receiver sat in a dead node: the master's watch call on it is a ChannelError.
        const due = dueFor(MASTER, t.observer)!;
        check(!o.ok && isChannelError(o.error), `${t.what}: expected a ChannelError from the dead holder, got ${o.ok ? 'a result' : String(o.error)}`);
        inTime(o.at, due, t.what);
      } else {
        // A live receiver: ends with a ChannelError in time when its sender died, normally otherwise.
        check(o.ok, `${t.what}: the watch call itself failed: ${o.ok ? '' : String(o.error)}`);
        if (!o.ok) continue;
        const box = o.value as InboxOutcome;
        check(box.count > 0, `${t.what}: no value arrived`);
        if (targetDead) {
          const due = dueFor(t.observer, t.target)!;
          check(!box.ok && box.error === 'ChannelError', `${t.what}: expected a ChannelError, got ${box.ok ? 'a normal end' : box.error}`);
          inTime(box.at, due, t.what);
        } else {
          check(box.ok, `${t.what}: a stream between live nodes ended with ${box.error}: ${box.message}`);
        }
      }
    }
    // Code in each live middle node: its calls into its descendants, each settled once.
    for (const { m, below, t } of relays) {
      const o = await t.settled;
      if (endsDead(sc, m) || !o.ok) continue;
      const inner = o.value as Outcome[];
      check(inner.length === below.length, `${names[m]} relay: ${inner.length} outcomes for ${below.length} calls`);
      for (const [k, j] of below.entries()) {
        const r = inner[k]!;
        const what = `${names[m]} -> ${names[j]} hold`;
        if (endsDead(sc, j)) {
          const due = dueFor(m, j)!;
          check(!r.ok && r.error === 'ChannelError', `${what}: expected a ChannelError, got ${r.ok ? 'a result' : r.error}`);
          inTime(r.at, due, what);
        } else {
          check(r.ok && (r.value as { id: number }).id === ctxs[j]!.id, `${what}: ${r.ok ? 'wrong answer' : `${r.error}: ${r.message}`}`);
        }
      }
    }
    // Each hold ran once in each live node.
    for (const i of alive) {
      const counts = await tasks(ctxs[i]!).holdCounts();
      for (const key of expectedHolds(i)) check(counts[key] === 1, `${names[i]}: hold ${key} ran ${counts[key] ?? 0} times`);
    }

    // States and reasons: in the master, and in every live middle node's own view of its descendants.
    const reasonOf = (j: number): string | null => ctxs[j]!.deadReason;
    for (const i of sc.parents.keys()) {
      const state = ctxs[i]!.state;
      if (!endsDead(sc, i)) {
        check(state === 'running', `${names[i]} should live, is ${state} (${reasonOf(i)})`);
        continue;
      }
      check(state === 'dead', `${names[i]} should be dead, is ${state}`);
      const p = reasonProblem(sc, names, i, reasonOf(i), reasonOf);
      if (p) problems.push(`master: ${p}`);
    }
    for (const m of middles.filter((i) => !endsDead(sc, i))) {
      const below = descendants(sc.parents, m);
      const seen = await tasks(ctxs[m]!).views(below.map((j) => ctxs[j]!.id));
      for (const [k, j] of below.entries()) {
        const v = seen[k];
        const want = endsDead(sc, j) ? 'dead' : 'running';
        check(v?.state === want, `${names[m]} sees ${names[j]} ${v?.state ?? 'unknown'}, expected ${want}`);
        if (want === 'dead') check(v?.reason === reasonOf(j), `${names[m]} says ${names[j]} died of ${JSON.stringify(v?.reason)}, the master of ${JSON.stringify(reasonOf(j))}`);
      }
    }
  } catch (e) {
    // Anything thrown on the way (a call to a node that should live failed) is a problem too.
    problems.push(`aborted: ${(e as Error)?.stack ?? String(e)}`);
  } finally {
    await router.shutdown().catch((e: Error) => problems.push(`shutdown: ${e.message}`));
    // Out of everyone's reach while frozen (see frozenOrphans): let them run, they must go by themselves.
    for (const i of frozenOrphans(sc)) if (pids[i] !== undefined && !isGone(pids[i]!)) process.kill(pids[i]!, 'SIGCONT');
    await waitGone(pids, SHUTDOWN_MS + 3000).catch((e: Error) => problems.push(`left behind: ${e.message}`));
    for (const pid of pids) if (!isGone(pid)) stats.orphans++, problems.push(`pid ${pid} still there [${processState(pid)}]`), process.kill(pid, 'SIGKILL');
  }
  stats.runs++;
  if (slack.length) stats.tightest = Math.min(stats.tightest, ...slack);
  const tightest = slack.length ? `${Math.min(...slack)} ms` : 'n/a';
  console.log(`chaos run ${run} (${(performance.now() - started).toFixed(0)} ms): ${describeScenario(sc)}; ${slack.length} settles after deaths, tightest ${tightest} before its bound; ${problems.length} problems`);
  if (problems.length > 0) {
    throw new Error(`${describeScenario(sc)}\n  ${problems.join('\n  ')}\nlast logs:\n  ${logs.slice(-30).join('\n  ')}`);
  }
}

/** The figures of the whole property, one line each. */
function printStats(): void {
  const max = (xs: number[]): string => (xs.length ? `${Math.max(...xs)} ms (of ${xs.length}; bound ${BOUNDS.SIGKILL} / ${BOUNDS.SIGSTOP} ms)` : 'n/a');
  console.log(
    [
      `chaos figures over ${stats.runs} runs:`,
      `  calls and receivers settled: ${stats.settled} tracked + ${stats.flowing} flowing, 0 unsettled`,
      `  orphans: ${stats.orphans}`,
      `  death known in the master after SIGKILL: max ${max(stats.detect.SIGKILL)}`,
      `  death known in the master after SIGSTOP: max ${max(stats.detect.SIGSTOP)}`,
      `  tightest settle: ${Number.isFinite(stats.tightest) ? `${stats.tightest} ms before its bound` : 'n/a'}`,
    ].join('\n'),
  );
}

describeHosts('chaos', () => {
  it(`random 3-level trees with an ssh level, calls and streams in flight, random SIGKILL/SIGSTOP/pause: everything settles once in time, exactly the killed subtrees die, reasons follow the rule (${RUNS} runs)`, async () => {
    let run = 0;
    try {
      await assertProperty(
        fc.asyncProperty(scenarios(true), async (sc) => {
          await runScenario(sc, run++);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    } finally {
      printStats();
    }
    expect(stats.orphans).toBe(0);
  }, TIMEOUT);
});
