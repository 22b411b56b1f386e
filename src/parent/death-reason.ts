// Why a child died, in words a person can act on, from what its parent saw: the child's last
// words (LAST_WORDS: an uncaught error with its source line, process.exit(n)), our own
// diagnosis (no heartbeat), the process's exit (code or signal), and how its stream ended.
import { constants } from 'node:os';

/** The reason of a context that ended as it was asked to (the lifecycle's drain reason too). */
export const SHUTDOWN_REQUESTED = 'shutdown requested';

/** What the parent knows about a child's end. */
export interface EndSeen {
  /** What the child said before it died (src/core/child/last-words.ts). */
  lastWords?: string;
  /** The heartbeat found it silent and we killed it: the stream's reason says so. */
  silenced?: boolean;
  /** It was asked to shut down. */
  asked?: boolean;
  /** Why, when its parent was going down itself (`parent context 'x' died: ...`). */
  cascade?: string;
  /** The process's exit, when it came. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** Why its stream closed (`web disconnected`, `no heartbeat from web for 15000 ms`...). */
  streamReason: string;
  /** A method's reading of its program's exit code (ssh's 255), before the generic one. */
  describeExit?(code: number): string | undefined;
}

/**
 * The one reason, first match wins: the child's last words (it knew best); our heartbeat
 * diagnosis; a signal (`killed by SIGKILL`); an exit code (`exited with code 7`, with what
 * a shell's 128 + n means); a requested shutdown; else the stream's own reason.
 */
export function deathReason(end: EndSeen): string {
  if (end.lastWords) return end.lastWords;
  if (end.silenced) return end.streamReason;
  const exit = end.exit;
  if (exit?.signal) return `killed by ${exit.signal}`;
  if (exit && exit.code !== null) {
    if (exit.code === 0 && end.asked) return end.cascade ?? SHUTDOWN_REQUESTED;
    return end.describeExit?.(exit.code) ?? describeExitCode(exit.code);
  }
  if (end.asked) return end.cascade ?? `${SHUTDOWN_REQUESTED} (${end.streamReason})`;
  return end.streamReason;
}

/** `exited with code 7`; a shell or container tool reports a signal as 128 + its number. */
export function describeExitCode(code: number): string {
  const signal = code > 128 && code < 128 + 65 ? signalName(code - 128) : undefined;
  return signal ? `exited with code ${code} (128 + ${code - 128}: killed by ${signal})` : `exited with code ${code}`;
}

function signalName(n: number): string | undefined {
  for (const [name, value] of Object.entries(constants.signals)) if (value === n) return name;
  return undefined;
}
