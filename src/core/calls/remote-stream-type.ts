// The public shape of a stream of values from another context (ctx.stream(), typed proxies of
// functions returning an AsyncIterable). Types only: the implementation is remote-stream.ts.
import type { Observable } from 'rxjs';

/**
 * The values a remote function's async iterable yields, arriving under credit-based flow
 * control: the producer runs ahead of the consumer by at most `highWaterMark` values
 * (CallOptions, default 64). Consume it once: with `for await`, or through `values$`.
 *
 * Iteration ends when the producer's iterable ends; it throws a CallError when the producer
 * threw, a ChannelError when the producer's context died (never a silent end), a
 * TimeoutError or the AbortSignal's reason when the call's options gave up. `break`,
 * unsubscribing from `values$` and {@link RemoteStream.cancel} end the remote iterable (its
 * `finally` runs there).
 */
export interface RemoteStream<V> extends AsyncIterable<V> {
  /**
   * The same values as an Observable (made on first use): completes at the end, errors as
   * iteration throws; unsubscribing cancels the stream. One consumer: subscribing after
   * iteration started (or twice) errors with a TendrilError.
   */
  readonly values$: Observable<V>;
  /**
   * Stops the stream: the remote iterable is ended (its `finally` runs), values not yet taken
   * are dropped. Without a reason, iteration ends and `values$` completes; with one, they
   * fail with it. No effect once the stream ended.
   */
  cancel(reason?: unknown): void;
}
