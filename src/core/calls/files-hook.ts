// `ctx.files`: file transfer to and from a context. The implementation lives with the master
// (src/files/, which reads and writes the master's disk); core only holds its types and the
// hook the master registers, so the child payload carries none of it.
import type { Observable } from 'rxjs';
import type { Context } from './context.js';

/** Where a transfer is: bytes moved so far of `total`. */
export interface TransferProgress {
  /** Bytes transferred so far. */
  bytes: number;
  /** The file's size. */
  total: number;
}

/** What a completed transfer resolves with: the size and the sha256 (hex) both sides verified. */
export interface TransferResult {
  /** Bytes transferred (for a push: bytes that crossed the master's links). */
  bytes: number;
  /** sha256 of the file, lowercase hex. */
  sha256: string;
}

/**
 * A file transfer under way: await it for its {@link TransferResult}; `progress$` reports
 * as it goes; `cancel()` stops it (the destination is left as it was).
 */
export interface Transfer extends PromiseLike<TransferResult> {
  /** Progress as it goes (the latest value replayed); completes when the transfer ends, however it ends. */
  readonly progress$: Observable<TransferProgress>;
  /** Stops the transfer: it rejects with `reason` (an Error) and nothing is left at the destination. */
  cancel(reason?: unknown): void;
  /** Promise-style error handling. */
  catch<T = never>(onrejected: (reason: unknown) => T | PromiseLike<T>): Promise<TransferResult | T>;
  /** Promise-style cleanup. */
  finally(onfinally: () => void): Promise<TransferResult>;
}

/** Options of {@link ContextFiles.put} and {@link ContextFiles.get}. */
export interface PutOptions {
  /** The destination's mode (e.g. 0o644), or `'preserve'` for the source's; default: a new file's (0o666 less the umask). */
  mode?: number | 'preserve';
  /** Give the destination the source's modification time (default false). */
  mtime?: boolean;
  /** Create missing parent directories of the destination (default false). */
  mkdirs?: boolean;
}

/** File transfer between the master and one context (`ctx.files`). */
export interface ContextFiles {
  /** Copies the master's `localPath` to `remotePath` in the context. */
  put(localPath: string, remotePath: string, opts?: PutOptions): Transfer;
  /** Copies `remotePath` in the context to the master's `localPath`. */
  get(remotePath: string, localPath: string, opts?: PutOptions): Transfer;
}

let hook: ((ctx: Context) => ContextFiles) | null = null;

/** Registers how a context's `files` are made (src/files, in the master). */
export function setFilesHook(make: (ctx: Context) => ContextFiles): void {
  hook = make;
}

/** `ctx.files`, or an error saying where file transfer is available. */
export function filesOf(ctx: Context): ContextFiles {
  if (hook === null) throw new TypeError(`${ctx.name}.files: file transfer is available in the master only (import it from 'tendril')`);
  return hook(ctx);
}
