// The connection driver: starts a target process (from a connection method's argv), runs the
// bootstrap handshake on its channel, and hands back a framed Stream. Everything that can go
// wrong before the child is ready becomes a StreamError that says what happened, with the last
// lines the target printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { ChildConfig } from '../core/child/child-config.js';
import { descendants } from '../core/child/descendants.js';
import { StreamError } from '../core/errors.js';
import {
  EXIT_CHANNEL_CLOSED,
  EXIT_NODE_TOO_OLD,
  READY_MARKER,
  firstStageSource,
  startMarker,
} from '../core/child/first-stage.js';
import { LineSplitter } from '../core/logging/line-splitter.js';
import { lengthPrefixed } from './length-prefixed.js';

/** What a connection method asks the driver to run. */
export interface LaunchSpec {
  /** Label for errors: `local`, `ssh web1`... */
  description: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Starts the target itself (remote methods: the channel on the program's stdin/stdout, a
   * PTY, an in-process ssh channel) instead of spawning command/args with it on fds 3/4.
   */
  open?(io: LaunchIO): Target;
  /** A precise error for a failure, from the last lines the target printed: [class, reason]. */
  explain?(tail: string[], why: string): [typeof StreamError, string] | undefined;
  /** Another way to start after this one failed (sudo with a PTY when it requires a tty). */
  retry?(tail: string[]): LaunchSpec | undefined;
  /** Extra fields of the child's config record. */
  config?: Partial<ChildConfig>;
  /**
   * What the program's exit code means once the child ran, where it is not node's own (ssh
   * exits 255 for a lost connection and for a remote node killed by a signal).
   */
  describeExit?(code: number): string | undefined;
}

/** A started target: its process (or an object standing for it), channel and log outputs. */
export interface Target {
  proc: ChildProcess;
  toChild: Writable;
  fromChild: Readable;
  /** Streams whose lines are the target's logs (and the tail quoted in errors). */
  outputs: ['stdout' | 'stderr', Readable][];
}

/** What the driver lends a method's open(): fail the launch, add lines to the tail. */
export interface LaunchIO {
  fail(reason: string, kind?: typeof StreamError): void;
  line(source: 'stdout' | 'stderr', line: string): void;
  /** Aborted once the launch settled (ready or failed): stop answering prompts. */
  done: AbortSignal;
}

export interface Launched {
  proc: ChildProcess;
  /** Parent -> child channel (child fd 3). */
  toChild: Writable;
  /** Child -> parent channel (child fd 4). */
  fromChild: Readable;
  /** Bytes after the ready marker: the start of the frame stream. */
  leftover: Buffer;
}

export interface LaunchHooks {
  /** Each line the target prints on stdout/stderr, during and after the bootstrap. */
  onLine(source: 'stdout' | 'stderr', line: string): void;
  /** Aborts the connection (the target is killed, the promise rejects with a StreamError). */
  signal?: AbortSignal;
  /** The first stage answered (node runs on the target): the bootstrap begins. */
  onStarted?(): void;
  /** The compressed core bundle sent to the first stage. */
  payload: Uint8Array;
}

const TAIL_LINES = 20;

/** The argv that runs the first stage with `node`. */
export function nodeCommand(nodePath: string | string[] | undefined, token: string): { command: string; args: string[] } {
  const argv = nodePath === undefined ? [process.execPath] : Array.isArray(nodePath) ? nodePath : [nodePath];
  if (argv.length === 0 || !argv[0]) throw new StreamError('nodePath must name a node binary');
  // --experimental-vm-modules: served ES modules run as real ESM (vm.SourceTextModule).
  return { command: argv[0], args: [...argv.slice(1), '--experimental-vm-modules', '-e', firstStageSource(), token] };
}

