// A simulated runtime for the supervisor machine (test/machines/supervisor.test.ts): random
// start outcomes, deaths, stop confirmations and clock ticks (SimulatedClock), the processes
// it would run, and the invariants that hold after every step.
import fc from 'fast-check';
import { createActor, SimulatedClock, type Actor } from 'xstate';
import {
  countsAsRestart,
  supervisorMachine,
  type ChildRef,
  type Decision,
  type IntensityScope,
  type RestartType,
  type Strategy,
  type SupervisorContext,
  type SupervisorInput,
} from '../../machines/index.js';

/** A process of the simulated runtime: one incarnation of a child. */
export interface Proc {
  inc: number;
  phase: 'starting' | 'up';
  stopRequested: boolean;
}

/** One thing that happens to the simulated runtime. */
export type Step =
  | { t: 'complete'; pick: number; ok: boolean; decision: Decision; normal: boolean }
  | { t: 'die'; pick: number; decision: Decision; normal: boolean }
  | { t: 'stopDone'; pick: number }
  | { t: 'tick'; ms: number }
  | { t: 'add'; restart: RestartType }
  | { t: 'shutdown' };

const decisionArb = fc.oneof(
  { arbitrary: fc.constant<Decision>('restart'), weight: 25 },
  { arbitrary: fc.constant<Decision>('stop'), weight: 2 },
  { arbitrary: fc.constant<Decision>('escalate'), weight: 1 },
);
const restartArb = fc.constantFrom<RestartType>('permanent', 'permanent', 'transient', 'temporary');
/** A random step. */
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('complete' as const), pick: fc.nat(), ok: fc.boolean(), decision: decisionArb, normal: fc.boolean() }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant('die' as const), pick: fc.nat(), decision: decisionArb, normal: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('stopDone' as const), pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3000 }) }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('add' as const), restart: restartArb }), weight: 1 },
);
/** Steps, with an early shutdown somewhere (or none: the harness shuts down at the end). */
export const stepsArb = fc
  .tuple(fc.array(stepArb, { maxLength: 200, size: 'large' }), fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.nat(), weight: 1 }))
  .map(([steps, at]) => (at === null ? steps : [...steps.slice(0, at % (steps.length + 1)), { t: 'shutdown' as const }, ...steps.slice(at % (steps.length + 1))]));
/** A random supervisor configuration (both intensity scopes). */
export const configArb = fc.record({
  strategy: fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one'),
  intensity: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 4, max: 30 })),
  period: fc.integer({ min: 100, max: 20_000 }),
  min: fc.integer({ min: 1, max: 500 }),
  span: fc.integer({ min: 0, max: 5000 }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  resetAfter: fc.integer({ min: 1, max: 10_000 }),
  graceMs: fc.integer({ min: 0, max: 3000 }),
  intensityScope: fc.constantFrom<IntensityScope>('supervisor', 'child'),
  restarts: fc.array(restartArb, { minLength: 1, maxLength: 5 }),
  seed: fc.integer(),
});
/** What configArb generates. */
export type Config = typeof configArb extends fc.Arbitrary<infer C> ? C : never;

