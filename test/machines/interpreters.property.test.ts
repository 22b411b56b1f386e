// One definition, two interpreters: XState's actor (on a SimulatedClock) and the generated
// table run by src/core/lifecycle must walk the same states and run the same named actions,
// in the same order, for random event sequences with timers expiring in between.
import fc from 'fast-check';
import { createActor, SimulatedClock, type AnyActorRef, type AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { callMachine, contextMachine, receiverMachine, streamMachine } from '../../machines/index.js';
import { callTable, contextTable, createLifecycle, receiverTable, streamTable, type LifecycleTable } from '../../src/core/lifecycle/index.js';
import { assertProperty } from '../support/fc.js';
import { muteStoppedActorWarnings } from './helpers.js';

muteStoppedActorWarnings();

type Event = { type: string; [k: string]: unknown };
/** A step: an event to send, or simulated time passing (timers may expire). */
type Step = Event | number;

const GRACE_MS = 100;
const ROOT = 'root';
const reason = fc.constantFrom('eof', 'boom', 'killed by SIGKILL');
const time = fc.integer({ min: 0, max: 2 * GRACE_MS });
const lifecycleEvents: fc.Arbitrary<Event>[] = [
  fc.constant({ type: 'CONNECTED' }),
  fc.constant({ type: 'BOOTSTRAPPED' }),
  fc.option(reason, { nil: undefined }).map((r) => (r === undefined ? { type: 'DRAIN' } : { type: 'DRAIN', reason: r })),
  reason.map((r) => ({ type: 'DISCONNECTED', reason: r })),
  reason.map((r) => ({ type: 'FAIL', reason: r })),
];
const childId = fc.integer({ min: 1, max: 3 });
// Children only move forward here (they never die on their own), so their completion events
// reach the parent only when the test sends one: both interpreters then see the same events.
const contextEvents: fc.Arbitrary<Event>[] = [
  ...lifecycleEvents,
  reason.map((r) => ({ type: 'PARENT_DEAD', reason: r, parent: 'p' })),
  childId.map((id) => ({ type: 'ADOPT', id, name: `c${id}` })),
  fc.record({ id: childId, type: fc.constant('FORWARD'), event: fc.constantFrom({ type: 'CONNECTED' }, { type: 'BOOTSTRAPPED' }) }),
  childId.map((id) => ({ type: `xstate.done.actor.ctx-${id}` })),
];

interface Case {
  machine: AnyStateMachine;
  table: LifecycleTable;
  events: fc.Arbitrary<Event>[];
  input?: unknown;
}
const CASES: Record<string, Case> = {
  stream: { machine: streamMachine, table: streamTable, events: lifecycleEvents, input: { name: ROOT, graceMs: GRACE_MS } },
  context: { machine: contextMachine, table: contextTable, events: contextEvents, input: { name: ROOT, graceMs: GRACE_MS } },
  receiver: {
    machine: receiverMachine,
    table: receiverTable,
    events: [fc.constant({ type: 'MESSAGE' }), fc.constant({ type: 'CLOSE' }), reason.map((r) => ({ type: 'DEAD', reason: r }))],
  },
  call: {
    machine: callMachine,
    table: callTable,
    events: [
      fc.constant({ type: 'REPLY' }),
      fc.constant({ type: 'ERROR_REPLY', error: 'x' }),
      fc.constant({ type: 'TIMEOUT' }),
      fc.constant({ type: 'ABORT' }),
      reason.map((r) => ({ type: 'DEAD', reason: r })),
    ],
  },
};

type Impl = ((...args: unknown[]) => unknown) & { resolve?: (...args: unknown[]) => unknown };

/**
 * The machine with every named action wrapped to log its name (for the root actor only) and
 * then do exactly what it did: XState's built-in actions (assign, enqueueActions) log when
 * they are resolved, plain ones when they run; both happen in document order.
 */
function logged(machine: AnyStateMachine, log: string[]): AnyStateMachine {
  const actions: Record<string, Impl> = {};
  for (const [name, original] of Object.entries(machine.implementations.actions as Record<string, Impl>)) {
    if (typeof original.resolve === 'function') {
      const resolve = original.resolve;
      actions[name] = Object.assign((...a: unknown[]) => original(...a), original, {
        resolve: (scope: { self: AnyActorRef }, ...rest: unknown[]) => {
          if (scope.self.id === ROOT) log.push(name);
          return resolve(scope, ...rest);
        },
      });
    } else {
      actions[name] = (args: unknown, params: unknown) => {
        if ((args as { self: AnyActorRef }).self.id === ROOT) log.push(name);
        return original(args, params);
      };
    }
  }
  return machine.provide({ actions } as never);
}

/** The table's lifecycle with loggers for every action and the runtime's model of the context machine's guard. */
function tabled(table: LifecycleTable, clock: SimulatedClock, log: string[]) {
  const names = new Set<string>(table.entry);
  for (const s of Object.values(table.states)) {
    for (const list of [...Object.values(s.on), ...(s.wild ?? []).map(([, l]) => l)]) for (const t of list) for (const a of t.actions) names.add(a);
  }
  const children = new Set<number>();
  const actions: Record<string, (c: unknown, e: Event) => void> = {};
  for (const name of names) actions[name] = () => log.push(name);
  actions.adoptChild = (_c, e) => {
    log.push('adoptChild');
    children.add(e.id as number);
  };
  actions.forgetChild = (_c, e) => {
    log.push('forgetChild');
    children.delete(Number(e.type.slice('xstate.done.actor.ctx-'.length)));
  };
  return createLifecycle(
    table,
    {
      actions,
      guards: { isNewChild: (_c: unknown, e: Event) => !children.has(e.id as number) },
      timers: { grace: GRACE_MS },
      clock,
    } as never,
    null,
  );
}

function agree({ machine, table, input }: Case, steps: Step[]): { state: string; log: string[] } {
  const xLog: string[] = [];
  const tLog: string[] = [];
  const xClock = new SimulatedClock();
  const tClock = new SimulatedClock();
  const actor = createActor(logged(machine, xLog), { id: ROOT, clock: xClock, input }).start();
  const life = tabled(table, tClock, tLog);
  const xStates: unknown[] = [actor.getSnapshot().value];
  const tStates: unknown[] = [life.state];
  expect(tLog).toEqual(xLog);
  for (const step of steps) {
    if (typeof step === 'number') {
      xClock.increment(step);
      tClock.increment(step);
    } else {
      if (actor.getSnapshot().status === 'active') actor.send(step as never);
      life.send(step);
    }
    xStates.push(actor.getSnapshot().value);
    tStates.push(life.state);
    expect(tStates).toEqual(xStates);
    expect(tLog).toEqual(xLog);
    expect(life.done).toBe(actor.getSnapshot().status === 'done');
  }
  actor.stop();
  return { state: life.state, log: tLog };
}

describe('the generated tables and XState agree', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: same states and same named actions on random event sequences with timers`, () => {
      const step: fc.Arbitrary<Step> = fc.oneof({ arbitrary: fc.oneof(...c.events), weight: 3 }, { arbitrary: time, weight: 1 });
      assertProperty(fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        agree(c, steps);
      }), { numRuns: 300 });
    });
  }

  it('a drain that outlives the grace period ends dead through the timer, in both', () => {
    const steps: Step[] = [{ type: 'CONNECTED' }, { type: 'BOOTSTRAPPED' }, { type: 'DRAIN' }, GRACE_MS - 1];
    expect(agree(CASES.stream!, steps).state).toBe('draining');
    expect(agree(CASES.stream!, [...steps, 1])).toEqual({ state: 'dead', log: ['recordDrain', 'recordGraceExpired', 'onDead'] });
  });

  it('the context machine adopts each child once and forgets it on its completion event, in both', () => {
    const adopt = { type: 'ADOPT', id: 1, name: 'c1' };
    const { log } = agree(CASES.context!, [adopt, adopt, { type: 'xstate.done.actor.ctx-1' }, adopt, { type: 'FAIL', reason: 'x' }]);
    expect(log).toEqual(['adoptChild', 'forgetChild', 'adoptChild', 'recordReason', 'notifyChildrenDead', 'onDead']);
  });
});
