// Backpressure on a stream to a child (issue 15.9): bytes waiting to be written to a peer that
// does not read (frozen, overloaded) are bounded for new work. Past the bound, callNoReply
// (which has no reply to wait for) throws a ChannelError at once, and calls routed there are
// answered as dead (a ChannelError reply; logged once per episode). Replies, stream values and
// control frames still queue (stream.ts, refusable): dropping them would strand the peer's own
// calls; they come only as answers to work it was given, which is what is bounded.
import { ChannelError } from '../errors.js';
import type { CoreRouter } from '../routing/router.js';

/** The least bound of a stream's buffered bytes; the bound is at least 2 × maxMessageSize. */
export const MIN_BUFFERED_BYTES = 64 * 1024 * 1024;

/** The bound of a stream's buffered bytes (one whole message always fits below it). */
export function bufferedBytesLimit(maxMessageSize: number): number {
  return Math.max(MIN_BUFFERED_BYTES, 2 * maxMessageSize);
}

/** What a full stream says: why its frames are refused. */
export function overflowReason(label: string, buffered: number, limit: number): string {
  return `${buffered} bytes already wait to be written to ${label} (limit ${limit}): it is not reading (frozen or overloaded)`;
}

/** Something that may be over its bound of buffered bytes (a Stream). */
interface MayOverflow {
  overflow?(): string | null;
}

/**
 * Throws a ChannelError when the link that a message for `dstId` leaves on is over its bound:
 * for callNoReply (and the like), whose sender has no reply to wait for.
 */
export function assertRoomTowards(router: CoreRouter, dstId: number): void {
  const link = router.linkTowards(dstId) as (MayOverflow & object) | null;
  const why = link?.overflow?.() ?? null;
  if (why !== null) throw new ChannelError(`callNoReply to ${router.describeContext(dstId)} refused: ${why}`);
}
