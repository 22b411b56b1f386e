// Lifecycle of one context. Same lifecycle as its stream, plus the actor tree: each
// context actor owns the actors of the contexts it adopted, so death walks down the tree.
// Its reason follows the stream's reason rule (stream.ts, at GRACE_EXPIRED): the first reason
// recorded wins, so a child that was draining when its parent died keeps its drain reason;
// only a child with no reason yet gets `parent context '<parent's name>' died: <parent's reason>`
// (src/core/routing/deaths.ts records the same reasons for the routing tree).
import { assertEvent, assign, enqueueActions, setup, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { parentDiedReason } from './reasons.js';
import { DEFAULT_DRAIN_REASON, GRACE_EXPIRED, LIVE_STATES, type StreamEvent } from './stream.js';

export type ContextState = 'connecting' | 'bootstrapping' | 'running' | 'draining' | 'dead';
export interface ContextInput { name: string; graceMs: number }
export type ContextEvent =
  | StreamEvent
  | { type: 'PARENT_DEAD'; reason: string; /** The parent's name, for the reason. */ parent?: string }
  | { type: 'ADOPT'; id: number; name: string; graceMs?: number }
  | { type: 'FORWARD'; id: number; event: ContextEvent };
export interface ContextContext {
  name: string;
  graceMs: number;
  reason: string | null;
  /** Live child context actors by context id; a child is removed when it reaches dead. */
  children: Record<number, AnyActorRef>;
}
// A child's completion event, delivered by XState to its parent.
type ChildDone = { type: `xstate.done.actor.ctx-${number}` };

export const childActorId = (id: number): string => `ctx-${id}`;
const isLive = (ref: AnyActorRef | undefined): ref is AnyActorRef => ref?.getSnapshot().status === 'active';

export const contextMachine = setup({
  types: {} as { context: ContextContext; events: ContextEvent | ChildDone; input: ContextInput },
  actions: {
    onDead: () => {},
    recordDrain: assign({ reason: ({ event }) => (event.type === 'DRAIN' && event.reason !== undefined ? event.reason : DEFAULT_DRAIN_REASON) }),
    recordGraceExpired: assign({ reason: GRACE_EXPIRED }),
    // Named (not inline) so that the generated table can name them (scripts/gen-machine-tables.mjs).
    recordReason: assign({
      reason: ({ context, event }) => {
        assertEvent(event, ['DISCONNECTED', 'FAIL']);
        return context.reason ?? event.reason;
      },
    }),
    recordParentDeath: assign({
      reason: ({ context, event }) => {
        assertEvent(event, 'PARENT_DEAD');
        return context.reason ?? parentDiedReason(event.parent, event.reason);
      },
    }),
    adoptChild: assign({
      children: ({ context, event, spawn, self }) => {
        assertEvent(event, 'ADOPT');
        // Spawn the parent's own logic so implementations given via .provide() apply to the whole tree.
        const logic = (self as unknown as { logic: AnyActorLogic }).logic;
        const input: ContextInput = { name: event.name, graceMs: event.graceMs ?? context.graceMs };
        // setup() cannot name the machine's own logic among its actors, hence the untyped spawn.
        const spawnAny = spawn as unknown as (l: AnyActorLogic, o: { id: string; input: ContextInput }) => AnyActorRef;
        return { ...context.children, [event.id]: spawnAny(logic, { id: childActorId(event.id), input }) };
      },
    }),
    forwardToChild: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'FORWARD');
      const child = context.children[event.id];
      if (isLive(child)) enqueue.sendTo(child, event.event);
    }),
    forgetChild: assign({
      children: ({ context, event }) => {
        const id = Number(event.type.slice('xstate.done.actor.ctx-'.length));
        const { [id]: _gone, ...rest } = context.children;
        return rest;
      },
    }),
    // Runs before XState stops the children (they are stopped when this actor completes).
    notifyChildrenDead: enqueueActions(({ context, enqueue }) => {
      for (const child of Object.values(context.children)) {
        if (isLive(child)) enqueue.sendTo(child, { type: 'PARENT_DEAD', reason: context.reason ?? 'unknown', parent: context.name });
      }
    }),
  },
  guards: {
    isNewChild: ({ context, event }) => event.type === 'ADOPT' && !(event.id in context.children),
  },
  delays: {
    grace: ({ context }) => context.graceMs,
  },
}).createMachine({
  id: 'context',
  initial: 'connecting',
  context: ({ input }) => ({ name: input.name, graceMs: input.graceMs, reason: null, children: {} }),
  on: {
    DISCONNECTED: { target: '.dead', actions: 'recordReason' },
    FAIL: { target: '.dead', actions: 'recordReason' },
    PARENT_DEAD: { target: '.dead', actions: 'recordParentDeath' },
    ADOPT: { guard: 'isNewChild', actions: 'adoptChild' },
    FORWARD: { actions: 'forwardToChild' },
    'xstate.done.actor.*': { actions: 'forgetChild' },
  },
  states: {
    ...LIVE_STATES,
    dead: {
      type: 'final',
      entry: ['notifyChildrenDead', 'onDead'],
    },
  },
});
