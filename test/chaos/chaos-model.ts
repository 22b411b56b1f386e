// The pure half of the chaos property (chaos.property.test.ts): random 3-level trees, victims
// and message streams, and what must follow from them: who ends dead, by when each observer
// must know it, and which death reasons the reason rule allows (src/core/routing/deaths.ts).
import fc from 'fast-check';
import { parentDiedReason } from '../../machines/reasons.js';

/** PAUSE: SIGSTOP, then SIGCONT `resumeMs` later, well before a heartbeat could notice: it lives. */
export type Signal = 'SIGKILL' | 'SIGSTOP' | 'PAUSE';
/** A node to kill, freeze or pause, `delayMs` after the previous one. */
export interface Kill { node: number; signal: Signal; delayMs: number; resumeMs: number }
/** A Sender in node `sender` streaming to a Receiver in `holder` (-1: the master). */
export interface Stream { holder: number; sender: number }
/** The node started over ssh (from the master with either transport, from a node with OpenSSH). */
export interface SshLevel { node: number; transport: 'openssh' | 'ssh2' }
/** `parents[i]`: the node that started node i (-1: the master); parents come first. */
export interface Scenario { parents: number[]; kills: Kill[]; streams: Stream[]; ssh: SshLevel | null }

export const MASTER = -1;
export const DEPTH = 3;

/** Strict ancestors of `i` among the nodes, nearest first (never the master). */
export function ancestors(parents: readonly number[], i: number): number[] {
  const out: number[] = [];
  for (let p = parents[i]!; p !== MASTER; p = parents[p]!) out.push(p);
  return out;
}

export const levelOf = (parents: readonly number[], i: number): number => ancestors(parents, i).length + 1;

/** Every node below `i`, parents before children. */
export function descendants(parents: readonly number[], i: number): number[] {
  return parents.map((_, j) => j).filter((j) => ancestors(parents, j).includes(i));
}

const MAX_NODES = 9;

/** The longest pause (SIGSTOP to SIGCONT): far below interval × misses, so a paused node lives. */
export const MAX_PAUSE_MS = 250;

/**
 * A tree of 6..9 nodes on 3 levels (nodes 0, 1, 2 are one chain, so level 3 exists), 1..3
 * victims hit at once or while an earlier death is still being found, 2..4 streams; with
 * `withSsh`, one node of level 1 or 2 is started over ssh (its subtree runs on the test host).
 */
export function scenarios(withSsh: boolean): fc.Arbitrary<Scenario> {
  return fc
  .record({
    size: fc.integer({ min: 6, max: MAX_NODES }),
    choices: fc.array(fc.nat(), { minLength: MAX_NODES, maxLength: MAX_NODES }),
    kills: fc.array(fc.record({ node: fc.nat(), signal: fc.constantFrom<Signal>('SIGKILL', 'SIGSTOP', 'PAUSE'), delayMs: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 300, max: 900 })), resumeMs: fc.integer({ min: 20, max: MAX_PAUSE_MS }) }), { minLength: 1, maxLength: 3 }),
    streams: fc.array(fc.record({ holder: fc.nat(), sender: fc.nat() }), { minLength: 2, maxLength: 4 }),
    ssh: fc.record({ pick: fc.nat(), transport: fc.constantFrom<SshLevel['transport']>('openssh', 'ssh2') }),
  })
  .map(({ size, choices, kills, streams, ssh }) => {
    const parents: number[] = [MASTER, 0, 1];
    for (let i = 3; i < size; i++) {
      const candidates = [MASTER, ...parents.map((_, j) => j).filter((j) => levelOf(parents, j) < DEPTH)];
      parents.push(candidates[choices[i]! % candidates.length]!);
    }
    const seen = new Set<number>();
    const victims = kills.map((k) => ({ ...k, node: k.node % size })).filter((k) => !seen.has(k.node) && seen.add(k.node));
    const flows = streams.map(({ holder, sender }) => {
      const s = sender % size;
      const h = (holder % (size + 1)) - 1;
      return { holder: h === s ? MASTER : h, sender: s };
    });
    const upper = parents.map((_, j) => j).filter((j) => levelOf(parents, j) <= 2);
    const node = upper[ssh.pick % upper.length]!;
    // ssh2 runs only in the master.
    const level: SshLevel | null = withSsh ? { node, transport: parents[node] === MASTER ? ssh.transport : 'openssh' } : null;
    return { parents, kills: victims, streams: flows, ssh: level };
  });
}

/** The 3-level local trees alone. */
export const scenarioArb: fc.Arbitrary<Scenario> = scenarios(false);

/** Is `i` in a subtree whose root was killed or frozen? */
export function endsDead(sc: Scenario, i: number): boolean {
  const victims = new Set(sc.kills.filter((k) => k.signal !== 'PAUSE').map((k) => k.node));
  return victims.has(i) || ancestors(sc.parents, i).some((a) => victims.has(a));
}

/** `observer`'s nodes from the top: the master, then ancestors, farthest first. */
const pathFromTop = (parents: readonly number[], i: number): number[] => (i === MASTER ? [] : [...ancestors(parents, i)].reverse().concat(i));

