// Where per-host progress and results go. Not on a terminal (or with --json): one JSON object
// per host per line on stdout and nothing else there (logs and --stream lines go to stderr).
// On a terminal: live-reporter.ts.
import type { Writable } from 'node:stream';
import type { HostRecord } from './fleet.js';

export type HostState = 'waiting' | 'connecting' | 'running';

export interface Reporter {
  state(host: string, state: HostState): void;
  progress(host: string, text: string): void;
  line(host: string, stream: 'stdout' | 'stderr', line: string): void;
  result(record: HostRecord, display?: string): void;
  /** A log record or a notice, not tied to a host's result. */
  log(text: string): void;
  /** Everything is done: the summary (a terminal shows a table). */
  finish(records: HostRecord[], after?: string): void;
}

/** Values JSON cannot say as they are: bigint as a string, Map as an object, Set as a list, bytes as base64. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export class JsonReporter implements Reporter {
  constructor(
    private readonly out: Writable,
    private readonly err: Writable,
    private readonly stream: boolean,
  ) {}
  state(): void {}
  progress(): void {}
  line(host: string, stream: 'stdout' | 'stderr', line: string): void {
    if (this.stream) this.err.write(`${host} ${stream === 'stderr' ? '!' : '|'} ${line}\n`);
  }
  result(record: HostRecord): void {
    this.out.write(`${JSON.stringify(record, jsonReplacer)}\n`);
  }
  log(text: string): void {
    this.err.write(`${text}\n`);
  }
  finish(): void {}
}
