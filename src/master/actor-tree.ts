// The master's actor tree: one XState actor per context (machines/context.ts), each a child
// of its parent context's actor, so the tree mirrors routing; one stream actor
// (machines/stream.ts) per direct child's stream, under that child's actor. It listens to the
// router's lifecycle bus (every step, for direct, via= and remotely created contexts alike)
// and to its Deaths: it never decides a death the router did not record, except when a
// machine's own timer runs out (grace period), which it reports to the router.
import { createActor, enqueueActions, type Actor, type AnyActorRef, type InspectionEvent } from 'xstate';
import { childActorId, contextMachine, type ContextEvent } from '../../machines/context.js';
import { streamMachine, type StreamEvent } from '../../machines/stream.js';
import { setContextState, type Context, type ContextState } from '../core/calls/context.js';
import type { LifecycleStep } from '../core/lifecycle/bus.js';

/** A context and its children as the router's actor tree holds them (see Router.contextTree()). */
export interface ContextTreeNode {
  /** The context's id. */
  id: number;
  /** The context's name. */
  name: string;
  /** The state of the context's lifecycle machine. */
  state: string;
  /** The contexts it started, as far as the master knows. */
  children: ContextTreeNode[];
}

/** What the tree needs from its router. */
export interface ActorTreeHost {
  contextFor(id: number, name?: string): Context;
  contextById(id: number): Context | undefined;
  isDead(id: number): boolean;
  contextDied(id: number, reason: string): void;
  /** A context started draining: its reason if it dies (first reason wins). */
  noteDraining(id: number, reason: string): void;
}

/**
 * The context machine as the tree runs it. A child that reached its final state stays in its
 * parent's XState snapshot (snapshot.children) until the parent stops it: forgetting it from
 * the machine's own record is not enough, and one finished actor (~3.5 KiB) would be kept per
 * context ever started. So the parent also stops the finished child when it hears it is done.
 * The tree spawns children from its root's logic, so this applies at every level.
 */
const treeMachine = contextMachine.provide({
  actions: {
    forgetChild: enqueueActions(({ context, event, enqueue }) => {
      const id = Number(event.type.slice('xstate.done.actor.ctx-'.length));
      const { [id]: _gone, ...rest } = context.children;
      enqueue.assign({ children: rest });
      enqueue.stopChild(childActorId(id));
    }),
  },
});

type Snap = { value: unknown; status: string; context: { name: string; reason: string | null; children: Record<number, AnyActorRef> } };

export class ActorTree {
  readonly root: Actor<typeof treeMachine>;
  private readonly actors = new Map<number, AnyActorRef>();
  private readonly streams = new Map<number, AnyActorRef>();
  private readonly inspectors = new Set<(e: InspectionEvent) => void>();

  constructor(
    private readonly host: ActorTreeHost,
    graceMs: number,
    /** Sees the tree from its very first actor (RouterOptions.inspect). */
    inspect?: (e: InspectionEvent) => void,
  ) {
    if (inspect) this.inspectors.add(inspect);
    this.root = createActor(treeMachine, {
      input: { name: 'master', graceMs },
      inspect: this.inspection,
    });
    this.root.start();
    this.root.send({ type: 'CONNECTED' });
    this.root.send({ type: 'BOOTSTRAPPED' });
    this.actors.set(0, this.root);
  }

  /** XState inspection events of every actor of the tree from now on; returns the removal. */
  inspect(fn: (e: InspectionEvent) => void): () => void {
    this.inspectors.add(fn);
    return () => void this.inspectors.delete(fn);
  }

  /** The observer to give other actors (supervisors) so that router.inspect() sees them too. */
  readonly inspection = (e: InspectionEvent): void => {
    for (const fn of this.inspectors) fn(e);
  };

  /** Creates the context's actor (connecting) under its parent's, once. */
  adopt(ctx: Context, parentId: number): void {
    if (this.actors.has(ctx.id) || this.host.isDead(ctx.id)) return;
    const parent = this.actors.get(parentId) ?? this.root;
    parent.send({ type: 'ADOPT', id: ctx.id, name: ctx.name });
    const actor = (parent.getSnapshot() as Snap).context.children[ctx.id];
    if (!actor) return;
    this.actors.set(ctx.id, actor);
    setContextState(ctx, 'connecting');
    let last: ContextState = 'connecting';
    actor.subscribe((snap: Snap) => {
      const state = snap.value as ContextState;
      // A snapshot also comes when only the actor's data changed (a child came or went).
      if (state === last) return;
      last = state;
      if (state === 'draining') this.host.noteDraining(ctx.id, snap.context.reason ?? 'shutdown');
      if (state === 'dead') {
        this.host.contextDied(ctx.id, snap.context.reason ?? 'dead');
        return;
      }
      if (ctx.state === 'dead') return;
      setContextState(ctx, state);
    });
    if (parentId === 0) {
      const stream = createActor(streamMachine, { parent: actor, id: `stream-${ctx.id}`, input: { name: ctx.name, graceMs: (actor.getSnapshot() as Snap & { context: { graceMs: number } }).context.graceMs } });
      stream.start();
      this.streams.set(ctx.id, stream);
    }
  }

  /** A lifecycle step from the router's bus. */
  step(s: LifecycleStep): void {
    const ctx = this.host.contextFor(s.id, s.name);
    this.adopt(ctx, s.parentId);
    switch (s.event) {
      case 'STARTED':
        return;
      case 'CONNECTED':
        this.send(s.id, { type: 'CONNECTED' });
        return;
      case 'BOOTSTRAPPED':
        this.send(s.id, { type: 'CONNECTED' });
        this.send(s.id, { type: 'BOOTSTRAPPED' });
        return;
      case 'DRAINING':
        this.send(s.id, { type: 'DRAIN', reason: s.reason ?? 'shutdown requested' });
        return;
    }
  }

  /** The router recorded a death: the actors follow. */
  died(id: number, reason: string): void {
    this.send(id, { type: 'DISCONNECTED', reason });
    this.actors.delete(id);
    this.streams.delete(id);
  }

  // The stream first: when it ends it tells its context's actor, which must still be there.
  private send(id: number, event: ContextEvent & StreamEvent): void {
    const stream = this.streams.get(id);
    if (stream && stream.getSnapshot().status === 'active') stream.send(event);
    const actor = this.actors.get(id);
    if (actor && actor.getSnapshot().status === 'active') actor.send(event);
  }

  /** Drains, then stops the master's own actor (router.shutdown()). */
  stop(): void {
    // A stream actor has a parent, so XState refuses stop(): it ends on DISCONNECTED instead.
    for (const stream of this.streams.values()) if (stream.getSnapshot().status === 'active') stream.send({ type: 'DISCONNECTED', reason: 'router shut down' });
    this.streams.clear();
    if (this.root.getSnapshot().status === 'active') this.root.send({ type: 'DRAIN', reason: 'router shut down' });
    this.root.stop();
  }

  /** The live tree of contexts with the state of each one's machine. */
  tree(): ContextTreeNode {
    const walk = (id: number, actor: AnyActorRef): ContextTreeNode => {
      const snap = actor.getSnapshot() as Snap;
      const children = Object.entries(snap.context.children).map(([k, a]) => walk(Number(k), a));
      return { id, name: this.host.contextById(id)?.name ?? snap.context.name, state: String(snap.value), children };
    };
    return walk(0, this.root);
  }

  /** The state of the stream actor of a direct child (dump()). */
  streamState(id: number): string | undefined {
    const s = this.streams.get(id);
    return s ? String((s.getSnapshot() as Snap).value) : undefined;
  }
}
