// Failure detection on a stream: each side sends a HEARTBEAT frame every `interval` ms, and
// closes the stream once `misses` intervals in a row brought nothing at all from the peer (a
// frozen process, a dead network path). The only cost on the data path is the stream's count
// of chunks received; the timer never keeps a process alive.
import { HEARTBEAT, NO_REPLY, encodeFrame } from '../wire/protocol.js';
import type { Stream } from './stream.js';

export const DEFAULT_HEARTBEAT_INTERVAL = 5_000;
export const DEFAULT_HEARTBEAT_MISSES = 3;

/**
 * Starts heartbeats on `stream` (nothing when `interval` is 0). A silent peer is declared dead
 * between interval × misses and interval × (misses + 1) ms after the last bytes it sent.
 */
export function startHeartbeat(stream: Stream, myId: number, interval: number, misses: number, onSilent?: () => void): void {
  if (!(interval > 0)) return;
  const beat = encodeFrame(stream.remoteId, myId, myId, HEARTBEAT, NO_REPLY, new Uint8Array(0));
  const allowed = Math.max(1, misses);
  let seen = stream.chunksIn;
  let silent = 0;
  const timer = setInterval(() => {
    if (!stream.alive) return clearInterval(timer);
    if (stream.chunksIn !== seen) {
      seen = stream.chunksIn;
      silent = 0;
    } else if (++silent >= allowed) {
      clearInterval(timer);
      stream.close(`no heartbeat from ${stream.label} for ${silent * interval} ms`);
      onSilent?.();
      return;
    }
    stream.send(beat);
  }, interval);
  timer.unref();
}
