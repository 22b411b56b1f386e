// The runtime's logger: one per router, in every thread of every context. It decides what is
// produced (level, debug topics) and hands whole records to a sink: the log hub in the
// master, FORWARD_LOG to the master in a child (forward-sink.ts), this process's stderr
// when there is no channel.
import { LOG_LEVELS, logRecord, type LogLevel, type LogRecord } from './log-record.js';
import { writeStderr } from './stderr.js';

/** Debug logging: off, on for every topic, or on for the topics listed. */
export type DebugSetting = boolean | readonly string[];

/**
 * The topics the runtime logs debug records under (any other name is accepted, and silent):
 * routing (dropped frames), modules (fetches, replies passed on), lifecycle (shutdowns).
 * Profiling records (info) carry the topic `calls`.
 */
export const DEBUG_TOPICS = ['routing', 'modules', 'lifecycle'] as const;

/** Where finished records go. */
export type LogSink = (record: LogRecord) => void;

/**
 * Reads TENDRIL_DEBUG: unset, empty, `0` or `false`: off; `1`, `true`, `*` or `all`: every
 * topic; anything else is a comma list of topics (`routing,modules`).
 */
export function parseDebug(value: string | undefined): DebugSetting {
  const v = (value ?? '').trim();
  if (v === '' || v === '0' || v.toLowerCase() === 'false') return false;
  if (v === '1' || v === '*' || ['true', 'all'].includes(v.toLowerCase())) return true;
  const topics = v.split(',').map((t) => t.trim()).filter((t) => t !== '');
  return topics.length ? topics : false;
}

/** The setting in a normal form: `false`, `true` or a non-empty list. */
export function normalDebug(setting: DebugSetting | undefined): DebugSetting {
  if (setting === undefined || setting === false || setting === true) return setting ?? false;
  return setting.length ? [...setting] : false;
}

/** Makes the records of one router (one context, one thread) and hands them to its sink. */
export class Logger {
  private debugAll = false;
  private debugTopics: ReadonlySet<string> | null = null;
  private readonly minLevel: number;

  /** `level`: the lowest of info, warn, error produced (debug records follow `debug` alone). */
  constructor(
    readonly contextId: number,
    readonly contextName: string,
    private readonly sink: LogSink,
    debug: DebugSetting = false,
    level: LogLevel = 'info',
  ) {
    this.minLevel = LOG_LEVELS.indexOf(level);
    this.setDebug(debug);
  }

  /** Changes which debug topics are on (the master's enableDebug()). */
  setDebug(debug: DebugSetting): void {
    const d = normalDebug(debug);
    this.debugAll = d === true;
    this.debugTopics = Array.isArray(d) ? new Set(d) : null;
  }

  /** Whether debug records of `topic` are produced (test it before building a costly message). */
  debugEnabled(topic: string): boolean {
    return this.debugAll || (this.debugTopics !== null && this.debugTopics.has(topic));
  }

  /** A debug record under `topic`, if that topic is on. */
  debug(topic: string, message: string): void {
    if (this.debugEnabled(topic)) this.sink(logRecord(this.contextId, this.contextName, 'tendril', 'debug', message, Date.now(), topic));
  }

  /** A record of the runtime; debug records without a topic go under `general`. */
  log(level: LogLevel, message: string, topic?: string): void {
    if (level === 'debug') {
      this.debug(topic ?? 'general', message);
      return;
    }
    if (LOG_LEVELS.indexOf(level) < this.minLevel) return;
    this.sink(logRecord(this.contextId, this.contextName, 'tendril', level, message, Date.now(), topic));
  }
}

/** The last resort: one line on this process's stderr (which its parent reads as a print); dropped once stderr is closed. */
export function writeToStderr(r: LogRecord): void {
  const topic = r.topic !== undefined ? `[${r.topic}]` : '';
  writeStderr(`tendril[${r.context}] ${r.level}${topic}: ${r.message}\n`);
}
