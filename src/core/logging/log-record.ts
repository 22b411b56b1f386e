// The one log record format of the tree. A context's runtime logs records (level, topic,
// time, message) and sends them to the master as they are (FORWARD_LOG); what user code
// prints on fds 1/2 travels as records too, one per line, tagged stdout/stderr by the
// parent that read it. Nothing is formatted into a line and parsed back.

/** Severity of a record, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** The levels in increasing order of severity. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** `stdout`/`stderr`: a line the process printed; `tendril`: a record of the runtime itself. */
export type LogSource = 'stdout' | 'stderr' | 'tendril';

/** One line a context printed, or one record tendril logged about it. */
export interface LogRecord {
  /** Its severity (prints on stderr are `warn`, on stdout `info`). */
  level: LogLevel;
  /** The name of the context the record is about. */
  context: string;
  /** The id of that context. */
  contextId: number;
  /** Same as `context` (the name it had before `context` existed). */
  contextName: string;
  /** Where it came from: a print on stdout or stderr, or the runtime. */
  source: LogSource;
  /** The text: one printed line (without its newline), or the runtime's message. */
  message: string;
  /**
   * ms since the epoch: when the context logged it (runtime records), or when its parent
   * read the line (prints).
   */
  time: number;
  /** What part of the runtime logged it (`routing`, `modules`...); always set on debug records. */
  topic?: string;
}

/** FORWARD_LOG payload: [contextId, context name, source, level, time, message, topic or null]. */
export type WireLogRecord = [contextId: number, context: string, source: LogSource, level: LogLevel, time: number, message: string, topic: string | null];

/** Makes a record (contextName mirrors context). */
export function logRecord(
  contextId: number,
  context: string,
  source: LogSource,
  level: LogLevel,
  message: string,
  time: number,
  topic?: string,
): LogRecord {
  const r: LogRecord = { level, context, contextId, contextName: context, source, message, time };
  if (topic !== undefined) r.topic = topic;
  return r;
}

/** A line printed on fd 1 (info) or fd 2 (warn), read by the parent now. */
export function printedLine(contextId: number, context: string, source: 'stdout' | 'stderr', line: string): LogRecord {
  return logRecord(contextId, context, source, source === 'stderr' ? 'warn' : 'info', line, Date.now());
}

/** The FORWARD_LOG payload of a record. */
export function toWire(r: LogRecord): WireLogRecord {
  return [r.contextId, r.context, r.source, r.level, r.time, r.message, r.topic ?? null];
}

const SOURCES: readonly string[] = ['stdout', 'stderr', 'tendril'];

/** Validates a decoded FORWARD_LOG payload; null when it is not a record. */
export function fromWire(v: unknown): LogRecord | null {
  if (!Array.isArray(v) || v.length !== 7) return null;
  const [id, context, source, level, time, message, topic] = v as unknown[];
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return null;
  if (typeof context !== 'string' || typeof message !== 'string' || typeof time !== 'number') return null;
  if (typeof source !== 'string' || !SOURCES.includes(source)) return null;
  if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level)) return null;
  if (topic !== null && typeof topic !== 'string') return null;
  return logRecord(id, context, source as LogSource, level as LogLevel, message, time, topic ?? undefined);
}