/** Runs `spec`, bootstraps tendril in it, and resolves once the child said it is ready. */
export function launch(
  spec: LaunchSpec,
  token: string,
  config: ChildConfig,
  timeoutMs: number,
  hooks: LaunchHooks,
): Promise<Launched> {
  const tail: string[] = [];
  const remember = (source: 'stdout' | 'stderr', line: string): void => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    hooks.onLine(source, line);
  };
  const lastLines = (): string =>
    tail.length ? `; last output:\n    ${tail.join('\n    ')}` : '; it printed nothing';

  return new Promise<Launched>((resolve, reject) => {
    let settled = false;
    const done = new AbortController();
    const splitters: LineSplitter[] = [];
    const fail = (message: string, kind?: typeof StreamError): void => {
      if (settled) return;
      settled = true;
      done.abort();
      clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', onAbort);
      started?.fromChild.off('data', onData);
      if (started) killTree(started.proc);
      // Let the last lines arrive (an unterminated one too: a prompt) before composing the message.
      setTimeout(() => {
        // What is still held back as a possible marker start (a short prompt) is output too.
        if (phase === 'marker') early.push(buffered);
        for (const s of splitters) s.end();
        const again = kind || hooks.signal?.aborted ? undefined : spec.retry?.(tail);
        if (again) return resolve(launch(again, token, config, timeoutMs, hooks));
        const [Kind, why] = (!kind && spec.explain?.(tail, message)) || [kind ?? StreamError, message];
        reject(new Kind(`${spec.description}: ${why}${lastLines()}`));
      }, 20);
    };
    let started: Target | undefined;
    try {
      // open() reports synchronous problems by throwing, later ones through io.fail.
      started = spec.open ? spec.open({ fail, line: remember, done: done.signal }) : spawnOnFds34(spec);
    } catch (e) {
      reject(e instanceof StreamError ? e : new StreamError(`${spec.description}: cannot run ${spec.command}: ${(e as Error).message}`));
      return;
    }
    const { proc, toChild, fromChild } = started;
    for (const [source, s] of started.outputs) {
      const splitter = new LineSplitter((line) => remember(source, line));
      splitters.push(splitter);
      s.on('data', (chunk: Buffer) => splitter.push(chunk));
      s.on('end', () => splitter.end());
    }
    // Anything printed on the channel before the marker (login banners, prompts) is a log line.
    const early = new LineSplitter((line) => remember('stdout', line));
    splitters.push(early);
    // Writes to a child that died early fail with EPIPE; the exit handler reports it.
    toChild.on('error', () => undefined);
    fromChild.on('error', () => undefined);

    const onAbort = (): void => fail('the router is shutting down: connection abandoned');
    const timer = setTimeout(
      () => fail(`timed out after ${timeoutMs} ms waiting for the child to ${phase === 'marker' ? 'start' : 'become ready'} (connectTimeout)`),
      timeoutMs,
    );

    proc.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' && spec.cwd !== undefined && !existsSync(spec.cwd)) fail(`cannot start in '${spec.cwd}': no such directory (check cwd)`);
      else if (e.code === 'ENOENT') fail(`cannot run '${spec.command}': no such file (check nodePath or the method's path option)`);
      else if (e.code === 'EACCES') fail(`cannot run '${spec.command}': permission denied`);
      else fail(`cannot run '${spec.command}': ${e.message}`);
    });
    proc.on('exit', (code, signal) => {
      if (settled) return;
      // Let the log pipes deliver the target's last words (they close after the exit, unless a
      // grandchild holds them: then give up waiting after a moment), then explain the first
      // stage's own exit codes only when it said so (a wrapper may exit 3 or 4 too).
      let explained = false;
      const explain = (): void => {
        if (explained) return;
        explained = true;
        const said = (text: string): boolean => tail.some((l) => l.includes(text));
        const why =
          code === EXIT_NODE_TOO_OLD && said('is too old') ? 'the target Node is too old'
          : code === EXIT_CHANNEL_CLOSED && said('channel closed during bootstrap') ? 'the channel closed during the bootstrap'
          : signal ? `killed by ${signal}` : `exit code ${code}`;
        fail(`the target exited before it was ready (${why})`);
      };
      proc.once('close', explain);
      setTimeout(explain, 500);
    });

    const marker = Buffer.from(startMarker(token));
    const ready = Buffer.from(READY_MARKER);
    let phase: 'marker' | 'ready' = 'marker';
    let buffered: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      if (phase === 'marker') {
        const at = buffered.indexOf(marker);
        if (at < 0) {
          // Keep only what could still be the start of a marker.
          if (buffered.length > marker.length) {
            early.push(buffered.subarray(0, buffered.length - marker.length));
            buffered = buffered.subarray(buffered.length - marker.length);
          }
          return;
        }
        early.push(buffered.subarray(0, at));
        buffered = buffered.subarray(at + marker.length);
        phase = 'ready';
        hooks.onStarted?.();
        const configBytes = Buffer.from(JSON.stringify({ ...config, ...spec.config }));
        toChild.write(Buffer.concat([lengthPrefixed(hooks.payload), lengthPrefixed(configBytes)]));
      }
      if (buffered.length < ready.length) return;
      if (!buffered.subarray(0, ready.length).equals(ready)) {
        fail(`the child answered the bootstrap with unexpected bytes ${JSON.stringify(buffered.subarray(0, 40).toString('latin1'))}`);
        return;
      }
      settled = true;
      done.abort();
      clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', onAbort);
      fromChild.off('data', onData);
      fromChild.pause();
      resolve({ proc, toChild, fromChild, leftover: buffered.subarray(ready.length) });
    };
    fromChild.on('data', onData);
    if (hooks.signal?.aborted) onAbort();
    else hooks.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The local way: the program runs the first stage itself, with the channel on its fds 3/4.
 * In its own session (detached): a terminal's Ctrl-C goes to the whole foreground process
 * group, and a child in it died of SIGINT at once, leaving the commands it ran (their own
 * process groups) behind. Now only the master hears the terminal and ends the tree; a child
 * still ends when its parent does (the channel's EOF), killing what it started.
 */
function spawnOnFds34(spec: LaunchSpec): Target {
  const proc = spawn(spec.command, spec.args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    env: spec.env ?? process.env,
    cwd: spec.cwd,
    windowsHide: true,
  });
  const outputs: Target['outputs'] = [['stdout', proc.stdout!], ['stderr', proc.stderr!]];
  return { proc, toChild: proc.stdio[3] as Writable, fromChild: proc.stdio[4] as Readable, outputs };
}

