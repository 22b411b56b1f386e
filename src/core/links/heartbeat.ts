// Failure detection on a stream: each side sends a HEARTBEAT frame every `interval` ms, and
// closes the stream once `misses` intervals in a row brought no sign of life from the peer (a
// frozen process, a dead network path, a frame cut short). A sign of life is a whole frame, or
// a frame in progress that is really flowing (PROGRESS_BYTES in an interval: a big message on
// a slow link). Bytes alone are not: after a truncated frame every later frame, heartbeats
// included, vanishes into it, and the peer's heartbeats would keep a wedged stream "alive"
// forever (issue 15.2). The only cost on the data path is the stream's two counters; the
// timer never keeps a process alive.
import { HEARTBEAT, NO_REPLY, encodeFrame } from '../wire/protocol.js';
import type { Stream } from './stream.js';

export const DEFAULT_HEARTBEAT_INTERVAL = 5_000;
export const DEFAULT_HEARTBEAT_MISSES = 3;
/**
 * Bytes of a frame in progress received in one interval that count as life without a whole
 * frame: far above what a peer's heartbeats alone bring (26 bytes each), far below any
 * transfer that is really flowing.
 */
export const PROGRESS_BYTES = 16 * 1024;

/**
 * Starts heartbeats on `stream` (nothing when `interval` is 0). A silent peer is declared dead
 * between interval × misses and interval × (misses + 1) ms after its last sign of life.
 */
export function startHeartbeat(stream: Stream, myId: number, interval: number, misses: number, onSilent?: () => void): void {
  if (!(interval > 0)) return;
  const beat = encodeFrame(stream.remoteId, myId, myId, HEARTBEAT, NO_REPLY, new Uint8Array(0));
  const allowed = Math.max(1, misses);
  let frames = stream.framesIn;
  let bytes = stream.bytesIn;
  let silent = 0;
  const timer = setInterval(() => {
    if (!stream.alive) return clearInterval(timer);
    const flowing = stream.bytesIn - bytes >= PROGRESS_BYTES;
    bytes = stream.bytesIn;
    if (stream.framesIn !== frames || flowing) {
      frames = stream.framesIn;
      silent = 0;
    } else if (++silent >= allowed) {
      clearInterval(timer);
      stream.close(silenceReason(stream, silent * interval));
      onSilent?.();
      return;
    }
    stream.send(beat);
  }, interval);
  timer.unref();
}

/** `no heartbeat from x for N ms`, saying so when a frame cut short is what swallowed them. */
function silenceReason(stream: Stream, ms: number): string {
  const partial = stream.partialFrame;
  if (partial === null || partial[1] === 0) return `no heartbeat from ${stream.label} for ${ms} ms`;
  return `no heartbeat from ${stream.label} for ${ms} ms: a frame of ${partial[1]} bytes stopped after ${partial[0]} bytes (truncated frame; everything after it was taken as its content)`;
}