/**
 * Bounds after the signal: a SIGKILL is seen at once, a SIGSTOP once the heartbeats stop.
 * A paused node on the way delays the news by as long as it was stopped (MAX_PAUSE_MS at most,
 * added to every bound when the scenario pauses a node).
 */
export interface Bounds { SIGKILL: number; SIGSTOP: number }

/**
 * By when (Date.now()) a live `observer` must know that `node` died, given when each victim
 * was hit (`hitAt`). A victim's death is found by its parent and travels up to the common
 * ancestor with the observer, then down; only victims with no other victim on that way count
 * (a frozen or dead node on the way carries no news), the topmost always does. Null: `node` lives.
 */
export function deadline(sc: Scenario, observer: number, node: number, hitAt: ReadonlyMap<number, number>, bounds: Bounds): number | null {
  const obsPath = new Set(pathFromTop(sc.parents, observer));
  // The way down from the common ancestor (exclusive) to node.
  const below = pathFromTop(sc.parents, node).filter((j) => !obsPath.has(j));
  let best: number | null = null;
  let clear = true;
  const paused = sc.kills.some((k) => k.signal === 'PAUSE') ? MAX_PAUSE_MS : 0;
  for (const j of below) {
    const kill = sc.kills.find((k) => k.node === j && k.signal !== 'PAUSE');
    if (!kill) continue;
    if (clear) {
      const due = hitAt.get(j)! + bounds[kill.signal as 'SIGKILL' | 'SIGSTOP'] + paused;
      best = best === null ? due : Math.min(best, due);
    }
    clear = false;
  }
  return best;
}

/**
 * What the reason rule allows for a dead node, given the reasons recorded for its parent:
 * a victim with no victim above it has its own detected reason; a node below a dead parent
 * has `parent context '<parent>' died: <parent's reason>` (a victim below another victim may
 * have either, depending on which death was found first). Returns the problem, or null.
 */
export function reasonProblem(sc: Scenario, names: readonly string[], i: number, reason: string | null, reasonOf: (j: number) => string | null): string | null {
  if (reason === null) return `${names[i]} is dead without a reason`;
  const kill = sc.kills.find((k) => k.node === i && k.signal !== 'PAUSE');
  // OpenSSH can only report a remote node killed by a signal as its own exit code 255.
  const killed = sc.ssh?.node === i && sc.ssh.transport === 'openssh' ? /^ssh exited with code 255: .*killed by a signal/ : /^killed by SIGKILL$/;
  const own = kill === undefined ? null : kill.signal === 'SIGKILL' ? killed : new RegExp(`^no heartbeat from ${names[i]} for \\d+ ms$`);
  const parent = sc.parents[i]!;
  const parentDead = parent !== MASTER && endsDead(sc, parent);
  const cascade = parentDead ? parentDiedReason(names[parent], reasonOf(parent) ?? '<no reason>') : null;
  if (own?.test(reason) || reason === cascade) return null;
  const allowed = [own ? `${own}` : null, cascade === null ? null : JSON.stringify(cascade)].filter((x) => x !== null).join(' or ');
  return `${names[i]} died of ${JSON.stringify(reason)}, expected ${allowed}`;
}

/**
 * Frozen nodes nobody can end: their parent process was SIGKILLed, so the frozen process was
 * handed to init, out of every ancestor's reach (a parent kills its children's process trees,
 * found through /proc). They can only end once they run again (SIGCONT): then they find their
 * parent gone and exit by themselves. Over OpenSSH the same holds for a frozen node started by
 * ssh (the remote sshd session is no descendant of its parent: killing the ssh client ends the
 * session, not the stopped node) and for a frozen node below it whose parent died or froze.
 */
export function frozenOrphans(sc: Scenario): number[] {
  const killed = new Set(sc.kills.filter((k) => k.signal === 'SIGKILL').map((k) => k.node));
  const openssh = sc.ssh?.transport === 'openssh' ? sc.ssh.node : null;
  const remote = (i: number): boolean => openssh !== null && (i === openssh || ancestors(sc.parents, i).includes(openssh));
  return sc.kills
    .filter((k) => k.signal === 'SIGSTOP')
    .filter((k) => killed.has(sc.parents[k.node]!) || k.node === openssh || (remote(k.node) && endsDead(sc, sc.parents[k.node]!)))
    .map((k) => k.node);
}

/** Human-readable summary of a scenario, for failure messages. */
export function describeScenario(sc: Scenario): string {
  const tree = sc.parents.map((p, i) => `n${i}<-${p === MASTER ? 'master' : `n${p}`}`).join(' ');
  const kills = sc.kills.map((k) => `${k.signal === 'PAUSE' ? `PAUSE(${k.resumeMs}ms)` : k.signal} n${k.node} +${k.delayMs}ms`).join(', ');
  const streams = sc.streams.map((s) => `n${s.sender}->${s.holder === MASTER ? 'master' : `n${s.holder}`}`).join(', ');
  const ssh = sc.ssh ? `; ssh: n${sc.ssh.node} (${sc.ssh.transport})` : '';
  return `tree: ${tree}; kills: ${kills}; streams: ${streams}${ssh}`;
}