/**
 * SIGKILLs a process started by a parent and everything it started: a wrapper in nodePath,
 * or a program a child runs in execSync, would outlive it otherwise (a SIGKILLed child cannot
 * clean up). Descendants are found through /proc (Linux); elsewhere only `proc` is killed.
 */
export function killTree(proc: ChildProcess): void {
  if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
    for (const pid of descendants(proc.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  proc.kill('SIGKILL');
}

/**
 * How many local targets a parent lets boot at once, per core. spawn() is synchronous (libuv
 * forks and waits for the exec), and each fork waits longer the more children are already
 * booting: measured here, 100 concurrent local starts blocked an intermediate's event loop
 * for 5.4 s, 13-15 s when 3 intermediates did it together, so its heartbeats stopped and its
 * parent declared it dead. 300 contexts via 3 intermediates on this loaded 2-core machine:
 * no gate 24-27 s (some runs lost 200 contexts that way), 2 per core 45-50 s, 8 per core
 * 28-34 s with none lost.
 */
export const LOCAL_BOOTS_PER_CORE = 8;

/**
 * A counting gate: at most `limit` holders; the rest wait in order (or give up on `signal`).
 * Places are granted one per event-loop turn: each holder spawns at once, and a spawn blocks
 * (150 ms each on a loaded machine here), so timers (heartbeats) and I/O run between two.
 */
export class LaunchGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private turn: Promise<void> = Promise.resolve();

  constructor(readonly limit: number) {}

  /** Resolves with the release (idempotent) once a place is free; rejects if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    const release = await this.place(signal);
    // An immediate set from the check phase runs in the next turn: one grant per turn.
    const turn = this.turn.then(() => new Promise<void>((r) => setImmediate(r)));
    this.turn = turn;
    await turn;
    return release;
  }

  private place(signal?: AbortSignal): Promise<() => void> {
    const grant = (): (() => void) => {
      this.active++;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        this.active--;
        this.waiting.shift()?.();
      };
    };
    if (this.active < this.limit) return Promise.resolve(grant());
    return new Promise((resolve, reject) => {
      const go = (): void => {
        signal?.removeEventListener('abort', abort);
        resolve(grant());
      };
      const abort = (): void => {
        const at = this.waiting.indexOf(go);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new StreamError('the router is shutting down: connection abandoned'));
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.push(go);
    });
  }
}

/** A random token for the start marker, so stray output can never look like it. */
export function newToken(): string {
  // Hex: a token is an argv word after `-e <source>`; one starting with '-' (base64url can)
  // would be taken by node for an option, and hex needs no quoting in any shell.
  return randomBytes(9).toString('hex');
}

export { TAIL_LINES };
