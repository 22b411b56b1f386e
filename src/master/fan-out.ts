// fanOut: one piece of work on many contexts, at most `concurrency` at a time, results as
// they arrive. Unsubscribing aborts what still runs (each call's signal, hence the callee's
// currentCall().signal), so a pipeline that takes the first N results leaves nothing behind.
import { Observable } from 'rxjs';
import type { Context } from '../core/calls/context.js';
import type { CallView } from '../core/calls/call-view.js';

/** A context whose work succeeded, with its value. */
export interface FanOutValue<V, C extends Context = Context> {
  /** The context the work ran for. */
  readonly context: C;
  /** What the work resolved with. */
  readonly value: V;
}

/** A context whose work failed (CallError, TimeoutError, ChannelError...), with why. */
export interface FanOutFailure<C extends Context = Context> {
  /** The context the work ran for. */
  readonly context: C;
  /** What the work rejected with. */
  readonly error: unknown;
}

/** One context's outcome: tell them apart with `'value' in result` or `'error' in result`. */
export type FanOutResult<V, C extends Context = Context> = FanOutValue<V, C> | FanOutFailure<C>;

/** Options of {@link fanOut}. */
export interface FanOutOptions {
  /** How many contexts work at once (default 16). */
  concurrency?: number;
  /** The timeout of every call made through the view given to the work function. */
  timeout?: number;
  /** Aborts everything still running or not yet started (they end with its reason). */
  signal?: AbortSignal;
}

const DEFAULT_CONCURRENCY = 16;

/**
 * Runs `work` for each context, at most `concurrency` at a time (in the order given), and
 * emits `{ context, value }` or `{ context, error }` as each finishes; completes after the
 * last. `work` receives a view of the context whose calls carry the fan-out's signal (and
 * `timeout`): unsubscribing, or `opts.signal` aborting, aborts every call still running (in
 * the callees too). A failure is a result, never an error of the observable.
 *
 * ```ts
 * fanOut(hosts, (ctx) => ctx.call('node:os', 'loadavg'), { concurrency: 4 })
 *   .subscribe((r) => console.log(r.context.name, 'value' in r ? r.value : r.error));
 * ```
 */
export function fanOut<V, C extends Context = Context>(
  contexts: Iterable<C>,
  work: (ctx: CallView, context: C, signal: AbortSignal) => PromiseLike<V> | V,
  opts: FanOutOptions = {},
): Observable<FanOutResult<V, C>> {
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!(concurrency >= 1)) throw new TypeError(`fanOut: concurrency must be at least 1 (got ${concurrency})`);
  return new Observable<FanOutResult<V, C>>((sub) => {
    const controller = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
    const view = opts.timeout === undefined ? { signal } : { signal, timeout: opts.timeout };
    const pending = [...contexts];
    let next = 0;
    let running = 0;
    const startMore = (): void => {
      while (!sub.closed && running < concurrency && next < pending.length) {
        const context = pending[next++]!;
        running++;
        let outcome: Promise<V>;
        try {
          outcome = Promise.resolve(work(context.with(view), context, signal));
        } catch (e) {
          outcome = Promise.reject(e);
        }
        outcome
          .then(
            (value): FanOutResult<V, C> => ({ context, value }),
            (error: unknown): FanOutResult<V, C> => ({ context, error }),
          )
          .then((result) => {
            running--;
            if (sub.closed) return;
            sub.next(result);
            startMore();
          });
      }
      if (!sub.closed && running === 0 && next >= pending.length) sub.complete();
    };
    startMore();
    return () => {
      if (running > 0) controller.abort(new DOMException('fanOut: unsubscribed', 'AbortError'));
    };
  });
}
