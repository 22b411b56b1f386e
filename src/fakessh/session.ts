// One connection of fakessh's `ssh` client: the remote command it asks for runs in the
// context through `tendril:shell` (the runner behind ctx.spawn), read as a flow-controlled
// stream so a slow local reader slows the remote command; stdin goes as ordered writes, one
// batch in flight at a time. The exit code and signal go back to the client.
import type { Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Context } from '../core/calls/context.js';
import { SHELL_MODULE, type SpawnChunk } from '../core/calls/shell-runner.js';
import type { RemoteStream } from '../core/calls/remote-stream-type.js';
import { parseSshArgv, subsystemCommand } from './ssh-argv.js';
import { T_EOF, T_EXIT, T_FAIL, T_START, T_STDERR, T_STDIN, T_STDOUT, TunnelParser, tunnelFrame } from './tunnel.js';

/** What a session needs from its fakeSsh() call. */
export interface SessionTarget {
  ctx: Context;
  /** The secret the client must present (written into its script). */
  token: string;
  /** The home directory of the context's account (sshd starts commands there). */
  home(): Promise<string>;
}

/** Stdin bytes held before the client's socket is paused. */
const STDIN_HIGH = 1024 * 1024;
/** The largest write sent to the remote command at once. */
const STDIN_BATCH = 1024 * 1024;

let sessions = 0;

/** Serves one client until its socket closes; never rejects. */
export function serveSession(socket: Socket, target: SessionTarget): Promise<void> {
  return new Promise((resolve) => new Session(socket, target, resolve).start());
}

class Session {
  private readonly id = `fakessh-${process.pid}-${++sessions}`;
  private started = false;
  private closed = false;
  private stream: RemoteStream<SpawnChunk> | null = null;
  private readonly stdin: Buffer[] = [];
  private stdinBytes = 0;
  private stdinEnded = false;
  private stdinBusy = false;
  private stdinBroken = false;
  private endSent = false;
  private paused = false;

  constructor(
    private readonly socket: Socket,
    private readonly target: SessionTarget,
    private readonly done: () => void,
  ) {}

  start(): void {
    const parser = new TunnelParser((type, data) => this.onFrame(type, data));
    this.socket.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (e) {
        this.fail((e as Error).message);
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      // The client went away (killed, its caller hung up): the remote command goes too.
      this.stream?.cancel(new Error('the ssh client went away'));
      this.done();
    });
  }

  private onFrame(type: number, data: Buffer): void {
    if (!this.started) {
      if (type !== T_START) return this.fail('protocol error');
      this.started = true;
      let start: { token?: unknown; argv?: unknown };
      try {
        start = JSON.parse(data.toString('utf8')) as typeof start;
      } catch {
        return this.fail('protocol error');
      }
      const token = Buffer.from(String(start.token ?? ''));
      const expected = Buffer.from(this.target.token);
      if (token.length !== expected.length || !timingSafeEqual(token, expected)) return this.fail('refused: not started by this fakeSsh()');
      const argv = Array.isArray(start.argv) ? start.argv.map(String) : [];
      void this.run(argv);
      return;
    }
    if (type === T_STDIN) {
      if (this.stdinBroken) return;
      this.stdin.push(data);
      this.stdinBytes += data.length;
      this.pumpStdin();
    } else if (type === T_EOF) {
      this.stdinEnded = true;
      this.pumpStdin();
    }
  }

  private async run(argv: string[]): Promise<void> {
    const request = parseSshArgv(argv);
    if (request.kind === 'error') return this.fail(request.message);
    if (request.kind === 'version') {
      this.send(T_STDERR, Buffer.from('OpenSSH_9.9 (tendril fakessh)\n'));
      return this.exit(0, null);
    }
    const command = request.kind === 'command' ? request.command : subsystemCommand(request.name);
    if (command === null) return this.fail(`subsystem request for ${request.kind === 'subsystem' ? request.name : ''} failed: only sftp is supported`);
    const { ctx } = this.target;
    try {
      const cwd = await this.target.home();
      if (this.closed) return;
      this.stream = ctx.stream<SpawnChunk>(SHELL_MODULE, 'spawn', command, { cwd, encoding: 'buffer' }, this.id);
      this.pumpStdin();
      for await (const chunk of this.stream) {
        if (this.closed) return;
        if (chunk[0] === 0) return this.exit(chunk[1], chunk[2]);
        if (!this.send(chunk[0] === 1 ? T_STDOUT : T_STDERR, chunk[1] as Uint8Array)) await this.drained();
      }
      this.fail(`the command ended without an exit status in context '${ctx.name}'`);
    } catch (e) {
      this.fail(`cannot run the command in context '${ctx.name}': ${(e as Error).message}`);
    }
  }

  /** Sends queued stdin in order, one batch at a time; pauses the client while much is queued. */
  private pumpStdin(): void {
    if (this.stream === null || this.stdinBusy || this.closed) return;
    if (this.stdin.length > 0 && !this.stdinBroken) {
      const parts: Buffer[] = [];
      let size = 0;
      while (this.stdin.length > 0 && size < STDIN_BATCH) {
        const part = this.stdin.shift()!;
        parts.push(part);
        size += part.length;
      }
      this.stdinBytes -= size;
      this.stdinBusy = true;
      this.target.ctx
        .call(SHELL_MODULE, 'write', this.id, parts.length === 1 ? parts[0] : Buffer.concat(parts, size))
        .catch(() => {
          // The command ended or closed its stdin: what is left has nowhere to go.
          this.stdinBroken = true;
          this.stdin.length = 0;
          this.stdinBytes = 0;
        })
        .finally(() => {
          this.stdinBusy = false;
          this.pumpStdin();
        });
    } else if (this.stdinEnded && !this.endSent) {
      this.endSent = true;
      this.target.ctx.call(SHELL_MODULE, 'end', this.id).catch(() => undefined);
    }
    const full = this.stdinBytes >= STDIN_HIGH;
    if (full !== this.paused) {
      this.paused = full;
      if (full) this.socket.pause();
      else this.socket.resume();
    }
  }

  private send(type: number, data: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return true;
    return this.socket.write(tunnelFrame(type, data));
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const go = (): void => {
        this.socket.off('drain', go);
        this.socket.off('close', go);
        resolve();
      };
      this.socket.on('drain', go);
      this.socket.on('close', go);
    });
  }

  private exit(code: number | null, signal: string | null): void {
    this.send(T_EXIT, Buffer.from(JSON.stringify({ code, signal })));
    this.socket.end();
  }

  private fail(message: string): void {
    this.send(T_FAIL, Buffer.from(message));
    this.socket.end();
  }
}
