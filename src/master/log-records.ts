import { Observable } from 'rxjs';
import type { LogLevel } from '../core/routing/router.js';

/** One line a context printed, or one record tendril logged about it. */
export interface LogRecord {
  contextId: number;
  contextName: string;
  /** `stdout`/`stderr`: raw prints of the process; `tendril`: the runtime's own records. */
  source: 'stdout' | 'stderr' | 'tendril';
  level: LogLevel;
  message: string;
  /** ms since the epoch, when the master received it. */
  time: number;
}

/** Fans log records out to listeners; the observable is created on first use. */
export class LogHub {
  private readonly listeners = new Set<(r: LogRecord) => void>();
  private observable: Observable<LogRecord> | null = null;

  emit(record: LogRecord): void {
    for (const fn of this.listeners) fn(record);
  }

  listen(fn: (r: LogRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get records$(): Observable<LogRecord> {
    return (this.observable ??= new Observable<LogRecord>((sub) => this.listen((r) => sub.next(r))));
  }
}

/** The default printer: `[name] line` on the master's stderr. */
export function printRecord(r: LogRecord): void {
  const prefix = r.source === 'tendril' ? `[${r.contextName}] ${r.level}: ` : `[${r.contextName}] `;
  process.stderr.write(`${prefix}${r.message}\n`);
}
