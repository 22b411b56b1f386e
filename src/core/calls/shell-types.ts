// The public shapes of ctx.exec() and ctx.spawn() (types only; shell-client.ts calls, and
// shell-runner.ts runs the commands in the context).
import type { Observable } from 'rxjs';

/** A command: a string runs under `/bin/sh -c`; an array is `[file, ...args]`, no shell. */
export type ShellCommand = string | readonly string[];

/** Options of {@link Context.spawn} (and of exec, with timeout and signal). */
export interface SpawnOptions {
  /** Working directory in the context (default: the context's). */
  cwd?: string;
  /** Variables added to the context's environment. */
  env?: Record<string, string>;
  /** The whole of the command's stdin: written, then stdin is closed. Without it, exec closes stdin at once; spawn leaves it open for write(). */
  input?: string | Uint8Array;
  /** Output as strings (`'utf8'`, default) or bytes (`'buffer'`). */
  encoding?: 'utf8' | 'buffer';
  /** Give up after this many ms: the process group is killed (SIGKILL), the call rejects with a TimeoutError. */
  timeout?: number;
  /** Give up when it aborts: the process group is killed, the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Options of {@link Context.exec}. */
export type ExecOptions = SpawnOptions;

/** How a command ended: its exit code, or the signal that killed it (the other is null). */
export interface ExitStatus {
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal's name (`'SIGTERM'`), or null when it exited. */
  signal: string | null;
}

/**
 * The type of a command's output for options `O`: `Uint8Array` with `encoding: 'buffer'`,
 * `string` without an encoding or with `'utf8'`, either when the options do not say.
 */
export type ShellOutput<O> = 'encoding' extends keyof O ? OutputFor<O[keyof O & 'encoding']> : string;

/** The output type for one value of `encoding`. */
export type OutputFor<E> = [E] extends ['buffer'] ? Uint8Array : [E] extends ['utf8' | undefined] ? string : string | Uint8Array;

/** What {@link Context.exec} resolves with, whatever the exit code. */
export interface ExecResult<Out extends string | Uint8Array = string | Uint8Array> extends ExitStatus {
  /** Everything the command wrote to stdout. */
  stdout: Out;
  /** Everything the command wrote to stderr. */
  stderr: Out;
}

/** One line of output of a spawned command, tagged with its stream. */
export interface OutputLine {
  /** Which stream it was written to. */
  stream: 'stdout' | 'stderr';
  /** The line, without its line break. */
  line: string;
}

/**
 * A command running in a context ({@link Context.spawn}). The observables are hot: subscribe
 * right away (output that arrives with nobody subscribed is not kept). They complete when the
 * command's output ends, and fail as `done` rejects.
 */
export interface SpawnedProcess<Out extends string | Uint8Array = string | Uint8Array> {
  /** Chunks of stdout, as they arrive (strings, or bytes with `encoding: 'buffer'`). */
  readonly stdout$: Observable<Out>;
  /** Chunks of stderr. */
  readonly stderr$: Observable<Out>;
  /** Complete lines of both streams, tagged; a last line without a break comes at the end. */
  readonly lines$: Observable<OutputLine>;
  /** Writes to the command's stdin; resolves once written. */
  write(data: string | Uint8Array): Promise<void>;
  /** Closes the command's stdin. */
  end(): Promise<void>;
  /** Sends a signal (default SIGTERM) to the command's process group. */
  kill(signal?: string | number): Promise<void>;
  /**
   * Resolves with the exit status once the command ended and its output was delivered;
   * rejects with a ChannelError if the context died, a TimeoutError or the signal's reason
   * if the options gave up (the process group is killed then).
   */
  readonly done: Promise<ExitStatus>;
}