/** A seeded generator for the jitter (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Harness {
  readonly clock = new SimulatedClock();
  readonly procs = new Map<string, Proc>();
  readonly actor: Actor<typeof supervisorMachine>;
  readonly violations: string[] = [];
  /** Times of the restarts the machine made, with the child restarted. */
  readonly restartTimes: { at: number; id: string }[] = [];
  failedHooks = 0;
  stoppedHooks = 0;
  /** one_for_one: per child, the earliest time its next start may happen; ordered: for the set. */
  readonly notBefore = new Map<string, number>();
  groupNotBefore = 0;
  readonly startLog: string[] = [];
  readonly stopLog: string[] = [];
  private added = 0;

  constructor(readonly input: SupervisorInput) {
    const ordered = input.strategy !== 'one_for_one';
    const machine = supervisorMachine.provide({
      actions: {
        startChild: ({ context }, p: ChildRef) => {
          this.startLog.push(p.id);
          if (this.procs.has(p.id)) this.violations.push(`${p.id} started while an incarnation is live`);
          const now = this.clock.now();
          if (now < (this.notBefore.get(p.id) ?? 0)) this.violations.push(`${p.id} restarted before its backoff delay`);
          if (ordered) {
            if (now < this.groupNotBefore) this.violations.push(`${p.id} restarted before the set's backoff delay`);
            for (const id of context.order) {
              if (id === p.id) break;
              const s = context.children[id]!.status;
              if (!['up', 'stopped', 'failed'].includes(s)) this.violations.push(`${p.id} started before ${id} (${s})`);
            }
          }
          this.procs.set(p.id, { inc: p.incarnation, phase: 'starting', stopRequested: false });
        },
        stopChild: (_, p: ChildRef) => {
          this.stopLog.push(p.id);
          const proc = this.procs.get(p.id);
          if (!proc || proc.inc !== p.incarnation || proc.phase !== 'up') this.violations.push(`stop of ${p.id} which is not up`);
          else proc.stopRequested = true;
        },
        killChild: (_, p: ChildRef) => {
          if (this.procs.get(p.id)?.inc === p.incarnation) this.procs.delete(p.id);
        },
        onFailed: () => void this.failedHooks++,
        onStopped: () => void this.stoppedHooks++,
      },
    });
    this.actor = createActor(machine, { clock: this.clock, input }).start();
  }

  get ctx(): SupervisorContext {
    return this.actor.getSnapshot().context;
  }

  get value(): string {
    return this.actor.getSnapshot().value as string;
  }

  private pick<T>(list: T[], n: number): T | undefined {
    return list.length ? list[n % list.length] : undefined;
  }

  /** Restarts (of child `id`, or of all) counted within the sliding window ending now. */
  windowCount(id?: string): number {
    const now = this.clock.now();
    return this.restartTimes.filter((t) => t.at > now - this.ctx.period && (id === undefined || t.id === id)).length;
  }

  get scope(): IntensityScope {
    return this.input.intensityScope ?? 'supervisor';
  }

  private totalRestarts(): number {
    return Object.values(this.ctx.children).reduce((n, c) => n + c.restarts, 0);
  }

  fail(id: string, proc: Proc, decision: Decision, normal: boolean): void {
    const before = this.ctx;
    const ch = before.children[id]!;
    const runningBefore = this.value === 'running';
    const isCurrent = ch.incarnation === proc.inc && ['starting', 'up', 'stopping'].includes(ch.status);
    const worthy = runningBefore && isCurrent && countsAsRestart(before, ch, { decision, normal });
    const escalated = runningBefore && isCurrent && ch.status !== 'stopping' && decision === 'escalate';
    const inWindow = this.scope === 'child' ? this.windowCount(id) : this.windowCount();
    const restartsBefore = this.totalRestarts();
    this.actor.send({ type: 'CHILD_FAILED', id, incarnation: proc.inc, reason: 'boom', decision, normal });
    const failedNow = this.value === 'failing' || this.value === 'failed';
    if (escalated) {
      if (!failedNow) this.violations.push('an escalated failure did not fail the supervisor');
      return;
    }
    if (!worthy) {
      if (this.totalRestarts() !== restartsBefore) this.violations.push('a failure that does not restart counted a restart');
      if (runningBefore && failedNow) this.violations.push('failed without exceeding the intensity');
      return;
    }
    if (inWindow + 1 > before.intensity) {
      if (this.scope === 'supervisor') {
        if (!failedNow) this.violations.push(`exceeded the intensity (${inWindow + 1} > ${before.intensity}) without failing`);
        return;
      }
      // Past its own limit: that child alone is given up.
      if (failedNow) this.violations.push(`${id} past its own limit failed the supervisor`);
      if (this.ctx.children[id]!.status !== 'failed') this.violations.push(`${id} past its own limit is ${this.ctx.children[id]!.status}, not failed`);
      if (this.totalRestarts() !== restartsBefore) this.violations.push(`${id} was given up and restarted`);
      return;
    }
    if (failedNow) this.violations.push(`failed at ${inWindow + 1} restarts, within the intensity ${before.intensity}`);
    if (this.totalRestarts() !== restartsBefore + 1) this.violations.push('a restart was not counted');
    const now = this.clock.now();
    this.restartTimes.push({ at: now, id });
    const delay = this.ctx.children[id]!.delay!;
    if (this.input.strategy === 'one_for_one') this.notBefore.set(id, now + delay);
    else this.groupNotBefore = now + delay;
  }

  apply(step: Step): void {
    const live = [...this.procs.entries()];
    switch (step.t) {
      case 'complete': {
        const hit = this.pick(live.filter(([, p]) => p.phase === 'starting'), step.pick);
        if (!hit) return;
        const [id, proc] = hit;
        if (step.ok) {
          proc.phase = 'up';
          this.actor.send({ type: 'CHILD_UP', id, incarnation: proc.inc, contextId: proc.inc });
        } else {
          this.procs.delete(id);
          this.fail(id, proc, step.decision, false);
        }
        return;
      }
      case 'die': {
        const hit = this.pick(live.filter(([, p]) => p.phase === 'up'), step.pick);
        if (!hit) return;
        this.procs.delete(hit[0]);
        this.fail(hit[0], hit[1], step.decision, step.normal);
        return;
      }
      case 'stopDone': {
        const hit = this.pick(live.filter(([, p]) => p.stopRequested), step.pick);
        if (!hit) return;
        this.procs.delete(hit[0]);
        this.actor.send({ type: 'CHILD_STOPPED', id: hit[0], incarnation: hit[1].inc });
        return;
      }
      case 'tick':
        this.clock.increment(step.ms);
        return;
      case 'add':
        this.actor.send({ type: 'ADD_CHILD', id: `extra${this.added++}`, restart: step.restart });
        return;
      case 'shutdown':
        this.actor.send({ type: 'SHUTDOWN' });
    }
  }

  /** The invariants that hold after every step. */
  check(): void {
    const c = this.ctx;
    const { min, max } = c.backoff;
    for (const id of c.order) {
      const ch = c.children[id]!;
      const p = this.procs.get(id);
      const live = p !== undefined && p.inc === ch.incarnation;
      switch (ch.status) {
        case 'up':
          if (!live || p.phase !== 'up') this.violations.push(`${id} up without a live incarnation`);
          break;
        case 'starting':
          if (!live || p.phase !== 'starting') this.violations.push(`${id} starting without a start in flight`);
          break;
        case 'stopping':
          if (!live || !p.stopRequested) this.violations.push(`${id} stopping without a stop requested`);
          break;
        default:
          // pending, backoff (restarting), stopped, failed: nothing of it may run.
          if (p) this.violations.push(`${id} is ${ch.status} while an incarnation is ${p.phase}`);
      }
      if (ch.delay !== null && (ch.delay < min || ch.delay > max)) this.violations.push(`${id} delay ${ch.delay} outside [${min}, ${max}]`);
      if (ch.contextId !== null && ch.status !== 'up' && ch.status !== 'stopping') this.violations.push(`${id} ${ch.status} with a context id`);
    }
    for (const id of this.procs.keys()) if (!c.children[id]) this.violations.push(`a process for unknown child ${id}`);
    if (this.scope === 'supervisor' && this.windowCount() > c.intensity) this.violations.push('more restarts within the period than the intensity');
    for (const id of c.order) {
      if (this.scope === 'child' && this.windowCount(id) > c.intensity) this.violations.push(`${id} restarted more often within the period than the intensity`);
      // A finished machine has no timers left to expire its counts.
      if (this.actor.getSnapshot().status === 'active' && c.children[id]!.recentRestarts !== this.windowCount(id)) this.violations.push(`${id} counts ${c.children[id]!.recentRestarts} recent restarts, not ${this.windowCount(id)}`);
    }
    if (c.strategy !== 'one_for_one') {
      const n = (s: string): number => c.order.filter((id) => c.children[id]!.status === s).length;
      if (n('starting') > 1 || n('stopping') > 1 || (n('starting') > 0 && n('stopping') > 0)) {
        this.violations.push('an ordered strategy started or stopped two children at once');
      }
    }
    const done = this.actor.getSnapshot().status === 'done';
    if (this.failedHooks + this.stoppedHooks !== (done ? 1 : 0)) this.violations.push('the final hooks ran a wrong number of times');
  }

  /** Shuts down, with a runtime that confirms everything (or nothing), until the machine is done. */
  finish(cooperative: boolean): void {
    this.actor.send({ type: 'SHUTDOWN' });
    for (let i = 0; i < 200 && this.actor.getSnapshot().status !== 'done'; i++) {
      if (cooperative) {
        for (const [id, p] of [...this.procs]) {
          if (p.phase === 'starting') {
            p.phase = 'up';
            this.actor.send({ type: 'CHILD_UP', id, incarnation: p.inc, contextId: p.inc });
          } else if (p.stopRequested) {
            this.procs.delete(id);
            this.actor.send({ type: 'CHILD_STOPPED', id, incarnation: p.inc });
          }
          this.check();
        }
      }
      this.clock.increment(250);
      this.check();
    }
  }
}

export function inputOf(cfg: Config): SupervisorInput {
  return {
    strategy: cfg.strategy,
    intensity: cfg.intensity,
    period: cfg.period,
    backoff: { min: cfg.min, max: cfg.min + cfg.span, jitter: cfg.jitter, resetAfter: cfg.resetAfter },
    graceMs: cfg.graceMs,
    intensityScope: cfg.intensityScope,
    random: seeded(cfg.seed),
    children: cfg.restarts.map((restart, i) => ({ id: `c${i}`, restart })),
  };
}
