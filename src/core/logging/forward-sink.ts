// A child's log sink: each record goes to the master as it is (FORWARD_LOG), through the
// routes like any message. When there is no live path (before the parent stream exists,
// after it died) or the record itself cannot be sent, it is written on stderr instead.
import { FORWARD_LOG } from '../wire/protocol.js';
import type { CoreRouter } from '../routing/router.js';
import { toWire, type LogRecord } from './log-record.js';
import { writeToStderr, type LogSink } from './logger.js';

const MASTER_ID = 0;

/** The sink of a child's router (broker or dispatcher): FORWARD_LOG to the master, else stderr. */
export function forwardSink(router: CoreRouter): LogSink {
  // Sending can log (a dropped frame is a debug record): that one goes to stderr, no loop.
  let sending = false;
  return (r: LogRecord) => {
    const link = router.parent;
    if (sending || link === null || !link.alive) {
      writeToStderr(r);
      return;
    }
    sending = true;
    try {
      router.sendValue(MASTER_ID, FORWARD_LOG, toWire(r));
    } catch {
      writeToStderr(r);
    } finally {
      sending = false;
    }
  };
}
