import { Observable } from 'rxjs';
import { logRecord, type LogRecord } from '../core/logging/log-record.js';
import { onStderrClosed, writeStderr } from '../core/logging/stderr.js';

export type { LogRecord };

/** Fans log records out to listeners; the observable is created on first use. */
export class LogHub {
  private readonly listeners = new Set<(r: LogRecord) => void>();
  private observable: Observable<LogRecord> | null = null;

  constructor() {
    // Printing stops when stderr closes (EPIPE): said once, to whoever listens (issue 15.5).
    const hub = new WeakRef(this);
    const off = onStderrClosed((why) => {
      const h = hub.deref();
      if (!h) return void off();
      h.emit(logRecord(0, 'master', 'tendril', 'warn', `stderr is closed (${why}): log records are no longer printed (logs$ still has them)`, Date.now(), 'logging'));
    });
  }

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

/** The default printer: `[name] line` (prints), `[name] level[topic]: message` (runtime records). */
export function printRecord(r: LogRecord): void {
  const topic = r.topic !== undefined ? `[${r.topic}]` : '';
  const prefix = r.source === 'tendril' ? `[${r.context}] ${r.level}${topic}: ` : `[${r.context}] `;
  writeStderr(`${prefix}${r.message}\n`);
}
