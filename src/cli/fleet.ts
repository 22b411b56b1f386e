// The per-host pipeline every command shares: connect, work, report, at most --forks hosts at
// a time (RxJS mergeMap's concurrency), each host's outcome one record. A host that cannot be
// reached is 'unreachable', one whose work failed (non-zero exit, a throw, a timeout) 'failed'.
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import type { CallView, Context } from '../index.js';
import type { Connector } from './connect.js';
import type { HostSpec } from './hosts.js';
import type { Reporter } from './reporter.js';
import { EXIT } from './usage-error.js';

export type HostStatus = 'ok' | 'failed' | 'unreachable';

/** One host's outcome: what --json prints, one line each. */
export interface HostRecord {
  host: string;
  status: HostStatus;
  /** The full error (the summary table shows its first line). */
  error?: string;
  /** When work on the host began (connecting), ISO 8601. */
  startedAt: string;
  elapsedMs: number;
  /** The command's own fields (code, stdout, value, facts, bytes...). */
  [field: string]: unknown;
}

/** What a command's work on one host produced. */
export interface WorkOutcome {
  ok: boolean;
  /** Fields of the host's record. */
  fields: Record<string, unknown>;
  /** Why it failed, when ok is false and there is no thrown error. */
  error?: string;
  /** What a terminal shows for this host once it is done (its output, its value). */
  display?: string;
}

/** What the work may tell the user while it runs. */
export interface HostUi {
  /** A short live status (`12.5/50.0 MiB`). */
  progress(text: string): void;
  /** An output line (shown at once with --stream). */
  line(stream: 'stdout' | 'stderr', line: string): void;
  readonly signal: AbortSignal;
}

export type Work = (view: CallView, ctx: Context, host: HostSpec, ui: HostUi) => Promise<WorkOutcome>;

export interface FleetOptions {
  forks: number;
  /** ms for the work on each host (the connection has its own connectTimeout). */
  timeout?: number;
  signal: AbortSignal;
  /** Keep the hosts' contexts until the end (tree), instead of shutting each down when done. */
  keep?: boolean;
}

/** Words a person can act on, for any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

export async function runFleet(hosts: HostSpec[], connector: Connector, work: Work, reporter: Reporter, opts: FleetOptions): Promise<HostRecord[]> {
  const one = async (spec: HostSpec): Promise<HostRecord> => {
    const t0 = Date.now();
    const startedAt = new Date(t0).toISOString();
    const end = (status: HostStatus, fields: Record<string, unknown>, error?: string, display?: string): HostRecord => {
      const record: HostRecord = { host: spec.label, status, ...fields, ...(error === undefined ? {} : { error }), startedAt, elapsedMs: Date.now() - t0 };
      reporter.result(record, display);
      return record;
    };
    if (opts.signal.aborted) return end('failed', {}, 'interrupted before it started');
    reporter.state(spec.label, 'connecting');
    let conn;
    try {
      conn = await withDeadline(connector.connect(spec), connector.deadline(spec));
    } catch (e) {
      return end('unreachable', {}, describeError(e));
    }
    reporter.state(spec.label, 'running');
    const ui: HostUi = {
      progress: (text) => reporter.progress(spec.label, text),
      line: (stream, line) => reporter.line(spec.label, stream, line),
      signal: opts.signal,
    };
    const view = conn.target.with(opts.timeout === undefined ? { signal: opts.signal } : { signal: opts.signal, timeout: opts.timeout });
    try {
      const out = await work(view, conn.target, spec, ui);
      return end(out.ok ? 'ok' : 'failed', out.fields, out.ok ? undefined : (out.error ?? 'failed'), out.display);
    } catch (e) {
      return end('failed', {}, describeError(e));
    } finally {
      if (!opts.keep) void conn.own.shutdown().catch(() => undefined);
    }
  };
  const done = await lastValueFrom(from(hosts).pipe(mergeMap(one, opts.forks), toArray()));
  // The summary lists hosts in the order given, whatever order they finished in.
  const order = new Map(hosts.map((h, i) => [h.label, i]));
  return done.sort((a, b) => order.get(a.host)! - order.get(b.host)!);
}

/**
 * Nothing waits forever: a connection still pending past every connectTimeout it is made of
 * is given up (router.shutdown() at the end ends whatever is left of it).
 */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection after ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** 3 when a host could not be reached, else 2 when one failed, else 0. */
export function exitCodeOf(records: HostRecord[]): number {
  if (records.some((r) => r.status === 'unreachable')) return EXIT.unreachable;
  if (records.some((r) => r.status === 'failed')) return EXIT.failed;
  return EXIT.ok;
}
