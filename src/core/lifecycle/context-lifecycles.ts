// The lifecycles of the contexts a child process knows (its own children, their descendants,
// and in a dispatcher what its broker tells), run on the generated table of machines/context.ts:
// the same definition the master runs on XState. Each one is fed by the router's lifecycle bus
// and by its Deaths; its state is what `ctx.state` / `ctx.state$` show in this process.
// The subtree walk of the machine (adopt / notify children) is the router's Deaths here, with
// the same reason rule, so those tree actions are left out.
import { setContextState, markContextDead, type ContextState } from '../calls/context.js';
import type { CoreRouter } from '../routing/router.js';
import { DEFAULT_DRAIN_REASON, GRACE_EXPIRED, parentDiedReason } from '../../../machines/reasons.js';
import { contextTable } from './generated/context.js';
import { createLifecycle, type Lifecycle, type LifecycleImplementation } from './interpreter.js';

interface Life {
  id: number;
  name: string;
  graceMs: number;
  reason: string | null;
}

type ContextEvent = { type: string; reason?: string; parent?: string };

/** A clock whose timers never fire (a dispatcher's lifecycles). */
const NO_TIMERS = { setTimeout: (): number => 0, clearTimeout: (): void => undefined };


export class ContextLifecycles {
  private readonly lives = new Map<number, Lifecycle<typeof contextTable, Life, ContextEvent>>();
  private readonly impl: LifecycleImplementation<typeof contextTable, Life, ContextEvent>;

  /**
   * `graceMs`: how long a draining context may take. `ownsTimers`: false in a dispatcher, whose
   * broker decides when a grace period ran out (and tells it, like every death).
   */
  constructor(
    private readonly router: CoreRouter,
    private readonly graceMs: number,
    ownsTimers = true,
  ) {
    this.impl = {
      actions: {
        recordDrain: (c: Life, e: ContextEvent) => void (c.reason = e.reason ?? DEFAULT_DRAIN_REASON),
        recordGraceExpired: (c: Life) => void (c.reason = GRACE_EXPIRED),
        recordReason: (c: Life, e: ContextEvent) => void (c.reason ??= e.reason ?? 'dead'),
        recordParentDeath: (c: Life, e: ContextEvent) => void (c.reason ??= parentDiedReason(e.parent, e.reason ?? 'dead')),
      },
      guards: { isNewChild: () => false },
      timers: { grace: (c: Life) => c.graceMs },
      clock: ownsTimers ? undefined : NO_TIMERS,
      onState: (c: Life, state: string) => this.changed(c, state as ContextState),
    };
    router.lifecycle.listen((s) => {
      if (router.isDead(s.id)) return; // news that arrived after the death
      const life = this.life(s.id, s.name);
      if (s.event === 'STARTED') return;
      if (s.event === 'DRAINING') {
        life.send({ type: 'DRAIN', reason: s.reason ?? undefined });
        return;
      }
      life.send({ type: 'CONNECTED' });
      if (s.event === 'BOOTSTRAPPED') life.send({ type: 'BOOTSTRAPPED' });
    });
    router.addDeathListener((id, reason) => this.lives.get(id)?.send({ type: 'DISCONNECTED', reason }));
  }

  /** The lifecycle of `id`, started (connecting) the first time it is named. */
  private life(id: number, name: string): Lifecycle<typeof contextTable, Life, ContextEvent> {
    let life = this.lives.get(id);
    if (life === undefined) {
      life = createLifecycle<typeof contextTable, Life, ContextEvent>(contextTable, this.impl, { id, name, graceMs: this.graceMs, reason: null });
      this.lives.set(id, life);
      this.changed(life.context, 'connecting');
    }
    return life;
  }

  private changed(c: Life, state: ContextState): void {
    const ctx = this.router.contextFor(c.id, c.name);
    if (state === 'dead') {
      this.lives.delete(c.id);
      // Dead by its own lifecycle (the grace period ran out): the router's Deaths must know.
      if (!this.router.isDead(c.id)) this.router.contextDied(c.id, c.reason ?? 'dead');
      markContextDead(ctx, this.router.deadReason(c.id) ?? c.reason ?? 'dead');
    } else {
      setContextState(ctx, state);
    }
  }
}
